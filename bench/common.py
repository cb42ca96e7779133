"""Shared benchmark helpers: the machine line, timing, and the seeded scale database."""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
BENCH_SECRET = "bench-secret-key-0123456789abcdef"
MIGRATIONS = Path(__file__).parent.parent / "migrations"


def machine() -> str:
    """Describe the machine: CPU model, cores, memory, Python, SQLite, and today's date."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlite3

    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {date.today().isoformat()}"
    )


def log(message: str) -> None:
    """Print progress to stderr, so that stdout holds only the tables."""
    print(message, file=sys.stderr, flush=True)


def timed(fn: Callable[[], object]) -> float:
    """Return the wall time of one call, in seconds."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_of(fn: Callable[[], object], runs: int, warmup: int = 1) -> float:
    """Return the median wall time of `runs` calls after `warmup` uncounted ones."""
    for _ in range(warmup):
        fn()
    return statistics.median(timed(fn) for _ in range(runs))


def make_app(db_path: Path):
    """Create an app on a benchmark SQLite file."""
    from yoozak import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
            "SECRET_KEY": BENCH_SECRET,
            "LOG_LEVEL": "WARNING",
        }
    )


def seeded_database(name: str, clients: int, orders: int, seed: int = 1) -> Path:
    """Return a migrated SQLite file with seeded, unlinked data, built once and cached."""
    from flask_migrate import upgrade

    from yoozak.extensions import db

    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}-{clients}c-{orders}o.db"
    if path.exists():
        with make_app(path).app_context():  # bring a cached file to the current schema
            upgrade(directory=str(MIGRATIONS))
            db.engine.dispose()
        return path
    from yoozak.seeding.bulk import create_test_clients, create_test_orders

    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    app = make_app(tmp)
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        log(f"seeding {clients} clients …")
        create_test_clients(db.session, clients, seed=seed)
        log(f"seeding {orders} orders …")
        create_test_orders(db.session, orders, seed=seed)
        db.session.execute(db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.engine.dispose()
    tmp.rename(path)
    return path


def working_copy(source: Path, name: str) -> Path:
    """Copy a cached database to a scratch file the benchmark may modify."""
    target = RESULTS / f"work-{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copy(source, target)
    return target
