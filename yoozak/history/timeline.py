"""Reading a client's history: pages of entries, newest first, and their wording in French.

A client's timeline holds its own entries and those of the clients merged into it: a merge
moves the history by showing it on the survivor, without rewriting a row that was written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..clients.paging import Page, last_page
from ..formatting import iso_utc
from ..models import Client, ClientEvent
from .context import SYSTEM_ACTOR

ACTION_LABELS = {
    "created": "Fiche créée",
    "updated": "Fiche modifiée",
    "status_changed": "Statut modifié",
    "orders_linked": "Commandes liées",
    "orders_unlinked": "Commandes déliées",
    "merged": "Doublons fusionnés",
    "merged_into": "Fusionnée dans une autre fiche",
    "exported": "Exporté",
    "anonymised": "Données personnelles effacées",
    "data_exported": "Données personnelles exportées",
}
SOURCE_LABELS = {
    "page": "depuis les pages clients",
    "admin": "depuis l'administration",
    "api": "par l'API",
    "cli": "en ligne de commande",
    "import": "par un import",
    "link_run": "par la liaison automatique",
    "worker": "par une tâche de fond",
}
FIELD_LABELS = {
    "first_name": "Prénom",
    "last_name": "Nom",
    "email": "E-mail",
    "username": "Identifiant",
    "phone": "Téléphone",
    "address": "Adresse",
    "company_name": "Société",
    "is_active": "Statut",
    "account_active": "Compte",
}
METHOD_WORDS = {
    "email": "e-mail",
    "phone": "téléphone",
    "name": "nom",
    "manual": "manuelle",
    "guest": "invité",
}
MAX_MERGE_DEPTH = 10


def _value(field: str, value: Any) -> str:
    if field == "is_active":
        return "actif" if value else "inactif"
    if field == "account_active":
        return "ouvert" if value else "fermé"
    if value is None or value == "":
        return "—"
    return str(value)


def _field_lines(changes: dict[str, Any], created: bool = False) -> list[str]:
    lines = []
    for field, pair in changes.items():
        if field not in FIELD_LABELS or not isinstance(pair, list) or len(pair) != 2:
            continue
        label = FIELD_LABELS[field]
        if created:
            lines.append(f"{label} : {_value(field, pair[1])}")
        else:
            lines.append(f"{label} : {_value(field, pair[0])} → {_value(field, pair[1])}")
    return lines


def _orders(count: int, verb: str) -> str:
    plural = "s" if count != 1 else ""
    return f"{count} commande{plural} {verb}{plural}"


def _methods(methods: dict[str, int]) -> str:
    used = {m: n for m, n in (methods or {}).items() if n}
    if not used:
        return ""
    if len(used) == 1:
        return f" ({METHOD_WORDS.get(next(iter(used)), next(iter(used)))})"
    parts = [f"{n} par {METHOD_WORDS.get(m, m)}" for m, n in sorted(used.items(), key=lambda kv: -kv[1])]
    return f" ({', '.join(parts)})"


def describe(event: ClientEvent) -> list[str]:
    """Return the lines that tell an entry in French, e.g. "Statut : actif → inactif"."""
    changes = event.changes or {}
    action = event.action
    if action in ("updated", "status_changed"):
        return _field_lines(changes)
    if action == "created":
        return _field_lines(changes, created=True)
    if action == "orders_linked":
        return [_orders(int(changes.get("count", 0)), "liée") + _methods(changes.get("methods", {}))]
    if action == "orders_unlinked":
        return [_orders(int(changes.get("count", 0)), "déliée")]
    if action == "merged":
        absorbed = ", ".join(f"#{i}" for i in changes.get("absorbed", []))
        lines = [
            f"Fiches {absorbed} fusionnées dans celle-ci",
            _orders(int(changes.get("orders_moved", 0)), "reprise"),
        ]
        return lines + _field_lines(changes.get("filled", {}))
    if action == "merged_into":
        return [f"Fusionnée dans la fiche #{changes.get('survivor')} ; fiche désactivée"]
    if action in ("exported", "data_exported") and "rows" in changes:
        return [f"{changes['rows']} ligne(s)"]
    return []


def actor_label(event: ClientEvent) -> str:
    """Return who acted, in words."""
    return "Système" if event.actor == SYSTEM_ACTOR else event.actor


def timeline_client_ids(session: Session, client_id: int) -> list[int]:
    """Return the client and every client merged into it (directly or through another)."""
    ids, frontier = {client_id}, {client_id}
    for _ in range(MAX_MERGE_DEPTH):
        found = set(session.scalars(select(Client.id).where(Client.merged_into_id.in_(frontier)))) - ids
        if not found:
            break
        ids |= found
        frontier = found
    return sorted(ids)


def client_history(session: Session, client_id: int, page: int, per_page: int) -> Page[ClientEvent]:
    """Return one page of a client's timeline, newest first (a page past the end gives the last)."""
    ids = timeline_client_ids(session, client_id)
    where = ClientEvent.client_id.in_(ids)
    total = session.scalar(select(func.count()).select_from(ClientEvent).where(where)) or 0
    page = min(page, last_page(total, per_page))
    rows = session.scalars(
        select(ClientEvent)
        .where(where)
        .order_by(ClientEvent.at.desc(), ClientEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(rows), total, page, per_page)


def event_json(event: ClientEvent) -> dict[str, Any]:
    """Return one entry as the JSON API gives it."""
    return {
        "id": event.id,
        "client_id": event.client_id,
        "at": iso_utc(event.at),
        "actor": event.actor,
        "source": event.source,
        "action": event.action,
        "changes": event.changes or {},
        "summary": describe(event),
    }
