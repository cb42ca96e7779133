"""Time helpers: the database stores naive UTC, the admins live in Casablanca."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Africa/Casablanca")


def utcnow() -> datetime:
    """Return the current time as a naive UTC datetime, the form every column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_local(value: datetime | None) -> datetime | None:
    """Convert a stored naive UTC datetime to Casablanca local time."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(LOCAL_TZ)


def local_day_start_utc(now: datetime | None = None) -> datetime:
    """Return the start of the admins' current day, as naive UTC, for "new today"."""
    local_now = to_local(now or utcnow())
    start = datetime.combine(local_now.date(), time.min, tzinfo=LOCAL_TZ)
    return start.astimezone(UTC).replace(tzinfo=None)


def days_ago(days: int, now: datetime | None = None) -> datetime:
    """Return the naive UTC instant `days` days before now."""
    return (now or utcnow()) - timedelta(days=days)
