"""Who is acting and from where, for the history rows written during this unit of work.

In a request the source follows the URL (the admin, the REST API, the pages) and the actor
is the logged-in user, or the API token's user that the API sets in `g.actor`. Outside a
request (CLI, worker) the source is whatever `change_source` set, "cli" by default, and the
actor is "système" unless given.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import g, has_request_context, request
from flask_login import current_user

SYSTEM_ACTOR = "système"
SOURCES = ("page", "admin", "api", "cli", "import", "link_run", "worker")

_source: ContextVar[str | None] = ContextVar("yoozak_change_source", default=None)
_actor: ContextVar[tuple[int | None, str] | None] = ContextVar("yoozak_change_actor", default=None)


@contextmanager
def change_source(source: str, actor: tuple[int | None, str] | None = None) -> Iterator[None]:
    """Attribute the history written inside this block to `source` (and `actor`, if given)."""
    if source not in SOURCES:
        raise ValueError(f"unknown change source {source!r}")
    source_token = _source.set(source)
    actor_token = _actor.set(actor)
    try:
        yield
    finally:
        _source.reset(source_token)
        _actor.reset(actor_token)


def current_source() -> str:
    """Return where the current change comes from."""
    if explicit := _source.get():
        return explicit
    if has_request_context():
        if request.path.startswith("/admin"):
            return "admin"
        if request.path.startswith("/api/"):
            return "api"
        return "page"
    return "cli"


def current_actor() -> tuple[int | None, str]:
    """Return (user id, label) of who is acting; (None, "système") for the system."""
    if explicit := _actor.get():
        return explicit
    if has_request_context():
        if actor := g.get("actor"):
            return actor
        if current_user and current_user.is_authenticated:
            return current_user.id, current_user.email
    return None, SYSTEM_ACTOR
