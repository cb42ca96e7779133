"""The "Doublons" page: groups of probable duplicates and a merge form for each."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ..extensions import db
from ..models import Client
from . import bp
from .duplicates import MergeError, find_duplicate_groups, merge_clients
from .orders import parse_page
from .paging import Page, last_page

GROUPS_PER_PAGE = 20


def _page_of_groups(page_number: int) -> Page:
    groups = find_duplicate_groups(db.session)
    page_number = min(page_number, last_page(len(groups), GROUPS_PER_PAGE))
    start = (page_number - 1) * GROUPS_PER_PAGE
    return Page(groups[start : start + GROUPS_PER_PAGE], len(groups), page_number, GROUPS_PER_PAGE)


def _render(page_number: int, error: str | None = None, status: int = 200):
    page = _page_of_groups(page_number)
    ids = {cid for group in page.items for cid in group.client_ids}
    clients = {c.id: c for c in db.session.scalars(select(Client).where(Client.id.in_(ids)))} if ids else {}
    return render_template("clients/duplicates.html", page=page, clients=clients, error=error), status


@bp.get("/duplicates/")
def duplicates():
    """List the groups of probable duplicate clients, strongest evidence first."""
    return _render(parse_page(request.args.get("page")) or 1)


def _ids(values: list[str]) -> list[int] | None:
    if not values or not all(v.strip().isascii() and v.strip().isdigit() for v in values):
        return None
    return [int(v) for v in values]


@bp.post("/duplicates/merge/")
def merge_duplicates():
    """Merge one group into the client the admin chose (CSRF checked app-wide)."""
    page_number = parse_page(request.form.get("page")) or 1
    ids = _ids(request.form.getlist("client_ids"))
    survivor = _ids([request.form.get("survivor", "")])
    if ids is None or survivor is None:
        return _render(page_number, "Choisissez la fiche à conserver parmi celles du groupe.", 400)
    if request.form.get("confirm") != "yes":
        return _render(page_number, "Cochez la case de confirmation pour fusionner.", 400)
    try:
        result = merge_clients(db.session, ids, survivor[0])
        db.session.commit()
    except MergeError as error:
        db.session.rollback()
        return _render(page_number, str(error), error.status)
    absorbed = ", ".join(f"#{i}" for i in result.absorbed_ids)
    flash(
        f"Fiches {absorbed} fusionnées dans celle-ci : {result.orders_moved} commande(s) reprise(s), "
        f"{len(result.filled)} champ(s) complété(s).",
        "success",
    )
    return redirect(url_for("clients.client_detail", client_id=result.survivor_id))
