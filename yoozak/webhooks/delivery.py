"""Deliver the outbox: due deliveries, at most one in flight per client (and per order) and endpoint.

A delivery is due when it is pending, its next attempt time has come, its endpoint is
active, and no earlier delivery of the same client or order to the same endpoint is still
pending: event N+1 of a client never overtakes event N. Each batch POSTs the due heads in
parallel (HTTP only; the database is written by the calling thread), records every
attempt, and loops until nothing is due, so one call drains a client's backlog in order.

A 2xx answer acknowledges. Anything else (an error code, a timeout, a refused connection)
schedules a retry with exponential back-off; after WEBHOOKS_RETRY_WINDOW seconds of
failures the delivery is marked failed, and an endpoint failing for that long is disabled
and the admins notified. `now` can be injected, so that tests simulate hours of failures.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import bindparam, exists, or_, select
from sqlalchemy.orm import Session, aliased

from ..models.webhooks import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from ..notifications import notify_admins
from ..timeutil import utcnow
from .signing import signed_headers
from .urls import UnsafeURL, check_webhook_url, url_policy

logger = logging.getLogger("yoozak.webhooks")
MAX_BATCHES = 100_000
_local = threading.local()


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    attempts: int = 0
    delivered: int = 0
    failed: int = 0  # deliveries given up after the retry window
    disabled: list[int] = field(default_factory=list)

    def line(self) -> str:
        """Return a one-line account of the run."""
        return (
            f"{self.attempts} attempt(s), {self.delivered} delivered, {self.failed} given up, "
            f"{len(self.disabled)} endpoint(s) disabled"
        )


@dataclass
class Outcome:
    """The answer to one POST."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        """Tell whether the receiver acknowledged (2xx)."""
        return self.status_code is not None and 200 <= self.status_code < 300


def backoff(attempts: int, base: float, cap: float) -> timedelta:
    """Return the wait after the `attempts`-th failure: base, 2×base, 4×base, … at most cap."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


@functools.lru_cache(maxsize=8)
def _heads_statement(limit: int):
    d, earlier = WebhookDelivery, aliased(WebhookDelivery)
    pending_before = (
        (earlier.endpoint_id == d.endpoint_id)
        & (earlier.status == DeliveryStatus.PENDING)
        & (earlier.id < d.id)
    )
    return (
        select(d)
        .join(WebhookEndpoint, WebhookEndpoint.id == d.endpoint_id)
        .where(
            d.status == DeliveryStatus.PENDING,
            d.next_attempt_at <= bindparam("now"),
            WebhookEndpoint.active.is_(True),
            ~exists().where(pending_before, earlier.client_id == d.client_id),
            ~exists().where(pending_before, earlier.order_id == d.order_id),
        )
        .order_by(d.id)
        .limit(limit)
    )


@functools.lru_cache(maxsize=8)
def _followers_statement(limit: int):
    """Pending deliveries of the given clients after the given id, flagged when another chain holds them."""
    d, other = WebhookDelivery, aliased(WebhookDelivery)
    held_by_other_chain = exists().where(
        other.endpoint_id == d.endpoint_id,
        other.status == DeliveryStatus.PENDING,
        other.id < d.id,
        other.order_id == d.order_id,
        or_(other.client_id.is_(None), other.client_id != d.client_id),
    )
    return (
        select(d.id, d.endpoint_id, d.client_id, d.next_attempt_at, held_by_other_chain.label("held"))
        .where(
            d.status == DeliveryStatus.PENDING,
            d.client_id.in_(bindparam("client_ids", expanding=True)),
            d.id > bindparam("after"),
        )
        .order_by(d.id)
        .limit(limit)
    )


def due_heads(session: Session, now: datetime, limit: int) -> list[WebhookDelivery]:
    """Return due deliveries that no earlier pending delivery of their client or order holds back."""
    return list(session.scalars(_heads_statement(limit), {"now": now}).unique())


def due_chains(session: Session, now: datetime, limit: int, chain_max: int) -> list[list[WebhookDelivery]]:
    """Return the due heads, each followed by the next deliveries of its client that may follow it.

    A chain is sent in order and stops at its first failure, so a client's backlog drains
    in one batch instead of one event per batch. A follower joins only while every
    delivery before it is in the chain: it stops at one not yet due, or one whose order
    still waits in another chain.
    """
    heads = due_heads(session, now, limit)
    chains = {(h.endpoint_id, h.client_id): [h] for h in heads if h.client_id is not None}
    singles = [[h] for h in heads if h.client_id is None]
    if chains:
        params = {
            "client_ids": sorted({key[1] for key in chains}),
            "after": min(c[0].id for c in chains.values()),
        }
        picked: dict[tuple[int, int], list[int]] = {key: [] for key in chains}
        blocked: set[tuple[int, int]] = set()
        for row in session.execute(_followers_statement(len(chains) * chain_max), params):
            key = (row.endpoint_id, row.client_id)
            if key not in chains or key in blocked or row.id <= chains[key][0].id:
                continue
            if row.held or row.next_attempt_at > now or len(picked[key]) + 1 >= chain_max:
                blocked.add(key)
                continue
            picked[key].append(row.id)
        wanted = [i for ids in picked.values() for i in ids]
        if wanted:
            loaded = {
                d.id: d
                for d in session.scalars(
                    select(WebhookDelivery).where(WebhookDelivery.id.in_(wanted))
                ).unique()
            }
            for key, ids in picked.items():
                chains[key].extend(loaded[i] for i in ids)
    return [*chains.values(), *singles]


def _http() -> requests.Session:
    if getattr(_local, "session", None) is None:
        session = requests.Session()
        # No proxies or .netrc from the environment: a proxy would resolve the host itself,
        # past the address check, and credentials must never go to a receiver.
        session.trust_env = False
        _local.session = session
    return _local.session


def post(url: str, body: str, headers: dict[str, str], timeout: float) -> Outcome:
    """POST one signed body; never follows redirects (they could lead inside the network)."""
    started = time.perf_counter()
    try:
        response = _http().post(
            url, data=body.encode(), headers=headers, timeout=timeout, allow_redirects=False
        )
        response.close()
        error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        return Outcome(response.status_code, error, int((time.perf_counter() - started) * 1000))
    except requests.RequestException as exc:
        return Outcome(
            None, f"{type(exc).__name__}: {exc}"[:500], int((time.perf_counter() - started) * 1000)
        )


def body_of(delivery: WebhookDelivery) -> str:
    """Return the exact bytes sent (as text): the stored payload, compact and key-sorted."""
    return json.dumps(delivery.event.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


class Deliverer:
    """One delivery run's settings and counters."""

    def __init__(self, session: Session, now: datetime | None, config) -> None:
        self.session, self.fixed_now, self.config = session, now, config
        self.report = DeliveryReport()
        self.window = timedelta(seconds=float(config["WEBHOOKS_RETRY_WINDOW"]))
        self.policy = url_policy(config)
        self.unsafe: dict[int, str | None] = {}

    def now(self) -> datetime:
        """Return the injected clock, or the real one."""
        return self.fixed_now or utcnow()

    def _unsafe_reason(self, endpoint: WebhookEndpoint) -> str | None:
        if endpoint.id not in self.unsafe:
            try:
                check_webhook_url(endpoint.url, **self.policy)
                self.unsafe[endpoint.id] = None
            except UnsafeURL as error:
                self.unsafe[endpoint.id] = f"URL refusée : {error}"
        return self.unsafe[endpoint.id]

    def _send(self, delivery: WebhookDelivery) -> Outcome:
        if reason := self._unsafe_reason(delivery.endpoint):
            return Outcome(None, reason, 0)
        headers = signed_headers(delivery.endpoint.secret, delivery.event.event_id, body_of(delivery))
        return post(delivery.endpoint.url, body_of(delivery), headers, float(self.config["WEBHOOKS_TIMEOUT"]))

    def _send_chain(self, chain: list[WebhookDelivery]) -> list[tuple[WebhookDelivery, Outcome]]:
        """POST a client's deliveries one after the other; stop at the first failure."""
        results = []
        for delivery in chain:
            outcome = self._send(delivery)
            results.append((delivery, outcome))
            if not outcome.ok:
                break
        return results

    def run(self) -> DeliveryReport:
        """Deliver batches until nothing is due."""
        workers = int(self.config["WEBHOOKS_CONCURRENCY"])
        batch_size = int(self.config["WEBHOOKS_BATCH_SIZE"])
        chain_max = int(self.config.get("WEBHOOKS_CHAIN_MAX", 50))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook") as pool:
            for _ in range(MAX_BATCHES):
                chains = due_chains(self.session, self.now(), batch_size, chain_max)
                if not chains:
                    break
                # Read everything the threads need first: they must not touch the session.
                for delivery in (d for chain in chains for d in chain):
                    _ = (delivery.endpoint.url, delivery.endpoint.secret, delivery.event.payload)
                results = [
                    pair for chain_results in pool.map(self._send_chain, chains) for pair in chain_results
                ]
                self._record([d for d, _ in results], [o for _, o in results])
                self.session.commit()
        return self.report

    def _record(self, heads: list[WebhookDelivery], outcomes: list[Outcome]) -> None:
        now = self.now()
        succeeded = {h.endpoint_id for h, o in zip(heads, outcomes, strict=True) if o.ok}
        for delivery, outcome in zip(heads, outcomes, strict=True):
            self.report.attempts += 1
            delivery.attempts += 1
            delivery.first_attempt_at = delivery.first_attempt_at or now
            delivery.last_status_code, delivery.last_error = outcome.status_code, outcome.error
            self.session.add(
                WebhookAttempt(
                    delivery_id=delivery.id,
                    at=now,
                    status_code=outcome.status_code,
                    duration_ms=outcome.duration_ms,
                    error=outcome.error,
                )
            )
            if outcome.ok:
                delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, now
                self.report.delivered += 1
            else:
                self._failed(delivery, now)
        for endpoint in {h.endpoint for h in heads}:
            if endpoint.id in succeeded:
                endpoint.failing_since = None
            elif endpoint.failing_since is None:
                endpoint.failing_since = now
            elif endpoint.active and now - endpoint.failing_since >= self.window:
                self._disable(endpoint, now)

    def _failed(self, delivery: WebhookDelivery, now: datetime) -> None:
        if now - delivery.first_attempt_at >= self.window:
            delivery.status = DeliveryStatus.FAILED
            self.report.failed += 1
            return
        wait = backoff(
            delivery.attempts,
            float(self.config["WEBHOOKS_BACKOFF_BASE"]),
            float(self.config["WEBHOOKS_BACKOFF_MAX"]),
        )
        delivery.next_attempt_at = now + wait

    def _disable(self, endpoint: WebhookEndpoint, now: datetime) -> None:
        hours = (now - endpoint.failing_since).total_seconds() / 3600
        endpoint.active = False
        endpoint.disabled_reason = (
            f"Désactivé automatiquement le {now:%d/%m/%Y %H:%M} UTC : échecs continus depuis {hours:.0f} h."
        )
        self.report.disabled.append(endpoint.id)
        logger.warning("Webhook endpoint %s disabled: failing since %s", endpoint.url, endpoint.failing_since)
        notify_admins(
            "webhook_disabled",
            f"Webhook désactivé : {endpoint.url}"[:200],
            body=endpoint.disabled_reason
            + " Les événements en attente seront envoyés quand il sera réactivé.",
            url=f"/admin/webhook-endpoints/details/?id={endpoint.id}",
        )


def deliver_due(session: Session, now: datetime | None = None) -> DeliveryReport:
    """Deliver everything due at `now` (default: the real clock), in order per client; commit per batch."""
    return Deliverer(session, now, current_app.config).run()


def resend(session: Session, delivery_ids: list[int], now: datetime | None = None) -> int:
    """Put deliveries back in the queue, due now, with a fresh retry window; return how many."""
    now = now or utcnow()
    deliveries = (
        session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(delivery_ids))).unique().all()
    )
    for delivery in deliveries:
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = now
        delivery.first_attempt_at = None
        delivery.delivered_at = None
    return len(deliveries)
