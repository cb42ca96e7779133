"""Each admin's choice of how to hear about notifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

EMAIL_MODES = ("none", "immediate", "daily")


class NotificationPreference(db.Model):
    """In-app only ("none"), or also by e-mail at once ("immediate") or in a daily digest."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email_mode: Mapped[str] = mapped_column(String(12), default="none", index=True)
    last_digest_at: Mapped[datetime | None]

    def __str__(self) -> str:
        return self.email_mode
