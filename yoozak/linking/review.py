"""The review queue: orders the linker would not decide alone, resolved by an admin."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import Client, LinkMethod, Order, ReviewItem
from ..timeutil import utcnow


class ReviewError(ValueError):
    """A review decision that cannot be applied; the message is for the admin."""


def resolve_review(session: Session, item_id: int, client_id: int | None, admin_id: int | None) -> ReviewItem:
    """Link the order of a review item to one of its candidates, or mark it a guest order."""
    item = session.get(ReviewItem, item_id, with_for_update=True)
    if item is None:
        raise ReviewError("Cet élément de la file de revue n'existe plus.")
    if item.resolved_at is not None:
        raise ReviewError("Cet élément a déjà été traité.")
    order: Order = item.order
    if client_id is None:
        order.client_id = None
        order.link_method = LinkMethod.GUEST.value
        order.link_score = None
        item.resolution = "guest"
    else:
        scores = {int(c["client_id"]): c.get("score") for c in item.candidates or []}
        if client_id not in scores:
            raise ReviewError("Ce client ne fait pas partie des candidats proposés.")
        client = session.get(Client, client_id)
        if client is None:
            raise ReviewError("Ce client n'existe plus.")
        if client.merged_into_id is not None:
            raise ReviewError(
                f"Ce client a été fusionné dans la fiche #{client.merged_into_id} : liez-la à celle-ci."
            )
        order.client_id = client_id
        order.link_method = LinkMethod.MANUAL.value
        order.link_score = scores[client_id]
        item.resolution = "linked"
    order.linked_at = utcnow()
    item.resolved_at = utcnow()
    item.resolved_by_id = admin_id
    return item
