"""The data model, one module per aggregate."""

from .clients import Client
from .history import ClientEvent
from .linking import LinkRun, ReviewItem, RunLock
from .maintenance import SlowRequest, TaskRun
from .notifications import Notification
from .orders import HUMAN_METHODS, LinkMethod, Order, OrderStatus
from .users import User

__all__ = [
    "HUMAN_METHODS",
    "Client",
    "ClientEvent",
    "LinkMethod",
    "LinkRun",
    "Notification",
    "Order",
    "OrderStatus",
    "ReviewItem",
    "RunLock",
    "SlowRequest",
    "TaskRun",
    "User",
]

# Registers the session hooks that keep derived columns and aggregates current.
from . import events  # noqa: F401
