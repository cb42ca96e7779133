"""Keeping two link runs apart: a PostgreSQL advisory lock, or a lock row on SQLite."""

from __future__ import annotations

import os
import socket
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, delete, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from ..models import RunLock

# An arbitrary constant: the advisory-lock key of `flask link-orders`.
ADVISORY_KEY = 7_318_114_201


def advisory_key(name: str) -> int:
    """Return the advisory-lock key of a named lock (link-orders keeps its historical key)."""
    if name == "link-orders":
        return ADVISORY_KEY
    return ADVISORY_KEY + 1 + zlib.crc32(name.encode())


def _label(name: str) -> str:
    return "link" if name == "link-orders" else name


class RunLockedError(RuntimeError):
    """Another run holds the lock; the message says who and since when."""


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _pid_alive(holder: str) -> bool:
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine: we cannot tell, so we assume it runs
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def run_lock(engine: Engine, name: str = "link-orders") -> Iterator[None]:
    """Hold the named run lock for the duration of the block, or raise RunLockedError."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, name):
            yield
    else:
        with _row_lock(engine, name):
            yield


@contextmanager
def _advisory_lock(engine: Engine, name: str) -> Iterator[None]:
    # Session-level lock on a connection of its own: released when the run ends or when
    # its process dies (the server drops the connection), so a killed run never blocks.
    key = advisory_key(name)
    conn = engine.connect()
    try:
        got = conn.execute(select(func.pg_try_advisory_lock(key))).scalar()
        conn.commit()
        if not got:
            raise RunLockedError(f"another {_label(name)} run is in progress (PostgreSQL advisory lock held)")
        try:
            yield
        finally:
            conn.execute(select(func.pg_advisory_unlock(key)))
            conn.commit()
    finally:
        conn.close()


@contextmanager
def _row_lock(engine: Engine, name: str) -> Iterator[None]:
    holder = _holder()
    with engine.begin() as conn:
        try:
            conn.execute(insert(RunLock).values(name=name, holder=holder))
        except IntegrityError:
            conn.rollback()
            _take_over_if_stale(engine, name, holder)
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(delete(RunLock).where(RunLock.name == name, RunLock.holder == holder))


def _take_over_if_stale(engine: Engine, name: str, holder: str) -> None:
    with engine.begin() as conn:
        # BEGIN IMMEDIATE semantics: the write below serialises concurrent take-overs.
        row = conn.execute(select(RunLock.holder, RunLock.acquired_at).where(RunLock.name == name)).first()
        if row is not None and _pid_alive(row.holder):
            since = f"{row.acquired_at:%Y-%m-%d %H:%M:%S} UTC"
            raise RunLockedError(f"another {_label(name)} run is in progress ({row.holder}, since {since})")
        result = conn.execute(
            text(
                "UPDATE run_locks SET holder = :new, acquired_at = CURRENT_TIMESTAMP "
                "WHERE name = :name AND holder = :old"
            ),
            {"new": holder, "name": name, "old": row.holder if row else ""},
        )
        if row is None:
            conn.execute(insert(RunLock).values(name=name, holder=holder))
        elif result.rowcount != 1:
            raise RunLockedError(f"another {_label(name)} run took the lock at the same moment")
