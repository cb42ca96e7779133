"""Client segments: one per client, from its order aggregates, as one SQL CASE.

The rules are checked in a fixed order (RULE_ORDER, documented in the README): the first
that holds gives the segment. They read only columns stored on the client row (the
aggregates and created_at), so 100,000 clients are classified by one UPDATE, wherever the
aggregates are refreshed. Thresholds come from the SEGMENT_* configuration keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, literal

from ..timeutil import utcnow

# Code -> French label, in the order the pages list them (best clients first).
SEGMENT_LABELS: dict[str, str] = {
    "vip": "VIP",
    "loyal": "Fidèle",
    "occasional": "Occasionnel",
    "new": "Nouveau",
    "at_risk": "À risque",
    "inactive": "Inactif",
    "none": "Sans commande",
}
SEGMENTS = tuple(SEGMENT_LABELS)
DEFAULT_SEGMENT = "none"
# The order in which the rules are checked: the first that holds wins.
RULE_ORDER = ("none", "at_risk", "inactive", "vip", "loyal", "new", "occasional")
assert set(RULE_ORDER) == set(SEGMENTS)


@dataclass(frozen=True)
class SegmentRules:
    """Thresholds of the segment rules, and the instant they are evaluated at."""

    vip_min_orders: int
    vip_min_spent: Decimal
    loyal_min_orders: int
    at_risk_min_cancelled: int
    at_risk_min_share: int
    inactive_days: int
    new_days: int
    now: datetime | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, object], now: datetime | None = None) -> SegmentRules:
        """Read the SEGMENT_* keys of a configuration (config.DEFAULTS for missing ones)."""
        from ..config import DEFAULTS

        def get(key: str) -> object:
            return config.get(key, DEFAULTS[key])

        return cls(
            vip_min_orders=int(get("SEGMENT_VIP_MIN_ORDERS")),
            vip_min_spent=Decimal(str(get("SEGMENT_VIP_MIN_SPENT"))),
            loyal_min_orders=int(get("SEGMENT_LOYAL_MIN_ORDERS")),
            at_risk_min_cancelled=int(get("SEGMENT_AT_RISK_MIN_CANCELLED")),
            at_risk_min_share=int(get("SEGMENT_AT_RISK_MIN_SHARE")),
            inactive_days=int(get("SEGMENT_INACTIVE_DAYS")),
            new_days=int(get("SEGMENT_NEW_DAYS")),
            now=now,
        )

    @classmethod
    def current(cls, now: datetime | None = None) -> SegmentRules:
        """Return the rules of the current app (the defaults outside an app context)."""
        from flask import current_app, has_app_context

        return cls.from_config(current_app.config if has_app_context() else {}, now)

    @property
    def at(self) -> datetime:
        """Return the instant the time rules are measured from."""
        return self.now or utcnow()

    def inactive_before(self) -> datetime:
        """Return the last-order date before which a client is inactive."""
        return self.at - timedelta(days=self.inactive_days)

    def new_since(self) -> datetime:
        """Return the creation date from which a client is new."""
        return self.at - timedelta(days=self.new_days)


def segment_case(
    rules: SegmentRules,
    *,
    orders_count,
    confirmed_count,
    cancelled_count,
    total_spent,
    last_order_at,
    created_at,
):
    """Return the SQL CASE giving the segment from these column expressions, rules in RULE_ORDER.

    Dates are compared with bound instants computed here, so the same SQL runs on SQLite
    and PostgreSQL; the cancelled share is integer arithmetic (no float rounding at 50 %).
    """
    at_risk = and_(
        cancelled_count >= rules.at_risk_min_cancelled,
        cancelled_count * 100 >= orders_count * rules.at_risk_min_share,
    )
    whens = {
        "none": orders_count == 0,
        "at_risk": at_risk,
        "inactive": last_order_at < rules.inactive_before(),
        "vip": and_(confirmed_count >= rules.vip_min_orders, total_spent >= rules.vip_min_spent),
        "loyal": confirmed_count >= rules.loyal_min_orders,
        "new": created_at >= rules.new_since(),
    }
    return case(
        *((whens[code], literal(code)) for code in RULE_ORDER if code in whens), else_=literal("occasional")
    )
