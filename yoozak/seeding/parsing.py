"""Parsing of typed values in imports: booleans, dates, prices, statuses."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from ..timeutil import LOCAL_TZ

TRUE_WORDS = {"1", "true", "yes", "y", "oui", "o", "vrai", "actif", "active"}
FALSE_WORDS = {"0", "false", "no", "n", "non", "faux", "inactif", "inactive"}
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
)
STATUS_WORDS = {
    "pending": "pending",
    "en attente": "pending",
    "attente": "pending",
    "confirmed": "confirmed",
    "confirmée": "confirmed",
    "confirmee": "confirmed",
    "livrée": "confirmed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "annulée": "cancelled",
    "annulee": "cancelled",
    "refusée": "cancelled",
    "refusee": "cancelled",
}
MAX_PRICE = Decimal("99999999.99")


class ValueProblem(ValueError):
    """A value that cannot be imported, with a message naming it."""


def parse_bool(value: str, default: bool = True) -> bool:
    """Parse yes/no words in English or French; empty means the default."""
    word = value.strip().lower()
    if not word:
        return default
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueProblem(f"is_active: {value!r} is not a yes/no value")


def parse_datetime(value: str, column: str = "created_at") -> datetime | None:
    """Parse an ISO or French date (local time unless an offset is given) into naive UTC."""
    text = value.strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for fmt in DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        raise ValueProblem(f"{column}: {value!r} is not a date (expected YYYY-MM-DD or DD/MM/YYYY)")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    if not 2000 <= parsed.year <= 2100:
        raise ValueProblem(f"{column}: {value!r} is outside 2000–2100")
    return parsed.astimezone(UTC).replace(tzinfo=None)


def parse_price(value: str) -> Decimal:
    """Parse a price in dirhams, accepting "1 234,50" and "1234.50"; refuse negatives."""
    text = value.strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    text = text.upper().removesuffix("MAD").removesuffix("DH")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        price = Decimal(text)
    except InvalidOperation as error:
        raise ValueProblem(f"price: {value!r} is not a number") from error
    if not price.is_finite() or price < 0 or price > MAX_PRICE:
        raise ValueProblem(f"price: {value!r} must be between 0 and {MAX_PRICE}")
    if price != price.quantize(Decimal("0.01")):
        raise ValueProblem(f"price: {value!r} has more than 2 decimals")
    return price


def parse_status(value: str) -> str:
    """Map a status word (English or French) to pending, confirmed or cancelled."""
    word = value.strip().lower()
    if not word:
        return "pending"
    if word not in STATUS_WORDS:
        raise ValueProblem(f"status: {value!r} is not one of pending, confirmed, cancelled")
    return STATUS_WORDS[word]


def check_length(column: str, value: str, limit: int) -> str:
    """Refuse a value longer than its column, rather than truncating it."""
    if len(value) > limit:
        raise ValueProblem(f"{column}: {len(value)} characters, at most {limit} allowed")
    return value
