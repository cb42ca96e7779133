"""/api/v1/clients: the client list (the list page's search, filters and sort), one client,
create, partial update, activate / deactivate, and a client's orders."""

from __future__ import annotations

from dataclasses import replace

from flask import url_for
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import contains_eager

from ..clients.services import filtered_clients, parse_list_args, planned_search
from ..extensions import db
from ..models import Client, Order, User
from ..representations import client_resource, order_resource
from .auth import take_write_lock, token_required
from .blueprint import ApiBlueprint
from .idempotency import idempotent
from .pagination import SortKey, fetch_page, link_header, page_body
from .schemas import (
    ClientCreateSchema,
    ClientListQuery,
    ClientPageSchema,
    ClientSchema,
    ClientUpdateSchema,
    OrderPageSchema,
    PageQuery,
)

blp = ApiBlueprint("api_v1_clients", __name__, description="Clients, their accounts and their orders.")

# The keyset of each sort of the list page: its column (as services.SORTS has it), then the id.
_SORT_KEYS = {
    "created_at": (Client.created_at, "datetime", False),
    "name": (Client.sort_name, "str", False),
    "orders": (Client.orders_count, "int", False),
    "spent": (Client.total_spent, "decimal", False),
    "last_order": (Client.last_order_at, "datetime", True),
}
_ROW_ATTRIBUTES = {
    "created_at": "created_at",
    "name": "sort_name",
    "orders": "orders_count",
    "spent": "total_spent",
    "last_order": "last_order_at",
}


def client_sort_keys(sort: str) -> list[SortKey]:
    """Return the keyset of a client sort: its column, then the id in the same direction."""
    descending = sort.startswith("-")
    column, kind, nullable = _SORT_KEYS[sort.removeprefix("-")]
    return [SortKey(column, descending, kind, nullable), SortKey(Client.id, descending)]


def get_client_or_404(client_id: int, for_update: bool = False) -> Client:
    """Return a client or abort with a 404 problem."""
    stmt = select(Client).where(Client.id == client_id)
    if for_update:
        take_write_lock()
        # Lock the user row too, and read both afresh. With the user joined-loaded and only the
        # client row locked, PostgreSQL re-reads the client once the lock is granted but keeps
        # the user row of the statement's first snapshot: a PATCH that waited on another would
        # check If-Match against the name that other PATCH has just replaced, and pass.
        stmt = (
            stmt.join(Client.user)
            .options(contains_eager(Client.user))
            .with_for_update(of=[Client, User])
            .execution_options(populate_existing=True)
        )
    client = db.session.scalar(stmt)
    if client is None:
        abort(404, message=f"Client {client_id} not found.")
    return client


def _client_stmt(args: dict):
    """Return the filtered SELECT of the list, through the list page's own parser and filters."""
    # A list filter is declared in ClientListQuery and passed on here.
    raw = {
        key: str(args[key])
        for key in ("q", "status", "period", "segment", "sort")
        if args.get(key) is not None
    }
    parsed = parse_list_args(raw)
    if parsed.errors:  # the schema already checks the same values; kept as a safety net
        errors = [{"location": "query", "field": k, "message": v} for k, v in parsed.errors.items()]
        abort(400, message="Invalid query parameters: see `errors`.", errors=errors)
    params = parsed.params
    stmt = filtered_clients(replace(params, q=""), for_rows=True)
    if params.q and (planned := planned_search(db.session, params.q)) is not None:
        stmt = stmt.where(planned[0])
    return stmt, params.sort


@blp.route("/clients")
class Clients(MethodView):
    @token_required("clients:read")
    @blp.arguments(ClientListQuery, location="query", error_status_code=400)
    @blp.response(200, ClientPageSchema)
    def get(self, args):
        """List clients: search, filter and sort as the list page does; keyset pages."""
        stmt, sort = _client_stmt(args)
        keys = client_sort_keys(sort)
        attribute = _ROW_ATTRIBUTES[sort.removeprefix("-")]
        page = fetch_page(
            db.session,
            stmt,
            keys,
            sort,
            args["limit"],
            args.get("cursor"),
            lambda c: (getattr(c, attribute), c.id),
        )
        body = page_body(page, [client_resource(c) for c in page.items], args["limit"])
        return body, 200, link_header(body)

    @token_required("clients:write")
    @idempotent
    @blp.arguments(ClientCreateSchema)
    @blp.response(201, ClientSchema)
    def post(self, data):
        """Create a client and its account."""
        email = data["email"].strip().lower()
        if db.session.scalar(select(User.id).where(User.email == email)) is not None:
            abort(409, message=f"A user with the e-mail {email} already exists.")
        username = data.get("username") or email.split("@")[0]
        if db.session.scalar(select(User.id).where(User.username == username)) is not None:
            if data.get("username"):
                abort(409, message=f"The username {username} is taken.")
            username = email[:150]
        user = User(
            email=email, username=username, first_name=data["first_name"], last_name=data["last_name"]
        )
        client = Client(
            user=user,
            phone=data["phone"],
            address=data["address"],
            company_name=data["company_name"],
            is_active=data["is_active"],
        )
        db.session.add(client)
        _commit_or_conflict()
        return client_resource(client), 201, {"Location": url_for(".ClientItem", client_id=client.id)}


def _commit_or_conflict() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        abort(409, message="The e-mail or username is already used by another account.")
    except OperationalError as error:
        db.session.rollback()
        if "locked" not in str(error):
            raise
        # SQLite: another request wrote this database since ours read it (a stale snapshot).
        abort(409, message="A concurrent change was written first: read the client again and retry.")


@blp.route("/clients/<int(max=2147483647):client_id>")
class ClientItem(MethodView):
    @token_required("clients:read")
    @blp.etag
    @blp.response(200, ClientSchema)
    def get(self, client_id):
        """Read one client (its ETag goes in If-Match to update it)."""
        return client_resource(get_client_or_404(client_id))

    @token_required("clients:write")
    @blp.etag
    @blp.arguments(ClientUpdateSchema)
    @blp.response(200, ClientSchema)
    def patch(self, data, client_id):
        """Change some fields of a client; If-Match must carry the ETag last read."""
        client = get_client_or_404(client_id, for_update=True)
        blp.check_etag(client_resource(client), ClientSchema)
        user = client.user
        if "email" in data:
            email = data["email"].strip().lower()
            taken = db.session.scalar(select(User.id).where(User.email == email, User.id != user.id))
            if taken is not None:
                abort(409, message=f"A user with the e-mail {email} already exists.")
            user.email = email
        for field in ("username", "first_name", "last_name"):
            if field in data:
                setattr(user, field, data[field])
        for field in ("phone", "address", "company_name"):
            if field in data:
                setattr(client, field, data[field] if field != "address" else (data[field] or ""))
        _commit_or_conflict()
        return client_resource(client)


def _set_active(client_id: int, active: bool):
    client = get_client_or_404(client_id, for_update=True)
    if client.is_active != active:
        client.is_active = active
        db.session.commit()
    return client_resource(client)


@blp.route("/clients/<int(max=2147483647):client_id>/activate")
class ClientActivate(MethodView):
    @token_required("clients:write")
    @idempotent
    @blp.response(200, ClientSchema)
    def post(self, client_id):
        """Activate a client (no change if it is active already)."""
        return _set_active(client_id, True)


@blp.route("/clients/<int(max=2147483647):client_id>/deactivate")
class ClientDeactivate(MethodView):
    @token_required("clients:write")
    @idempotent
    @blp.response(200, ClientSchema)
    def post(self, client_id):
        """Deactivate a client (no change if it is inactive already)."""
        return _set_active(client_id, False)


ORDER_KEYS = [SortKey(Order.created_at, True, "datetime"), SortKey(Order.id, True)]


@blp.route("/clients/<int(max=2147483647):client_id>/orders")
class ClientOrders(MethodView):
    @token_required("orders:read")
    @blp.arguments(PageQuery, location="query", error_status_code=400)
    @blp.response(200, OrderPageSchema)
    def get(self, args, client_id):
        """List a client's orders, newest first (keyset pages)."""
        get_client_or_404(client_id)
        stmt = select(Order).where(Order.client_id == client_id)
        page = fetch_page(
            db.session,
            stmt,
            ORDER_KEYS,
            "-created_at",
            args["limit"],
            args.get("cursor"),
            lambda o: (o.created_at, o.id),
        )
        body = page_body(page, [order_resource(o) for o in page.items], args["limit"])
        return body, 200, link_header(body)
