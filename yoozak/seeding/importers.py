"""CSV importers for clients and orders: every row checked first, then one transaction.

Bad rows are reported with their line number and skipped; good rows go in together or
not at all. The keys (client e-mail, order reference) make a second import of the same
file a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass
class ImportReport:
    """What an import did: rows created, rows already present, rows refused."""

    created: int = 0
    existing: int = 0
    errors: list[RowError] = field(default_factory=list)
    new_ids: list[int] = field(default_factory=list)

    def summary(self, noun: str) -> str:
        """Return a one-line account of the import."""
        return (
            f"{self.created} {noun} imported, {self.existing} already present, "
            f"{len(self.errors)} row(s) rejected"
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


def _validate(rows, parse, key: str, report: ImportReport) -> dict[str, dict]:
    good: dict[str, dict] = {}
    first_line: dict[str, int] = {}
    for line, row in rows:
        try:
            values = parse(row)
        except ValueProblem as error:
            report.errors.append(RowError(line, str(error)))
            continue
        if values[key] in good:
            report.errors.append(
                RowError(line, f"{key} {values[key]!r} already on line {first_line[values[key]]}")
            )
            continue
        good[values[key]] = values
        first_line[values[key]] = line
    return good


def import_clients(session: Session, path: Path) -> ImportReport:
    """Import clients from a CSV file; existing e-mails are left untouched."""
    report = ImportReport()
    good = _validate(read_rows(path, CLIENT_REQUIRED), _client_row, "email", report)
    present = _existing(session, User.email, list(good))
    report.existing = len(present)
    taken = _existing(session, User.username, [v["username"] for v in good.values()])
    fresh = [v for k, v in good.items() if k not in present]
    for values in fresh:
        if values["username"] in taken:
            values["username"] = f"{values['username']}.{values['email'].split('@')[1]}"[:150]
        taken.add(values["username"])
    if fresh:
        user_ids = session.scalars(
            insert(User).returning(User.id, sort_by_parameter_order=True),
            [
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
        ).all()
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
        report.new_ids = list(
            session.scalars(insert(Client).returning(Client.id, sort_by_parameter_order=True), client_rows)
        )
        # Core inserts bypass the ORM's history hook: one "created" entry per client here.
        record_events(
            ((cid, "created", _created_changes(v)) for cid, v in zip(report.new_ids, fresh, strict=True)),
            session,
        )
    report.created = len(fresh)
    return report


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
    report = ImportReport()
    good = _validate(read_rows(path, ORDER_REQUIRED), _order_row, "reference", report)
    present = _existing(session, Order.reference, list(good))
    report.existing = len(present)
    fresh = [v for k, v in good.items() if k not in present]
    if fresh:
        report.new_ids = list(
            session.scalars(insert(Order).returning(Order.id, sort_by_parameter_order=True), fresh)
        )
    report.created = len(fresh)
    return report
