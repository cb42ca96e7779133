"""Marshmallow schemas of the API: what each route accepts, and the shapes it answers with.

The resource schemas dump the dicts of yoozak/representations.py unchanged (tested), so the
API and the webhooks show a client or an order the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import marshmallow as ma
from marshmallow import fields, validate

from ..clients.search import MAX_QUERY_LENGTH
from ..clients.services import PERIODS, SEGMENT_FILTERS, SORTS, STATUSES
from ..models import LinkMethod, OrderStatus
from ..models.segments import SEGMENTS
from .pagination import DEFAULT_LIMIT, MAX_LIMIT

ORDER_STATUSES = [s.value for s in OrderStatus]
LINK_METHODS = [m.value for m in LinkMethod]
CLIENT_SORTS = [key for name in SORTS for key in (name, f"-{name}")]
ORDER_SORTS = ["-created_at", "created_at"]
REVIEW_STATES = ["open", "resolved", "all"]
DATE_TIME = {"format": "date-time"}


def to_naive_utc(value: datetime | None) -> datetime | None:
    """Return a datetime as the naive UTC the database stores (naive input is taken as UTC)."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _plausible_date(value: datetime) -> None:
    """Refuse dates outside 1900-2999 (and offsets that would overflow when made UTC)."""
    try:
        utc = to_naive_utc(value)
    except OverflowError as error:
        raise ma.ValidationError("Date out of range.") from error
    if not 1900 <= utc.year <= 2999:
        raise ma.ValidationError("Date out of range (years 1900 to 2999).")


class UtcDateTime(fields.DateTime):
    """A stored (naive UTC) datetime, written as representations.py writes them: 2026-01-31T09:30:00Z."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None or isinstance(value, str):
            return value
        return to_naive_utc(value).isoformat(timespec="seconds") + "Z"


# ----------------------------------------------------------------------------- resources


class ClientSchema(ma.Schema):
    """A client, as yoozak.representations.client_resource shapes it."""

    id = fields.Integer(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    email = fields.String(required=True)
    username = fields.String(required=True)
    phone = fields.String(allow_none=True, required=True)
    address = fields.String(required=True)
    company_name = fields.String(allow_none=True, required=True)
    is_active = fields.Boolean(required=True)
    created_at = fields.String(metadata=DATE_TIME, required=True)
    updated_at = fields.String(metadata=DATE_TIME, allow_none=True, required=True)
    orders_count = fields.Integer(required=True)
    confirmed_count = fields.Integer(required=True)
    pending_count = fields.Integer(required=True)
    cancelled_count = fields.Integer(required=True)
    total_spent = fields.String(required=True, metadata={"description": "Confirmed orders, MAD, 2 decimals."})
    average_basket = fields.String(required=True)
    last_order_at = fields.String(metadata=DATE_TIME, allow_none=True, required=True)
    segment = fields.String(required=True, metadata={"enum": list(SEGMENTS)})


class OrderSchema(ma.Schema):
    """An order, as yoozak.representations.order_resource shapes it."""

    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    client_name = fields.String(required=True)
    email = fields.String(allow_none=True, required=True)
    phone = fields.String(allow_none=True, required=True)
    address = fields.String(required=True)
    city = fields.String(required=True)
    price = fields.String(required=True, metadata={"description": "MAD, 2 decimals."})
    status = fields.String(required=True, metadata={"enum": ORDER_STATUSES})
    created_at = fields.String(metadata=DATE_TIME, required=True)
    client_id = fields.Integer(allow_none=True, required=True)
    link_method = fields.String(allow_none=True, required=True, metadata={"enum": [*LINK_METHODS, None]})
    link_score = fields.Float(allow_none=True, required=True)
    linked_at = fields.String(metadata=DATE_TIME, allow_none=True, required=True)


class LinkRunSchema(ma.Schema):
    """One run of the linker and what it decided."""

    id = fields.Integer(required=True)
    started_at = UtcDateTime(required=True)
    finished_at = UtcDateTime(allow_none=True, required=True)
    status = fields.String(required=True)
    dry_run = fields.Boolean(required=True)
    force = fields.Boolean(required=True)
    threshold = fields.Float(required=True)
    examined = fields.Integer(required=True)
    linked_email = fields.Integer(required=True)
    linked_phone = fields.Integer(required=True)
    linked_name = fields.Integer(required=True)
    ambiguous = fields.Integer(required=True)
    unmatched = fields.Integer(required=True)
    unlinked = fields.Integer(required=True)
    changed = fields.Integer(required=True)


class CandidateSchema(ma.Schema):
    """A client the linker proposes for an ambiguous order."""

    client_id = fields.Integer(required=True)
    method = fields.String(allow_none=True)
    score = fields.Float(allow_none=True)


class ReviewItemSchema(ma.Schema):
    """An order waiting for an admin's decision, with its candidate clients."""

    id = fields.Integer(required=True)
    order = fields.Nested(OrderSchema, required=True)
    run_id = fields.Integer(allow_none=True, required=True)
    reason = fields.String(required=True)
    candidates = fields.List(fields.Nested(CandidateSchema), required=True)
    created_at = UtcDateTime(required=True)
    resolved_at = UtcDateTime(allow_none=True, required=True)
    resolution = fields.String(allow_none=True, required=True, metadata={"enum": ["linked", "guest", None]})


class StatsSchema(ma.Schema):
    """The live figures of the client list's header."""

    total_clients = fields.Integer(required=True)
    active_clients = fields.Integer(required=True)
    inactive_clients = fields.Integer(required=True)
    new_today = fields.Integer(required=True)
    new_7_days = fields.Integer(required=True)
    new_30_days = fields.Integer(required=True)
    total_orders = fields.Integer(required=True)
    linked_orders = fields.Integer(required=True)
    unlinked_orders = fields.Integer(required=True)
    segments = fields.Dict(
        keys=fields.String(validate=validate.OneOf(list(SEGMENTS))),
        values=fields.Integer(),
        required=True,
        metadata={"description": "Number of clients per segment code, zeros included."},
    )


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """Return the schema of one page of `item`s: items, limit and the next page's link."""
    return type(
        name,
        (ma.Schema,),
        {
            "items": fields.List(fields.Nested(item), required=True),
            "limit": fields.Integer(required=True),
            "next": fields.String(
                allow_none=True,
                required=True,
                metadata={"description": "URL of the next page, null on the last."},
            ),
            "next_cursor": fields.String(allow_none=True, required=True),
            "__doc__": f"One page of {item.__name__.removesuffix('Schema').lower()}s (keyset pagination).",
        },
    )


ClientPageSchema = page_schema(ClientSchema, "ClientPageSchema")
OrderPageSchema = page_schema(OrderSchema, "OrderPageSchema")
LinkRunPageSchema = page_schema(LinkRunSchema, "LinkRunPageSchema")
ReviewItemPageSchema = page_schema(ReviewItemSchema, "ReviewItemPageSchema")


# ----------------------------------------------------------------------------- queries


class PageQuery(ma.Schema):
    """Keyset pagination: `limit` rows after `cursor` (the `next_cursor` of the page before)."""

    limit = fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(1, MAX_LIMIT),
        metadata={"description": f"Rows per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})."},
    )
    cursor = fields.String(
        validate=validate.Length(1, 2000),
        metadata={"description": "Opaque: copy it from `next_cursor` (or follow `next`)."},
    )


class ClientListQuery(PageQuery):
    """The client list page's search, filters and sort (see yoozak.clients.services)."""

    q = fields.String(
        validate=validate.Length(max=MAX_QUERY_LENGTH),
        metadata={"description": "Words searched in name, e-mail, phone, address and company."},
    )
    status = fields.String(load_default="all", validate=validate.OneOf(STATUSES))
    period = fields.String(
        load_default="all",
        validate=validate.OneOf(PERIODS),
        metadata={"description": "Clients created today, in the last 7 or 30 days."},
    )
    sort = fields.String(
        load_default="-created_at",
        validate=validate.OneOf(CLIENT_SORTS),
        metadata={"description": "A key, descending with a leading `-`."},
    )
    segment = fields.String(
        load_default="all",
        validate=validate.OneOf(SEGMENT_FILTERS),
        metadata={"description": "One segment's clients (see the README's segment rules)."},
    )


class OrderListQuery(PageQuery):
    """Filters of the order list."""

    status = fields.String(validate=validate.OneOf(ORDER_STATUSES))
    linked = fields.Boolean(metadata={"description": "true: linked to a client; false: not linked."})
    link_method = fields.String(validate=validate.OneOf(LINK_METHODS))
    created_from = fields.AwareDateTime(
        default_timezone=UTC,
        validate=_plausible_date,
        metadata={"description": "Created at or after (ISO 8601)."},
    )
    created_to = fields.AwareDateTime(
        default_timezone=UTC, validate=_plausible_date, metadata={"description": "Created before (ISO 8601)."}
    )
    sort = fields.String(load_default="-created_at", validate=validate.OneOf(ORDER_SORTS))

    @ma.validates_schema
    def _check_range(self, data, **_kwargs):
        start, end = data.get("created_from"), data.get("created_to")
        if start is not None and end is not None and start > end:
            raise ma.ValidationError("created_from must not be after created_to.", "created_from")


class ReviewListQuery(PageQuery):
    """Which review items to list: the open ones by default."""

    state = fields.String(load_default="open", validate=validate.OneOf(REVIEW_STATES))


# ----------------------------------------------------------------------------- bodies

_NAME = validate.Length(max=150)


class ClientCreateSchema(ma.Schema):
    """A new client and its account."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    username = fields.String(
        validate=validate.Length(1, 150), metadata={"description": "Default: from e-mail."}
    )
    first_name = fields.String(load_default="", validate=_NAME)
    last_name = fields.String(load_default="", validate=_NAME)
    phone = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=64))
    address = fields.String(load_default="", validate=validate.Length(max=255))
    company_name = fields.String(allow_none=True, load_default=None, validate=_NAME)
    is_active = fields.Boolean(load_default=True)


class ClientUpdateSchema(ma.Schema):
    """The fields of a client a PATCH may change; absent ones stay as they are."""

    email = fields.Email(validate=validate.Length(max=254))
    username = fields.String(validate=validate.Length(1, 150))
    first_name = fields.String(validate=_NAME)
    last_name = fields.String(validate=_NAME)
    phone = fields.String(allow_none=True, validate=validate.Length(max=64))
    address = fields.String(validate=validate.Length(max=255))
    company_name = fields.String(allow_none=True, validate=_NAME)


def _price_range(value: Decimal) -> None:
    # A plain function: apispec would publish Range's Decimal bounds as strings.
    if not Decimal("0") <= value <= Decimal("99999999.99"):
        raise ma.ValidationError("Must be between 0 and 99999999.99.")


class OrderCreateSchema(ma.Schema):
    """A new order; it is linked to a client on arrival by the linker's rules."""

    reference = fields.String(required=True, validate=validate.Length(1, 64))
    price = fields.Decimal(
        required=True,
        places=2,
        validate=_price_range,
        metadata={
            "description": "MAD; a number or a decimal string.",
            "minimum": 0,
            "maximum": 99_999_999.99,
        },
    )
    client_name = fields.String(load_default="", validate=validate.Length(max=255))
    email = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=254))
    phone = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=64))
    address = fields.String(load_default="", validate=validate.Length(max=255))
    city = fields.String(load_default="", validate=validate.Length(max=100))
    status = fields.String(load_default=OrderStatus.PENDING.value, validate=validate.OneOf(ORDER_STATUSES))
    created_at = fields.AwareDateTime(
        default_timezone=UTC, validate=_plausible_date, metadata={"description": "Default: now."}
    )


class OrderStatusSchema(ma.Schema):
    """A new status for an order."""

    status = fields.String(required=True, validate=validate.OneOf(ORDER_STATUSES))


class ReviewResolveSchema(ma.Schema):
    """A decision on a review item: one of its candidates, or null for a guest order."""

    client_id = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "A candidate's id, or null: a guest's order."},
    )


class ProblemFieldSchema(ma.Schema):
    """One invalid field of a request."""

    location = fields.String(metadata={"enum": ["query", "body", "path", "headers"]})
    field = fields.String()
    message = fields.String()


class ProblemSchema(ma.Schema):
    """An error, as RFC 9457 (application/problem+json) describes it."""

    type = fields.String(
        required=True, metadata={"description": "A URI naming the problem; about:blank here."}
    )
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.List(fields.Nested(ProblemFieldSchema), required=True)
