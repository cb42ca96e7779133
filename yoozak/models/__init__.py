"""The data model, one module per aggregate."""

from .api import ApiToken, IdempotencyKey
from .clients import Client
from .history import ClientEvent
from .linking import LinkRun, ReviewItem, RunLock
from .notifications import Notification
from .orders import HUMAN_METHODS, LinkMethod, Order, OrderStatus
from .users import User

__all__ = [
    "HUMAN_METHODS",
    "ApiToken",
    "Client",
    "ClientEvent",
    "IdempotencyKey",
    "LinkMethod",
    "LinkRun",
    "Notification",
    "Order",
    "OrderStatus",
    "ReviewItem",
    "RunLock",
    "User",
]

# Registers the session hooks that keep derived columns and aggregates current.
from . import events  # noqa: F401
