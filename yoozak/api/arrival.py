"""Linking an order created through the API on arrival, without reading every client each time.

The linker needs the index of every client (its name statistics decide what a name link may
be). Built from 100,000 clients it takes seconds, so each process keeps one per app: clients
created since are added to it; an edited or deleted client makes it be rebuilt whole.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..linking.locks import RunLockedError
from ..linking.match import ClientIndex
from ..linking.run import LinkOptions, client_keys_after, link_orders, load_index
from ..models import Client

log = logging.getLogger("yoozak.api")
EXTENSION_KEY = "yoozak_arrival_index"


@dataclass
class _Cached:
    index: ClientIndex
    max_id: int  # the newest client in the index
    count: int  # clients in the index
    last_edit: datetime | None  # newest updated_at among them


class ArrivalIndex:
    """One app's client index for linking single orders, kept current at each use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: _Cached | None = None

    def get(self, session: Session) -> ClientIndex:
        """Return an index matching the clients table now (built, extended or rebuilt)."""
        with self._lock:
            cached = self._cached
            if cached is not None:
                count, last_edit = session.execute(
                    select(func.count(), func.max(Client.updated_at)).where(Client.id <= cached.max_id)
                ).one()
                if count == cached.count and last_edit == cached.last_edit:
                    self._extend(session, cached)
                    return cached.index
            self._cached = self._build(session)
            return self._cached.index

    @staticmethod
    def _build(session: Session) -> _Cached:
        max_id, count, last_edit = session.execute(
            select(func.coalesce(func.max(Client.id), 0), func.count(), func.max(Client.updated_at))
        ).one()
        index = load_index(session)  # may include clients newer than max_id: _extend skips them
        return _Cached(index, int(max_id), int(count), last_edit)

    @staticmethod
    def _extend(session: Session, cached: _Cached) -> None:
        """Add the clients created since the index was built or last extended."""
        previous = cached.max_id
        for keys in client_keys_after(session, previous):
            if keys.id not in cached.index.clients:
                cached.index.add(keys)
            cached.max_id = max(cached.max_id, keys.id)
        if cached.max_id == previous:
            return
        # Only the new rows are counted: a range of the primary key, not the whole table.
        added, newest = session.execute(
            select(func.count(), func.max(Client.updated_at)).where(
                Client.id > previous, Client.id <= cached.max_id
            )
        ).one()
        cached.count += int(added)
        if newest is not None and (cached.last_edit is None or newest > cached.last_edit):
            cached.last_edit = newest


def arrival_index() -> ArrivalIndex:
    """Return the current app's ArrivalIndex."""
    return current_app.extensions.setdefault(EXTENSION_KEY, ArrivalIndex())


def link_on_arrival(order_id: int) -> None:
    """Link a new order by the linker's rules, as imports do (a busy linker leaves it for its next run)."""
    options = LinkOptions(threshold=float(current_app.config["LINK_THRESHOLD"]), order_ids=[order_id])
    try:
        link_orders(db.session, options, index=arrival_index().get(db.session))
    except RunLockedError as error:
        log.info("order %s not linked on arrival (%s); the next link run will", order_id, error)
