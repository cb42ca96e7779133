"""The figures of the operations page ("Surveillance"): tasks, link runs, queue, data, slowness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ..maintenance.tasks import TASKS, last_runs, next_fire
from ..models import (
    Client,
    ClientEvent,
    LinkRun,
    Notification,
    Order,
    ReviewItem,
    SlowRequest,
    TaskRun,
    User,
)
from ..timeutil import utcnow

TASK_LABELS = {
    "link-orders": "Liaison des nouvelles commandes",
    "refresh-stats": "Recalcul des statistiques clients",
    "check-consistency": "Contrôle de cohérence",
    "cleanup-inactive-clients": "Nettoyage des clients inactifs",
}
COUNTED_TABLES = (
    ("Clients", Client),
    ("Utilisateurs", User),
    ("Commandes", Order),
    ("File de revue", ReviewItem),
    ("Exécutions de liaison", LinkRun),
    ("Historique clients", ClientEvent),
    ("Notifications", Notification),
    ("Exécutions de tâches", TaskRun),
    ("Requêtes lentes", SlowRequest),
)
AGE_BUCKETS = (
    (0, 1, "moins d'un jour"),
    (1, 7, "1 à 7 jours"),
    (7, 30, "7 à 30 jours"),
    (30, None, "plus de 30 jours"),
)
TREND_RUNS = 12
BAR_STEPS = 10


@dataclass(frozen=True)
class TaskLine:
    """One task on the page: its schedule, its last run and when it runs next."""

    name: str
    label: str
    cron: str | None
    last: TaskRun | None
    next_at: datetime | None


@dataclass(frozen=True)
class Bar:
    """One bar of a trend chart: its height class (bar-h-0 to bar-h-10) and what it says."""

    step: int
    title: str


def bar_step(value: float, top: float) -> int:
    """Return the height step (0-10) of `value` on a chart whose tallest bar is `top`."""
    if top <= 0 or value <= 0:
        return 0
    return max(1, round(BAR_STEPS * value / top))


def task_lines(now: datetime) -> list[TaskLine]:
    """Return every task with its schedule, last run and next run."""
    plan = dict(current_app.config["MAINTENANCE_SCHEDULE"] or {})
    latest = last_runs(list(TASKS))
    lines = []
    for name in TASKS:
        cron = plan.get(name)
        lines.append(
            TaskLine(
                name, TASK_LABELS.get(name, name), cron, latest[name], next_fire(cron, now) if cron else None
            )
        )
    return lines


def recent_link_runs(session: Session, limit: int = TREND_RUNS) -> list[LinkRun]:
    """Return the latest real (not dry) link runs, newest first."""
    return list(
        session.scalars(
            select(LinkRun).where(LinkRun.dry_run.is_(False)).order_by(LinkRun.id.desc()).limit(limit)
        )
    )


def link_trend(runs: list[LinkRun]) -> dict[str, list[Bar]]:
    """Return two bar series, oldest run first: orders examined, and the share linked."""
    ordered = list(reversed(runs))
    top = max((r.examined for r in ordered), default=0)
    examined = [
        Bar(bar_step(r.examined, top), f"Exécution #{r.id} : {r.examined} examinées") for r in ordered
    ]
    rate = []
    for r in ordered:
        share = (r.linked / r.examined) if r.examined else 0.0
        rate.append(Bar(bar_step(share, 1.0), f"Exécution #{r.id} : {share:.0%} liées"))
    return {"examined": examined, "rate": rate}


def run_seconds(run: LinkRun) -> float | None:
    """Return a link run's duration in seconds (None while it runs)."""
    if run.finished_at is None:
        return None
    return (run.finished_at - run.started_at).total_seconds()


def unlinked_by_age(session: Session, now: datetime) -> list[tuple[str, int]]:
    """Count the orders without a client (guests excluded) by how long they have waited."""
    base = (Order.client_id.is_(None), func.coalesce(Order.link_method, "") != "guest")
    buckets = []
    for low, high, label in AGE_BUCKETS:
        conditions = [*base, Order.created_at <= now - timedelta(days=low)]
        if high is not None:
            conditions.append(Order.created_at > now - timedelta(days=high))
        buckets.append(
            (label, session.scalar(select(func.count()).select_from(Order).where(*conditions)) or 0)
        )
    return buckets


def database_size(session: Session) -> int | None:
    """Return the database's size in bytes (SQLite: pages × page size; PostgreSQL: pg_database_size)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        pages = session.execute(text("PRAGMA page_count")).scalar() or 0
        size = session.execute(text("PRAGMA page_size")).scalar() or 0
        return int(pages) * int(size)
    if dialect == "postgresql":
        return int(session.execute(text("SELECT pg_database_size(current_database())")).scalar() or 0)
    return None


def row_counts(session: Session) -> list[tuple[str, int]]:
    """Return the number of rows of the main tables."""
    return [
        (label, session.scalar(select(func.count()).select_from(model)) or 0)
        for label, model in COUNTED_TABLES
    ]


def slowest_requests(session: Session, now: datetime, limit: int = 10) -> list[SlowRequest]:
    """Return the slowest requests of the last day."""
    return list(
        session.scalars(
            select(SlowRequest)
            .where(SlowRequest.at >= now - timedelta(days=1))
            .order_by(SlowRequest.duration_ms.desc(), SlowRequest.id.desc())
            .limit(limit)
        )
    )


def overview(session: Session, now: datetime | None = None) -> dict[str, object]:
    """Return everything the operations page shows."""
    now = now or utcnow()
    runs = recent_link_runs(session)
    return {
        "now": now,
        "tasks": task_lines(now),
        "link_runs": runs,
        "trend": link_trend(runs),
        "run_seconds": run_seconds,
        "review_open": session.scalar(
            select(func.count()).select_from(ReviewItem).where(ReviewItem.resolved_at.is_(None))
        )
        or 0,
        "consistency": last_runs(["check-consistency"])["check-consistency"],
        "unlinked": unlinked_by_age(session, now),
        "db_size": database_size(session),
        "db_backend": session.get_bind().dialect.name,
        "row_counts": row_counts(session),
        "slow": slowest_requests(session, now),
        "slow_threshold": current_app.config["SLOW_REQUEST_MS"],
    }
