"""Webhooks to external systems: endpoints, the transactional outbox, deliveries and attempts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

EVENT_TYPES = (
    "client.created",
    "client.updated",
    "client.status_changed",
    "client.merged",
    "order.created",
    "order.linked",
)


class DeliveryStatus:
    """Where a delivery stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookEndpoint(db.Model):
    """A receiver registered by an admin: where to POST which events, signed with which secret."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    # The event types it subscribes to, e.g. ["client.created", "order.linked"].
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Standard Webhooks secret ("whsec_" + base64); needed in clear to sign.
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    # First failure of the current run of failures; cleared by any success.
    failing_since: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __str__(self) -> str:
        return self.url


class OutboxEvent(db.Model):
    """One event, written in the transaction of the change it describes."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The webhook-id header: the same for every endpoint and every retry.
    event_id: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    type: Mapped[str] = mapped_column(String(40), index=True)
    # Deliveries of one client's events (and one order's) go out in order.
    client_id: Mapped[int | None]
    order_id: Mapped[int | None]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class WebhookDelivery(db.Model):
    """One event to one endpoint: pending until acknowledged (2xx), failed after the retry window."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # The delivery loop: what is due, and what came before for the same client or order.
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_client", "endpoint_id", "client_id", "status", "id"),
        Index("ix_webhook_deliveries_order", "endpoint_id", "order_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    client_id: Mapped[int | None]
    order_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(12), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]

    endpoint: Mapped[WebhookEndpoint] = relationship(lazy="joined")
    event: Mapped[OutboxEvent] = relationship(lazy="joined")
    attempt_log: Mapped[list[WebhookAttempt]] = relationship(
        order_by="WebhookAttempt.id", passive_deletes=True, lazy="select"
    )

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id}"


class WebhookAttempt(db.Model):
    """One POST of a delivery: when, the answer's code, how long, what went wrong."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None]
    duration_ms: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)

    def __str__(self) -> str:
        return f"{self.status_code or self.error}"
