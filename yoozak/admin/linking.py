"""Admin views of the linker: its runs and the review queue."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from ..extensions import db
from ..formatting import format_date
from ..linking.review import ReviewError, resolve_review
from ..models import Client, ReviewItem
from ..routing import parse_id
from .base import CsrfForm, SecureModelView


class LinkRunAdmin(SecureModelView):
    """Every run of `flask link-orders`, newest first; read-only."""

    can_create = can_edit = can_delete = False
    column_default_sort = ("started_at", True)
    column_list = (
        "id",
        "started_at",
        "finished_at",
        "status",
        "dry_run",
        "force",
        "threshold",
        "examined",
        "linked_email",
        "linked_phone",
        "linked_name",
        "ambiguous",
        "unmatched",
        "unlinked",
        "changed",
    )
    column_labels = {
        "started_at": "Début",
        "finished_at": "Fin",
        "status": "État",
        "dry_run": "Simulation",
        "force": "Forcé",
        "threshold": "Seuil",
        "examined": "Examinées",
        "linked_email": "E-mail",
        "linked_phone": "Téléphone",
        "linked_name": "Nom",
        "ambiguous": "Ambiguës",
        "unmatched": "Sans client",
        "unlinked": "Déliées",
        "changed": "Modifiées",
    }
    column_formatters = {
        "started_at": lambda v, c, m, n: format_date(m.started_at, with_time=True),
        "finished_at": lambda v, c, m, n: format_date(m.finished_at, with_time=True),
    }


class ReviewQueueAdmin(SecureModelView):
    """Ambiguous orders with their candidates: one click links or marks a guest."""

    can_create = can_edit = can_delete = False
    list_template = "admin/review_list.html"
    # Newest first by primary key: a run can queue hundreds of thousands of items, and
    # sorting them on an unindexed column for every page would be slow.
    column_default_sort = ("id", True)
    column_list = ("order", "reason", "candidates", "created_at", "resolution")
    column_labels = {
        "order": "Commande",
        "reason": "Motif",
        "candidates": "Candidats",
        "created_at": "Créé le",
        "resolution": "Décision",
    }
    column_filters = ("resolved_at", "resolution")
    column_formatters = {
        "order": lambda v, c, m, n: Markup("{}<br><small>{} · {}</small>").format(
            m.order.reference, m.order.client_name, m.order.phone or "—"
        ),
        "created_at": lambda v, c, m, n: format_date(m.created_at, with_time=True),
        "candidates": lambda v, c, m, n: v.render_candidates(m),
    }

    def get_query(self):
        """Show the open items only; resolved ones stay as the record of the decision."""
        return super().get_query().filter(ReviewItem.resolved_at.is_(None))

    def get_count_query(self):
        """Count the open items only."""
        return super().get_count_query().filter(ReviewItem.resolved_at.is_(None))

    def get_list(self, *args, **kwargs):
        """Load the page's items, then every candidate client of the page in one query."""
        count, items = super().get_list(*args, **kwargs)
        ids = {int(c["client_id"]) for item in items for c in item.candidates or []}
        g.review_candidates = (
            {c.id: c for c in db.session.scalars(select(Client).where(Client.id.in_(ids)))} if ids else {}
        )
        return count, items

    def render_candidates(self, item: ReviewItem) -> Markup:
        """Render one POST button per candidate, plus "guest", each with the CSRF token."""
        clients = getattr(g, "review_candidates", {})
        token = CsrfForm().csrf_token.current_token
        action = url_for(".resolve", item_id=item.id)
        parts = []
        for cand in item.candidates or []:
            client = clients.get(int(cand["client_id"]))
            if client is None:
                continue
            parts.append(
                Markup(
                    '<form method="post" action="{}" class="d-inline-block mr-1 mb-1">'
                    '<input type="hidden" name="csrf_token" value="{}">'
                    '<input type="hidden" name="client_id" value="{}">'
                    '<button class="btn btn-sm btn-outline-primary" type="submit">'
                    "Lier à {} ({}, {:.2f})</button></form>"
                ).format(
                    action,
                    token,
                    client.id,
                    client.full_name,
                    cand.get("method", "?"),
                    float(cand.get("score") or 0),
                )
            )
        parts.append(
            Markup(
                '<form method="post" action="{}" class="d-inline-block">'
                '<input type="hidden" name="csrf_token" value="{}">'
                '<input type="hidden" name="client_id" value="guest">'
                '<button class="btn btn-sm btn-outline-secondary" type="submit">Client invité</button></form>'
            ).format(action, token)
        )
        return Markup("").join(parts)

    @expose("/resolve/<int:item_id>", methods=["POST"])
    def resolve(self, item_id: int):
        """Apply an admin's decision on one review item (CSRF checked app-wide)."""
        raw = (request.form.get("client_id") or "").strip()
        client_id = parse_id(raw)
        if raw != "guest" and client_id is None:
            flash("Choix de client invalide.", "danger")
            return redirect(url_for(".index_view"))
        try:
            resolve_review(db.session, item_id, client_id, current_user.id)
            db.session.commit()
        except ReviewError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            flash("Décision enregistrée.", "success")
        return redirect(url_for(".index_view"))
