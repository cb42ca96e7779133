"""Accounts: the admins who use the back office and the users behind each client."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..timeutil import utcnow

if TYPE_CHECKING:
    from .clients import Client


class User(UserMixin, db.Model):
    """A login account; admins have `is_admin`, clients have a `Client` profile."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    first_name: Mapped[str] = mapped_column(String(150), default="")
    last_name: Mapped[str] = mapped_column(String(150), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False, index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    date_joined: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped at logout and password change: a copied session cookie then stops working.
    session_version: Mapped[int] = mapped_column(default=0)

    client: Mapped[Client | None] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    @validates("email")
    def _store_email_lower(self, _key: str, value: str) -> str:
        return (value or "").strip().lower()

    @validates("username")
    def _strip_username(self, _key: str, value: str) -> str:
        return (value or "").strip()

    @property
    def full_name(self) -> str:
        """Return "First Last", or the username when both names are empty."""
        name = f"{self.first_name or ''} {self.last_name or ''}".strip()
        return name or self.username

    def set_password(self, password: str) -> None:
        """Hash and store a new password, and end the sessions opened with the old one."""
        method = "scrypt"
        if has_app_context():
            method = current_app.config.get("PASSWORD_HASH_METHOD", method)
        self.password_hash = generate_password_hash(password, method=method)
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        """Tell whether `password` matches the stored hash."""
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """Return the session identity: the id and the session version together."""
        return f"{self.id}:{self.session_version or 0}"

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"
