"""Formatting for French-speaking admins: money in MAD, local dates, phones for humans."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import Flask

from .linking.normalize import format_phone_human
from .timeutil import to_local

NARROW_NBSP = "\u202f"  # French thousands separator


def format_number(value: object, decimals: int = 2) -> str:
    """Format a number the French way: 12 345,50."""
    amount = Decimal(str(value or 0)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{amount:,.{decimals}f}"
    return text.replace(",", NARROW_NBSP).replace(".", ",")


def format_mad(value: object) -> str:
    """Format an amount of dirhams: 1 234,50 MAD."""
    return f"{format_number(value)}\u00a0MAD"


def format_date(value: datetime | None, with_time: bool = False) -> str:
    """Format a stored UTC datetime as a Casablanca date (dd/mm/yyyy [hh:mm])."""
    local = to_local(value)
    if local is None:
        return "—"
    return local.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")


def iso_utc(value: datetime | None) -> str | None:
    """Return a stored naive UTC datetime as ISO 8601 with its offset, for JSON."""
    return value.isoformat() + "Z" if value else None


def init_formatting(app: Flask) -> None:
    """Register the filters on the app's Jinja environment."""
    app.add_template_filter(format_mad, "mad")
    app.add_template_filter(format_number, "number")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(lambda v: format_date(v, with_time=True), "datetime")
    app.add_template_filter(format_phone_human, "phone")
