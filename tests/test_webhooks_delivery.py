"""Webhook delivery against a real receiver on 127.0.0.1: signature, retries, order, outages.

The clock is injected (`deliver_due(session, now=...)`): an hour of outage is simulated in
a few calls, never waited for.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook

from tests.support.receiver import Receiver
from yoozak.extensions import db
from yoozak.models import Notification, Order, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from yoozak.models.webhooks import EVENT_TYPES
from yoozak.timeutil import utcnow
from yoozak.webhooks.delivery import backoff, deliver_due, resend
from yoozak.webhooks.signing import new_secret


@pytest.fixture
def receiver():
    """Return a receiver listening on 127.0.0.1."""
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def hooks_app(app):
    """The app with webhooks aimed at 127.0.0.1 allowed, a short timeout, delivery driven by the test."""
    app.config.update(WEBHOOKS_ALLOW_PRIVATE=True, WEBHOOKS_DELIVER_ON_COMMIT=False, WEBHOOKS_TIMEOUT=0.5)
    return app


@pytest.fixture
def endpoint(hooks_app, receiver) -> WebhookEndpoint:
    """Return an active endpoint subscribed to every event, pointing at the receiver."""
    row = WebhookEndpoint(url=receiver.url, events=list(EVENT_TYPES), secret=new_secret(), active=True)
    db.session.add(row)
    db.session.commit()
    return row


def deliveries() -> list[WebhookDelivery]:
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).unique())


def test_the_receiver_verifies_the_standard_webhooks_signature(endpoint, receiver, factories):
    amina = factories.client("Amina", "Bennani", phone="0612345678")
    report = deliver_due(db.session)
    assert (report.attempts, report.delivered) == (1, 1)
    [received] = receiver.requests
    payload = Webhook(endpoint.secret).verify(received.body, received.headers)
    assert payload["type"] == "client.created"
    assert payload["id"] == received.headers["webhook-id"]
    assert payload["data"]["id"] == amina.id
    assert payload["data"]["phone"] == "+212612345678"
    with pytest.raises(Exception, match="signature"):
        Webhook(new_secret()).verify(received.body, received.headers)
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)


def test_a_500_is_retried_after_the_backoff(endpoint, receiver, factories):
    factories.client("Amina", "Bennani")
    receiver.answer(500)
    t0 = utcnow()
    assert deliver_due(db.session, now=t0).delivered == 0
    [delivery] = deliveries()
    assert (delivery.status, delivery.last_status_code, delivery.attempts) == ("pending", 500, 1)
    assert delivery.next_attempt_at == t0 + backoff(1, 10, 7200)
    assert deliver_due(db.session, now=t0 + timedelta(seconds=5)).attempts == 0  # not due yet
    assert deliver_due(db.session, now=t0 + timedelta(seconds=11)).delivered == 1
    codes = db.session.scalars(select(WebhookAttempt.status_code).order_by(WebhookAttempt.id)).all()
    assert codes == [500, 200]
    assert [r.status for r in receiver.requests] == [500, 200]
    assert receiver.requests[0].headers["webhook-id"] == receiver.requests[1].headers["webhook-id"]


def test_a_timeout_is_retried(endpoint, receiver, factories):
    factories.client("Amina", "Bennani")
    receiver.answer(200, delay=1.5)  # longer than WEBHOOKS_TIMEOUT = 0.5 s
    t0 = utcnow()
    assert deliver_due(db.session, now=t0).delivered == 0
    [delivery] = deliveries()
    assert delivery.status == "pending" and delivery.last_status_code is None
    assert "Timeout" in delivery.last_error
    assert deliver_due(db.session, now=t0 + timedelta(minutes=1)).delivered == 1
    attempts = db.session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)).all()
    assert [a.status_code for a in attempts] == [None, 200]
    assert "Timeout" in attempts[0].error


def test_event_n_plus_1_waits_until_event_n_is_acknowledged(endpoint, receiver, factories):
    amina = factories.client("Amina", "Bennani")
    amina.phone = "0611111111"
    db.session.commit()
    receiver.answer(500)
    t0 = utcnow()
    report = deliver_due(db.session, now=t0)
    assert report.attempts == 1  # the update was held back behind the failed creation
    assert [r.payload["type"] for r in receiver.requests] == ["client.created"]
    deliver_due(db.session, now=t0 + timedelta(minutes=1))
    assert [r.payload["type"] for r in receiver.acknowledged] == ["client.created", "client.updated"]


def test_a_receiver_down_for_an_hour_gets_everything_afterwards_in_order(endpoint, receiver, factories):
    receiver.stop()
    amina = factories.client("Amina", "Bennani")
    karim = factories.client("Karim", "Alaoui")
    t0 = utcnow()
    for minutes in range(0, 61, 5):  # an hour of outage, the worker trying every 5 minutes
        if minutes == 20:
            amina.phone = "0611111111"
            db.session.commit()
            factories.order(amina, reference="CMD-DOWN-1")
            karim.is_active = False
            db.session.commit()
        deliver_due(db.session, now=t0 + timedelta(minutes=minutes))
    assert receiver.requests == []
    assert all(d.status == "pending" for d in deliveries())
    receiver.start()
    for minutes in range(65, 6 * 60, 5):
        deliver_due(db.session, now=t0 + timedelta(minutes=minutes))
    assert all(d.status == "delivered" for d in deliveries())
    sent = [(r.payload["type"], r.payload["data"]["id"]) for r in receiver.acknowledged]
    order_id = db.session.scalar(select(Order.id).where(Order.reference == "CMD-DOWN-1"))
    assert [e for e in sent if e in {("client.created", amina.id), ("client.updated", amina.id)}] == [
        ("client.created", amina.id),
        ("client.updated", amina.id),
    ]
    assert sent.index(("client.updated", amina.id)) < sent.index(("order.created", order_id))
    assert sent.index(("client.created", karim.id)) < sent.index(("client.status_changed", karim.id))
    ids = [r.headers["webhook-id"] for r in receiver.acknowledged]
    assert len(ids) == len(set(ids)) == 5
    assert db.session.scalar(select(WebhookEndpoint.active)) is True


def test_nothing_is_delivered_twice_once_acknowledged(endpoint, receiver, factories):
    factories.client("Amina", "Bennani")
    factories.client("Karim", "Alaoui")
    t0 = utcnow()
    assert deliver_due(db.session, now=t0).delivered == 2
    for hours in (1, 24, 48):
        assert deliver_due(db.session, now=t0 + timedelta(hours=hours)).attempts == 0
    assert len(receiver.requests) == 2


def test_an_endpoint_failing_past_the_window_is_disabled_and_the_admins_told(
    endpoint, receiver, factories, admin_user
):
    receiver.plan.always = 503
    amina = factories.client("Amina", "Bennani")
    amina.phone = "0611111111"
    db.session.commit()
    t0 = utcnow()
    for hours in range(0, 26):
        deliver_due(db.session, now=t0 + timedelta(hours=hours))
    first, second = deliveries()
    assert first.status == "failed" and second.status == "pending"  # never sent ahead of the first
    assert second.attempts == 0
    db.session.refresh(endpoint)
    assert endpoint.active is False and "échecs continus" in endpoint.disabled_reason
    note = db.session.scalars(select(Notification).where(Notification.user_id == admin_user.id)).all()
    assert [n.kind for n in note if n.kind == "webhook_disabled"] == ["webhook_disabled"]
    # Nothing goes to a disabled endpoint; re-enabled and "Renvoyer", both go, in order.
    assert deliver_due(db.session, now=t0 + timedelta(hours=30)).attempts == 0
    receiver.plan.always = None
    endpoint.active, endpoint.failing_since = True, None
    assert resend(db.session, [first.id], now=t0 + timedelta(hours=31)) == 1
    db.session.commit()
    deliver_due(db.session, now=t0 + timedelta(hours=31))
    assert [r.payload["type"] for r in receiver.acknowledged] == ["client.created", "client.updated"]


def test_an_endpoint_resolving_to_a_private_address_is_not_called(endpoint, receiver, factories, hooks_app):
    hooks_app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    factories.client("Amina", "Bennani")
    deliver_due(db.session)
    [delivery] = deliveries()
    assert receiver.requests == []
    assert delivery.status == "pending" and "adresse interne" in delivery.last_error


def test_deliveries_run_in_parallel_batches_without_losing_any(endpoint, receiver, factories, hooks_app):
    hooks_app.config["WEBHOOKS_BATCH_SIZE"] = 7
    for n in range(30):
        factories.client("Client", f"N{n}")
    report = deliver_due(db.session)
    assert (report.attempts, report.delivered) == (30, 30)
    assert (
        db.session.scalar(
            select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.status == "delivered")
        )
        == 30
    )
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 30


def test_a_clients_backlog_goes_in_one_run_in_order(endpoint, receiver, factories, hooks_app):
    hooks_app.config["WEBHOOKS_BATCH_SIZE"] = 5
    amina = factories.client("Amina", "Bennani")
    for n in range(12):
        amina.address = f"{n} rue de Fès"
        db.session.commit()
    assert deliver_due(db.session).delivered == 13
    addresses = [r.payload["data"]["address"] for r in receiver.acknowledged]
    assert addresses[1:] == [f"{n} rue de Fès" for n in range(12)]


def test_a_chain_stops_at_its_first_failure(endpoint, receiver, factories):
    amina = factories.client("Amina", "Bennani")
    for n in range(4):
        amina.address = f"{n} rue de Fès"
        db.session.commit()
    receiver.answer(200, 200, 500)
    t0 = utcnow()
    report = deliver_due(db.session, now=t0)
    assert (report.attempts, report.delivered) == (3, 2)
    assert [d.attempts for d in deliveries()] == [1, 1, 1, 0, 0]
    deliver_due(db.session, now=t0 + timedelta(minutes=1))
    assert [r.payload["data"]["address"] for r in receiver.acknowledged][2:] == [
        f"{n} rue de Fès" for n in range(1, 4)
    ]


def test_an_order_linked_waits_for_its_creation_held_in_another_chain(endpoint, receiver, factories):
    receiver.answer(500)
    guest = factories.order(None, reference="CMD-G")
    t0 = utcnow()
    deliver_due(db.session, now=t0)  # order.created fails once
    amina = factories.client("Amina", "Bennani")
    guest.client_id = amina.id
    db.session.commit()
    deliver_due(db.session, now=t0 + timedelta(seconds=1))
    assert [r.payload["type"] for r in receiver.acknowledged] == ["client.created"]
    deliver_due(db.session, now=t0 + timedelta(minutes=1))
    assert [r.payload["type"] for r in receiver.acknowledged] == [
        "client.created",
        "order.created",
        "order.linked",
    ]
