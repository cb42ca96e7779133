"""Webhook admin: endpoints with URL checks and a secret shown once; deliveries with "Renvoyer"."""

from __future__ import annotations

import re
import socket

import pytest
from sqlalchemy import select

from yoozak.extensions import db
from yoozak.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from yoozak.webhooks import urls
from yoozak.webhooks.signing import new_secret
from yoozak.webhooks.urls import UnsafeURL, check_webhook_url

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PUBLIC_IP = "203.0.113.10"  # documentation range, stands for a public host here


def fake_dns(mapping: dict[str, str]):
    def getaddrinfo(host, port, *args, **kwargs):
        if host in mapping:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (mapping[host], port))]
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        except OSError:
            raise socket.gaierror(f"unknown host {host}") from None
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (host, port))]

    return getaddrinfo


@pytest.fixture
def dns(monkeypatch):
    """Resolve crm.example.com to a public address and internal.example.com to a private one."""
    monkeypatch.setattr(
        urls.socket,
        "getaddrinfo",
        fake_dns({"crm.example.com": "93.184.216.34", "internal.example.com": "10.1.2.3"}),
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost.localdomain.invalid/hook",
        "https://10.0.0.5/hook",
        "https://192.168.1.20/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://internal.example.com/hook",
        "https://0.0.0.0/hook",
        "ftp://crm.example.com/hook",
        "http://crm.example.com/hook",
        "https://user:pw@crm.example.com/hook",
        "https:///nohost",
        "not a url",
    ],
)
def test_unsafe_urls_are_refused_in_production(dns, url):
    with pytest.raises(UnsafeURL):
        check_webhook_url(url, allow_http=False, allow_private=False)


def test_a_public_https_url_is_accepted(dns):
    assert check_webhook_url(" https://crm.example.com/hook ", allow_http=False, allow_private=False) == (
        "https://crm.example.com/hook"
    )


def test_private_addresses_pass_only_when_allowed(dns):
    assert check_webhook_url("http://127.0.0.1:8000/x", allow_http=True, allow_private=True)
    with pytest.raises(UnsafeURL, match="adresse interne"):
        check_webhook_url("http://127.0.0.1:8000/x", allow_http=True, allow_private=False)


def form_token(admin_client, path: str) -> str:
    return TOKEN.search(admin_client.get(path).get_data(as_text=True)).group(1)


def create(admin_client, url: str, events=("client.created", "order.linked")):
    token = form_token(admin_client, "/admin/webhook-endpoints/new/")
    data = {"csrf_token": token, "url": url, "description": "CRM", "events": list(events), "active": "y"}
    return admin_client.post("/admin/webhook-endpoints/new/", data=data, follow_redirects=True)


def test_an_admin_creates_an_endpoint_and_sees_its_secret_once(admin_client, dns):
    response = create(admin_client, "https://crm.example.com/hook")
    html = response.get_data(as_text=True)
    endpoint = db.session.scalars(select(WebhookEndpoint)).one()
    assert endpoint.events == ["client.created", "order.linked"] and endpoint.active
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in html
    for path in ("/admin/webhook-endpoints/", f"/admin/webhook-endpoints/details/?id={endpoint.id}"):
        assert endpoint.secret not in admin_client.get(path).get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "events", "message"),
    [
        ("https://internal.example.com/hook", ["client.created"], "adresse interne"),
        ("https://127.0.0.1/hook", ["client.created"], "adresse interne"),
        ("ftp://crm.example.com/hook", ["client.created"], "http(s)"),
        ("https://crm.example.com/hook", [], "au moins un événement"),
        ("https://crm.example.com/hook", ["client.deleted"], "valid choice"),
    ],
)
def test_invalid_endpoints_are_refused_with_a_message(admin_client, dns, url, events, message):
    html = create(admin_client, url, events).get_data(as_text=True)
    assert message in html
    assert db.session.scalars(select(WebhookEndpoint)).all() == []


def test_re_enabling_an_endpoint_forgets_its_failures(admin_client, dns):
    endpoint = WebhookEndpoint(
        url="https://crm.example.com/hook", events=["client.created"], secret=new_secret(), active=False
    )
    endpoint.disabled_reason = "Désactivé automatiquement"
    db.session.add(endpoint)
    db.session.commit()
    path = f"/admin/webhook-endpoints/edit/?id={endpoint.id}"
    data = {
        "csrf_token": form_token(admin_client, path),
        "url": endpoint.url,
        "description": "",
        "events": ["client.created"],
        "active": "y",
    }
    assert admin_client.post(path, data=data).status_code == 302
    db.session.refresh(endpoint)
    assert endpoint.active and endpoint.disabled_reason is None and endpoint.failing_since is None


@pytest.fixture
def failed_delivery(app, factories):
    app.config.update(WEBHOOKS_DELIVER_ON_COMMIT=False)
    endpoint = WebhookEndpoint(url="http://127.0.0.1:9/x", events=["client.created"], secret=new_secret())
    db.session.add(endpoint)
    db.session.commit()
    factories.client("Amina", "Bennani")
    delivery = db.session.scalars(select(WebhookDelivery)).unique().one()
    delivery.status, delivery.attempts, delivery.last_status_code = "failed", 1, 500
    db.session.add(WebhookAttempt(delivery_id=delivery.id, status_code=500, duration_ms=12, error="HTTP 500"))
    db.session.commit()
    return delivery


def test_the_delivery_page_shows_attempts_and_payload(admin_client, failed_delivery):
    html = admin_client.get(f"/admin/webhook-deliveries/details/?id={failed_delivery.id}").get_data(
        as_text=True
    )
    assert 'data-test="attempts"' in html and "HTTP 500" in html
    assert "client.created" in html and "Amina" in html
    listing = admin_client.get("/admin/webhook-deliveries/").get_data(as_text=True)
    assert "échec" in listing


def test_renvoyer_puts_the_delivery_back_in_the_queue(admin_client, failed_delivery):
    path = f"/admin/webhook-deliveries/details/?id={failed_delivery.id}"
    token = form_token(admin_client, path)
    response = admin_client.post(
        f"/admin/webhook-deliveries/resend/{failed_delivery.id}", data={"csrf_token": token}
    )
    assert response.status_code == 302
    db.session.refresh(failed_delivery)
    assert failed_delivery.status == "pending" and failed_delivery.first_attempt_at is None


def test_renvoyer_as_a_batch_action(admin_client, failed_delivery):
    html = admin_client.get("/admin/webhook-deliveries/").get_data(as_text=True)
    token = re.search(r'id="action_form".*?name="csrf_token"[^>]*value="([^"]+)"', html, re.S).group(1)
    data = {"action": "resend", "rowid": [str(failed_delivery.id)], "csrf_token": token}
    response = admin_client.post("/admin/webhook-deliveries/action/", data=data, follow_redirects=True)
    assert "1 livraison(s) remise(s) en file d&#39;envoi." in response.get_data(as_text=True)
    db.session.refresh(failed_delivery)
    assert failed_delivery.status == "pending"


def test_renvoyer_without_csrf_is_refused(admin_client, failed_delivery):
    assert admin_client.post(f"/admin/webhook-deliveries/resend/{failed_delivery.id}").status_code == 400
    assert (
        admin_client.post(
            "/admin/webhook-deliveries/action/", data={"action": "resend", "rowid": [str(failed_delivery.id)]}
        ).status_code
        == 400
    )
    db.session.refresh(failed_delivery)
    assert failed_delivery.status == "failed"


def test_deliveries_cannot_be_edited_or_created(admin_client, failed_delivery):
    assert admin_client.get("/admin/webhook-deliveries/new/").status_code in (302, 403, 404)
    assert admin_client.get(f"/admin/webhook-deliveries/edit/?id={failed_delivery.id}").status_code in (
        302,
        403,
        404,
    )
