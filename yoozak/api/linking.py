"""/api/v1/link-runs and /api/v1/review-items: the linker's runs and its review queue."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import select

from ..extensions import db
from ..linking.review import ReviewError, resolve_review
from ..models import LinkRun, ReviewItem
from ..representations import order_resource
from .auth import current_token, take_write_lock, token_required
from .blueprint import ApiBlueprint
from .idempotency import idempotent
from .pagination import SortKey, fetch_page, link_header, page_body
from .schemas import (
    LinkRunPageSchema,
    LinkRunSchema,
    PageQuery,
    ReviewItemPageSchema,
    ReviewItemSchema,
    ReviewListQuery,
    ReviewResolveSchema,
)

blp = ApiBlueprint("api_v1_linking", __name__, description="The linker's runs and its review queue.")

RUN_KEYS = [SortKey(LinkRun.id, True)]
REVIEW_KEYS = [SortKey(ReviewItem.id, True)]


def review_resource(item: ReviewItem) -> dict:
    """Return a review item with its order as the API shows orders."""
    return {
        "id": item.id,
        "order": order_resource(item.order),
        "run_id": item.run_id,
        "reason": item.reason,
        "candidates": [
            {"client_id": int(c["client_id"]), "method": c.get("method"), "score": c.get("score")}
            for c in item.candidates or []
        ],
        "created_at": item.created_at,
        "resolved_at": item.resolved_at,
        "resolution": item.resolution,
    }


@blp.route("/link-runs")
class LinkRuns(MethodView):
    @token_required("links:read")
    @blp.arguments(PageQuery, location="query", error_status_code=400)
    @blp.response(200, LinkRunPageSchema)
    def get(self, args):
        """List the linker's runs, newest first (keyset pages)."""
        page = fetch_page(
            db.session, select(LinkRun), RUN_KEYS, "-id", args["limit"], args.get("cursor"), lambda r: (r.id,)
        )
        body = page_body(page, page.items, args["limit"])
        return body, 200, link_header(body)


@blp.route("/link-runs/<int(max=2147483647):run_id>")
class LinkRunItem(MethodView):
    @token_required("links:read")
    @blp.response(200, LinkRunSchema)
    def get(self, run_id):
        """Read one run of the linker."""
        run = db.session.get(LinkRun, run_id)
        if run is None:
            abort(404, message=f"Link run {run_id} not found.")
        return run


@blp.route("/review-items")
class ReviewItems(MethodView):
    @token_required("links:read")
    @blp.arguments(ReviewListQuery, location="query", error_status_code=400)
    @blp.response(200, ReviewItemPageSchema)
    def get(self, args):
        """List the review queue: open items by default, newest first (keyset pages)."""
        stmt = select(ReviewItem)
        if args["state"] == "open":
            stmt = stmt.where(ReviewItem.resolved_at.is_(None))
        elif args["state"] == "resolved":
            stmt = stmt.where(ReviewItem.resolved_at.is_not(None))
        page = fetch_page(
            db.session, stmt, REVIEW_KEYS, "-id", args["limit"], args.get("cursor"), lambda i: (i.id,)
        )
        body = page_body(page, [review_resource(i) for i in page.items], args["limit"])
        return body, 200, link_header(body)


def _get_item_or_404(item_id: int) -> ReviewItem:
    item = db.session.get(ReviewItem, item_id)
    if item is None:
        abort(404, message=f"Review item {item_id} not found.")
    return item


@blp.route("/review-items/<int(max=2147483647):item_id>")
class ReviewItemResource(MethodView):
    @token_required("links:read")
    @blp.response(200, ReviewItemSchema)
    def get(self, item_id):
        """Read one review item."""
        return review_resource(_get_item_or_404(item_id))


@blp.route("/review-items/<int(max=2147483647):item_id>/resolve")
class ReviewItemResolve(MethodView):
    @token_required("links:write")
    @idempotent
    @blp.arguments(ReviewResolveSchema)
    @blp.response(200, ReviewItemSchema)
    def post(self, data, item_id):
        """Link the item's order to one of its candidates, or mark it a guest's (client_id null)."""
        take_write_lock()  # two decisions on one item: the second sees the first and gets a 409
        item = _get_item_or_404(item_id)
        if item.resolved_at is not None:
            abort(409, message="This review item has been resolved already.")
        try:
            item = resolve_review(db.session, item_id, data["client_id"], current_token().user_id)
        except ReviewError as error:
            db.session.rollback()
            abort(
                422,
                message=str(error),
                errors=[{"location": "body", "field": "client_id", "message": str(error)}],
            )
        db.session.commit()
        return review_resource(item)
