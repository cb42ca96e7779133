"""/api/v1/orders: list with filters, read, create (linked on arrival), status update."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Order
from ..representations import order_resource
from ..timeutil import utcnow
from .arrival import link_on_arrival
from .auth import take_write_lock, token_required
from .blueprint import ApiBlueprint
from .idempotency import idempotent
from .pagination import SortKey, fetch_page, link_header, page_body
from .schemas import (
    OrderCreateSchema,
    OrderListQuery,
    OrderPageSchema,
    OrderSchema,
    OrderStatusSchema,
    to_naive_utc,
)

blp = ApiBlueprint("api_v1_orders", __name__, description="Orders, linked to their clients on arrival.")


def order_sort_keys(sort: str) -> list[SortKey]:
    """Return the keyset of an order sort: created_at, then the id, in one direction."""
    descending = sort.startswith("-")
    return [SortKey(Order.created_at, descending, "datetime"), SortKey(Order.id, descending)]


def filtered_orders(args: dict):
    """Return the SELECT of the orders the list's documented filters keep."""
    stmt = select(Order)
    if status := args.get("status"):
        stmt = stmt.where(Order.status == status)
    if (linked := args.get("linked")) is not None:
        stmt = stmt.where(Order.client_id.is_not(None) if linked else Order.client_id.is_(None))
    if method := args.get("link_method"):
        stmt = stmt.where(Order.link_method == method)
    if (start := args.get("created_from")) is not None:
        stmt = stmt.where(Order.created_at >= to_naive_utc(start))
    if (end := args.get("created_to")) is not None:
        stmt = stmt.where(Order.created_at < to_naive_utc(end))
    return stmt


def get_order_or_404(order_id: int, for_update: bool = False) -> Order:
    """Return an order or abort with a 404 problem."""
    stmt = select(Order).where(Order.id == order_id)
    if for_update:
        take_write_lock()
        stmt = stmt.with_for_update()
    order = db.session.scalar(stmt)
    if order is None:
        abort(404, message=f"Order {order_id} not found.")
    return order


@blp.route("/orders")
class Orders(MethodView):
    @token_required("orders:read")
    @blp.arguments(OrderListQuery, location="query", error_status_code=400)
    @blp.response(200, OrderPageSchema)
    def get(self, args):
        """List orders, newest first by default, with filters; keyset pages."""
        sort = args["sort"]
        page = fetch_page(
            db.session,
            filtered_orders(args),
            order_sort_keys(sort),
            sort,
            args["limit"],
            args.get("cursor"),
            lambda o: (o.created_at, o.id),
        )
        body = page_body(page, [order_resource(o) for o in page.items], args["limit"])
        return body, 200, link_header(body)

    @token_required("orders:write")
    @idempotent
    @blp.arguments(OrderCreateSchema)
    @blp.response(201, OrderSchema)
    def post(self, data):
        """Create an order; it is linked to its client on arrival when the linker's rules allow."""
        reference = data["reference"].strip()
        if not reference:
            abort(
                422,
                message="reference must not be blank.",
                errors=[{"location": "body", "field": "reference", "message": "Blank."}],
            )
        if db.session.scalar(select(Order.id).where(Order.reference == reference)) is not None:
            abort(409, message=f"An order with the reference {reference} already exists.")
        order = Order(
            reference=reference,
            client_name=data["client_name"],
            email=data["email"] or None,
            phone=data["phone"] or None,
            address=data["address"],
            city=data["city"],
            price=data["price"],
            status=data["status"],
            created_at=to_naive_utc(data.get("created_at")) or utcnow(),
        )
        db.session.add(order)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            abort(409, message=f"An order with the reference {reference} already exists.")
        order_id = order.id
        link_on_arrival(order_id)
        db.session.expire_all()
        order = get_order_or_404(order_id)
        return order_resource(order), 201, {"Location": url_for(".OrderItem", order_id=order_id)}


@blp.route("/orders/<int(max=2147483647):order_id>")
class OrderItem(MethodView):
    @token_required("orders:read")
    @blp.etag
    @blp.response(200, OrderSchema)
    def get(self, order_id):
        """Read one order (its ETag goes in If-Match to change its status)."""
        return order_resource(get_order_or_404(order_id))

    @token_required("orders:write")
    @blp.etag
    @blp.arguments(OrderStatusSchema)
    @blp.response(200, OrderSchema)
    def patch(self, data, order_id):
        """Change an order's status; If-Match must carry the ETag last read."""
        order = get_order_or_404(order_id, for_update=True)
        blp.check_etag(order_resource(order), OrderSchema)
        order.status = data["status"]
        db.session.commit()
        return order_resource(order)
