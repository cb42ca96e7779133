"""CSV importers for clients and orders: rows checked and inserted chunk by chunk, one transaction.

The file is streamed: each row is checked as it is read, and the good ones are inserted
CHUNK_ROWS at a time in the caller's transaction, so memory holds one chunk and one key
per row (to spot a reference or e-mail repeated further down), never the whole file.
Bad rows are reported with their line number and skipped; good rows go in together or
not at all: the caller commits at the end, and any failure (a malformed line further
down, a database error) rolls every chunk back. The keys (client e-mail, order
reference) make a second import of the same file a no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..history import record_events
from ..models import Client, Order, User
from ..models.events import client_derived_fields, order_keys
from ..timeutil import utcnow
from .csvfile import RowError, read_rows
from .parsing import ValueProblem, check_length, parse_bool, parse_datetime, parse_price, parse_status

CLIENT_REQUIRED = ("email",)
ORDER_REQUIRED = ("reference", "price")
LOOKUP_CHUNK = 5000
CHUNK_ROWS = 5000  # good rows per INSERT (executemany)
KEPT_ERRORS = 1000  # rejected rows kept with their reason; the rest are only counted


@dataclass
class ImportReport:
    """What an import did: rows created, rows already present, rows refused."""

    created: int = 0
    existing: int = 0
    errors: list[RowError] = field(default_factory=list)
    rejected: int = 0
    new_ids: list[int] = field(default_factory=list)

    def reject(self, line: int, reason: str) -> None:
        """Count a refused row; keep its reason among the first KEPT_ERRORS."""
        self.rejected += 1
        if len(self.errors) < KEPT_ERRORS:
            self.errors.append(RowError(line, reason))

    def summary(self, noun: str) -> str:
        """Return a one-line account of the import."""
        return (
            f"{self.created} {noun} imported, {self.existing} already present, "
            f"{self.rejected} row(s) rejected"
        )


def _existing(session: Session, column, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), LOOKUP_CHUNK):
        found.update(session.scalars(select(column).where(column.in_(keys[start : start + LOOKUP_CHUNK]))))
    return found


def _client_row(row: dict[str, str]) -> dict[str, object]:
    try:
        email = validate_email(row.get("email", ""), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ValueProblem(f"email: {row.get('email', '')!r} is not valid ({error})") from error
    return {
        "email": check_length("email", email, 254),
        "username": check_length("username", row.get("username") or email.split("@")[0], 150),
        "first_name": check_length("first_name", row.get("first_name", ""), 150),
        "last_name": check_length("last_name", row.get("last_name", ""), 150),
        "phone": check_length("phone", row.get("phone", ""), 64),
        "address": check_length("address", row.get("address", ""), 255),
        "company_name": check_length("company_name", row.get("company_name", ""), 150) or None,
        "is_active": parse_bool(row.get("is_active", "")),
        "created_at": parse_datetime(row.get("created_at", "")) or utcnow(),
    }


def _checked(
    rows: Iterable[tuple[int, dict[str, str]]], parse, key: str, report: ImportReport
) -> Iterator[dict]:
    """Yield each good row's values once; report bad rows and repeats of a key seen above."""
    first_line: dict[str, int] = {}
    for line, row in rows:
        try:
            values = parse(row)
        except ValueProblem as error:
            report.reject(line, str(error))
            continue
        seen = first_line.get(values[key])
        if seen is not None:
            report.reject(line, f"{key} {values[key]!r} already on line {seen}")
            continue
        first_line[values[key]] = line
        yield values


def _chunks(values: Iterable[dict], size: int) -> Iterator[list[dict]]:
    rows = iter(values)
    while chunk := list(islice(rows, size)):
        yield chunk


def _insert(session: Session, model, rows: list[dict], key: str) -> list[int]:
    """Insert one chunk in one executemany; return the new ids in the rows' order.

    The ids come back with each row's unique `key` and are put in order here: asking
    SQLAlchemy for `sort_by_parameter_order` makes it send one INSERT per row on SQLite.
    """
    table = model.__table__
    ids = {k: i for i, k in session.execute(insert(table).returning(table.c.id, table.c[key]), rows)}
    return [ids[row[key]] for row in rows]


def _import(session: Session, path: Path, required, parse, key: str, column, write: Callable) -> ImportReport:
    report = ImportReport()
    for chunk in _chunks(_checked(read_rows(path, required), parse, key, report), CHUNK_ROWS):
        present = _existing(session, column, [v[key] for v in chunk])
        fresh = [v for v in chunk if v[key] not in present]
        report.existing += len(present)
        report.created += len(fresh)
        if fresh:
            report.new_ids.extend(write(session, fresh))
    return report


def import_clients(session: Session, path: Path) -> ImportReport:
    """Import clients from a CSV file; existing e-mails are left untouched."""
    return _import(session, path, CLIENT_REQUIRED, _client_row, "email", User.email, _write_clients)


def _write_clients(session: Session, fresh: list[dict]) -> list[int]:
    """Insert one chunk of new clients (users, clients, history); return the client ids."""
    # The users of earlier chunks are in the database already (same transaction).
    taken = _existing(session, User.username, [v["username"] for v in fresh])
    for values in fresh:
        if values["username"] in taken:
            values["username"] = f"{values['username']}.{values['email'].split('@')[1]}"[:150]
        taken.add(values["username"])
    user_ids = _insert(
        session,
        User,
        key="email",
        rows=[
            {
                "email": v["email"],
                "username": v["username"],
                "first_name": v["first_name"],
                "last_name": v["last_name"],
                "is_admin": False,
                "is_active": True,
                "date_joined": v["created_at"],
                "session_version": 0,
            }
            for v in fresh
        ],
    )
    client_rows = []
    for user_id, v in zip(user_ids, fresh, strict=True):
        client_rows.append(
            {
                "user_id": user_id,
                "phone": Client.normalised_phone(v["phone"]),
                "address": v["address"],
                "company_name": v["company_name"],
                "is_active": v["is_active"],
                "created_at": v["created_at"],
                "updated_at": v["created_at"],
                **client_derived_fields(
                    first_name=v["first_name"],
                    last_name=v["last_name"],
                    email=v["email"],
                    username=v["username"],
                    address=v["address"],
                    company_name=v["company_name"],
                    phone=v["phone"],
                ),
            }
        )
    client_ids = _insert(session, Client, client_rows, "user_id")
    # Core inserts bypass the ORM's history hook: one "created" entry per client here.
    record_events(
        ((cid, "created", _created_changes(v)) for cid, v in zip(client_ids, fresh, strict=True)),
        session,
    )
    return client_ids


_HISTORY_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "username",
    "phone",
    "address",
    "company_name",
    "is_active",
)


def _created_changes(values: dict[str, object]) -> dict[str, list[object]]:
    values = values | {"phone": Client.normalised_phone(str(values.get("phone") or ""))}
    return {f: [None, values[f]] for f in _HISTORY_FIELDS if values.get(f) not in (None, "")}


def _order_row(row: dict[str, str]) -> dict[str, object]:
    reference = check_length("reference", row.get("reference", ""), 64)
    if not reference:
        raise ValueProblem("reference: empty")
    email = check_length("email", row.get("email", ""), 254) or None
    phone = check_length("phone", row.get("phone", ""), 64) or None
    name = check_length("client_name", row.get("client_name", ""), 255)
    return {
        "reference": reference,
        "client_name": name,
        "email": email,
        "phone": phone,
        "address": check_length("address", row.get("address", ""), 255),
        "city": check_length("city", row.get("city", ""), 100),
        "price": parse_price(row.get("price", "")),
        "status": parse_status(row.get("status", "")),
        "created_at": parse_datetime(row.get("created_at", "")) or utcnow(),
        **order_keys(email, phone, name),
    }


def import_orders(session: Session, path: Path) -> ImportReport:
    """Import orders from a CSV file; existing references are left untouched."""
    return _import(
        session,
        path,
        ORDER_REQUIRED,
        _order_row,
        "reference",
        Order.reference,
        lambda s, rows: _insert(s, Order, rows, "reference"),
    )
