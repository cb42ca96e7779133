"""The data model, one module per aggregate."""

from .api import ApiToken, IdempotencyKey
from .clients import Client
from .history import ClientEvent
from .linking import LinkRun, ReviewItem, RunLock
from .maintenance import SlowRequest, TaskRun
from .notifications import Notification
from .orders import HUMAN_METHODS, LinkMethod, Order, OrderStatus
from .preferences import NotificationPreference
from .users import User
from .webhooks import OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "HUMAN_METHODS",
    "ApiToken",
    "Client",
    "ClientEvent",
    "IdempotencyKey",
    "LinkMethod",
    "LinkRun",
    "Notification",
    "NotificationPreference",
    "Order",
    "OrderStatus",
    "OutboxEvent",
    "ReviewItem",
    "RunLock",
    "SlowRequest",
    "TaskRun",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]

# Registers the session hooks that keep derived columns and aggregates current.
from . import events  # noqa: F401
