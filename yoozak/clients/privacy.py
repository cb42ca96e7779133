"""A client's personal-data requests (law 09-08): export everything held, or erase it.

Both are POST forms with the CSRF token; the export answers with one JSON file and the
erasure anonymises the client under the clean-up's rules. Each leaves a history row.
"""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from ..extensions import db
from ..history import record_event
from ..maintenance.anonymise import AnonymiseError, anonymise_client
from ..maintenance.personal_data import export_client_data
from ..models import Client
from . import bp

CONFIRM_WORD = "EFFACER"


class ExportForm(FlaskForm):
    """The export button: only the CSRF token."""


class EraseForm(FlaskForm):
    """The erasure, confirmed by typing a word."""

    confirm = StringField(
        "Pour confirmer, tapez EFFACER", validators=[DataRequired("Tapez EFFACER pour confirmer.")]
    )

    def validate_confirm(self, field) -> None:
        """Accept the confirmation word only (any case, spaces around ignored)."""
        from wtforms.validators import ValidationError

        if (field.data or "").strip().upper() != CONFIRM_WORD:
            raise ValidationError("Tapez EFFACER pour confirmer.")


def _client_or_404(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None:
        abort(404, "Ce client n'existe pas (ou plus).")
    return client


def _page(client: Client, erase_form: EraseForm | None = None, status: int = 200):
    html = render_template(
        "clients/privacy.html",
        client=client,
        export_form=ExportForm(),
        erase_form=erase_form or EraseForm(),
        is_admin_account=bool(client.user and client.user.is_admin),
    )
    return html, status


@bp.get("/<int:client_id>/donnees-personnelles/")
def client_privacy(client_id: int):
    """Show the export and erase forms for one client."""
    return _page(_client_or_404(client_id))


@bp.post("/<int:client_id>/donnees-personnelles/export")
def client_data_export(client_id: int):
    """Answer with everything held about the client as one JSON file, and record the export."""
    _client_or_404(client_id)
    if not ExportForm().validate_on_submit():
        abort(400)
    data = export_client_data(db.session, client_id)
    record_event(client_id, "data_exported", changes={"format": data["format"]})
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="client-{client_id}-donnees.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/<int:client_id>/donnees-personnelles/effacer")
def client_erase(client_id: int):
    """Anonymise the client after a typed confirmation."""
    client = _client_or_404(client_id)
    form = EraseForm()
    if not form.validate_on_submit():
        return _page(client, form, 400)
    try:
        result = anonymise_client(db.session, client_id, reason="request")
    except AnonymiseError:
        db.session.rollback()
        flash("Ce compte est celui d'un administrateur : il n'est pas anonymisé.", "danger")
        return redirect(url_for(".client_privacy", client_id=client_id))
    db.session.commit()
    if result.already:
        flash("Ce client était déjà anonymisé : rien n'a changé.", "info")
    else:
        flash(
            f"Données personnelles effacées : client anonymisé, {result.orders} commande(s) nettoyée(s), "
            "montants conservés.",
            "success",
        )
    return redirect(url_for(".client_detail", client_id=client_id))
