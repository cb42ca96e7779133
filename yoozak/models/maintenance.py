"""Operations records: each run of a scheduled task, and the slow requests worth a look."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class TaskRun(db.Model):
    """One run of a maintenance task (link-orders, refresh-stats, ...), whatever its outcome."""

    __tablename__ = "task_runs"
    __table_args__ = (Index("ix_task_runs_task_started", "task", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(50))
    # cli (flask run-task) | schedule (run-due-tasks, the worker)
    trigger: Mapped[str] = mapped_column(String(16), default="cli")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # running | ok | failed | skipped | interrupted (the process died while it ran)
    outcome: Mapped[str] = mapped_column(String(12), default="running", index=True)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)

    @property
    def duration(self) -> float | None:
        """Return the run's length in seconds, None while it runs."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def __str__(self) -> str:
        return f"{self.task} #{self.id} ({self.outcome})"


class SlowRequest(db.Model):
    """A request slower than SLOW_REQUEST_MS; the table keeps the newest SLOW_REQUEST_KEEP."""

    __tablename__ = "slow_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    request_id: Mapped[str] = mapped_column(String(64), default="")
    endpoint: Mapped[str] = mapped_column(String(100), default="")
    method: Mapped[str] = mapped_column(String(10))
    # The path only: query values may be personal (a searched name), so only their keys are kept.
    path: Mapped[str] = mapped_column(String(255))
    query_keys: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[int]
    duration_ms: Mapped[float] = mapped_column(Float)
    sql_count: Mapped[int] = mapped_column(default=0)
    sql_ms: Mapped[float] = mapped_column(Float, default=0.0)
    # [{"ms": 12.3, "sql": "SELECT ..."}] for the slowest only: statement text, never parameters.
    statements: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.duration_ms:.0f} ms"
