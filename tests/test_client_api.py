"""The JSON API of the client pages: shapes, pagination, toggle, CSRF, access and errors."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import USER_PASSWORD
from yoozak.clients.services import client_stats
from yoozak.extensions import db
from yoozak.models import Client
from yoozak.timeutil import utcnow

STATS_KEYS = {
    "total_clients",
    "active_clients",
    "inactive_clients",
    "new_today",
    "new_7_days",
    "new_30_days",
    "total_orders",
    "linked_orders",
    "unlinked_orders",
}
ORDER_KEYS = {"id", "reference", "status", "price", "created_at", "link_method"}


@pytest.fixture
def shop(factories):
    """Three clients, one inactive; five orders, one of them a guest's."""
    now = utcnow()
    amine = factories.client("Amine", "Benani", created_at=now - timedelta(seconds=1))
    salma = factories.client("Salma", "Idrissi", created_at=now - timedelta(days=5))
    old = factories.client("Old", "Client", created_at=now - timedelta(days=60), is_active=False)
    for i in range(3):
        factories.order(amine, reference=f"A-{i}", created_at=now - timedelta(days=i + 1))
    factories.order(salma, reference="S-0", status="cancelled")
    factories.order(None, reference="G-0")
    return {"amine": amine, "salma": salma, "old": old}


def csrf(admin_client) -> str:
    import re

    html = admin_client.get("/client/?per_page=1").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


# --------------------------------------------------------------------------- stats


def test_stats_shape_and_values(admin_client, shop):
    response = admin_client.get("/client/api/stats/")
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    # amine: 3 confirmed orders (Fidèle); salma: one cancelled, created 5 days ago (Nouveau).
    segments = body.pop("segments")
    assert segments == {
        "vip": 0,
        "loyal": 1,
        "occasional": 0,
        "new": 1,
        "at_risk": 0,
        "inactive": 0,
        "none": 1,
    }
    assert set(body) == STATS_KEYS
    assert body == {
        "total_clients": 3,
        "active_clients": 2,
        "inactive_clients": 1,
        "new_today": 1,
        "new_7_days": 2,
        "new_30_days": 2,
        "total_orders": 5,
        "linked_orders": 4,
        "unlinked_orders": 1,
    }


def test_stats_on_an_empty_database(app):
    assert client_stats(db.session) == dict.fromkeys(STATS_KEYS, 0)


def test_stats_is_one_statement(app, shop, count_queries):
    with count_queries() as counter:
        client_stats(db.session)
    assert counter.count == 1


# --------------------------------------------------------------------------- orders


def test_orders_shape(admin_client, shop):
    amine = shop["amine"]
    body = admin_client.get(f"/client/api/{amine.id}/orders/").get_json()
    assert {"client_id", "total", "page", "pages", "orders"} <= set(body)
    assert (body["client_id"], body["total"], body["page"], body["pages"]) == (amine.id, 3, 1, 1)
    assert [o["reference"] for o in body["orders"]] == ["A-0", "A-1", "A-2"]  # newest first
    first = body["orders"][0]
    assert set(first) == ORDER_KEYS
    assert first["status"] == "confirmed"
    assert first["price"] == "100.00"
    assert first["link_method"] == "manual"
    assert first["created_at"].endswith("Z")


def test_orders_pagination(admin_client, shop):
    amine = shop["amine"]
    page2 = admin_client.get(f"/client/api/{amine.id}/orders/?per_page=2&page=2").get_json()
    assert (page2["total"], page2["page"], page2["pages"]) == (3, 2, 2)
    assert [o["reference"] for o in page2["orders"]] == ["A-2"]
    past_end = admin_client.get(f"/client/api/{amine.id}/orders/?per_page=2&page=9").get_json()
    assert past_end["page"] == 2  # a page past the end answers the last page


def test_orders_of_a_client_without_orders(admin_client, shop):
    body = admin_client.get(f"/client/api/{shop['old'].id}/orders/").get_json()
    assert (body["total"], body["page"], body["pages"], body["orders"]) == (0, 1, 1, [])


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page=abc",
        "page=1.5",
        "per_page=0",
        "per_page=101",
        "per_page=x",
        "page=99999999999999999999",
        "page=²",
        "per_page=٣",
    ],
)
def test_orders_invalid_paging_is_a_400_with_a_message(admin_client, shop, query):
    response = admin_client.get(f"/client/api/{shop['amine'].id}/orders/?{query}")
    assert response.status_code == 400 and response.is_json
    body = response.get_json()
    assert body["status"] == 400 and "pagination" in body["error"]


def test_orders_of_an_unknown_client_is_a_404(admin_client):
    response = admin_client.get("/client/api/424242/orders/")
    assert response.status_code == 404
    assert response.get_json()["error"] == "Client 424242 introuvable."


def test_orders_queries_are_constant_whatever_per_page(admin_client, factories, count_queries):
    busy = factories.client("Busy", "Buyer")
    for _ in range(30):
        factories.order(busy)
    counts = []
    for per_page in (1, 10, 100):
        with count_queries() as counter:
            assert admin_client.get(f"/client/api/{busy.id}/orders/?per_page={per_page}").status_code == 200
        counts.append(counter.count)
    assert len(set(counts)) == 1, counts


# --------------------------------------------------------------------------- toggle


def test_toggle_flips_and_flips_back(admin_client, shop):
    amine = shop["amine"]
    token = csrf(admin_client)
    url = f"/client/api/{amine.id}/toggle-status/"
    first = admin_client.post(url, headers={"X-CSRFToken": token})
    assert first.status_code == 200
    assert first.get_json()["success"] is True and first.get_json()["is_active"] is False
    db.session.expire_all()
    assert db.session.get(Client, amine.id).is_active is False
    assert admin_client.get("/client/api/stats/").get_json()["inactive_clients"] == 2
    second = admin_client.post(url, headers={"X-CSRFToken": token}).get_json()
    assert second == {"success": True, "is_active": True, "client_id": amine.id, "message": "Client activé."}
    db.session.expire_all()
    assert db.session.get(Client, amine.id).is_active is True


def test_toggle_shows_on_the_pages(admin_client, shop):
    amine = shop["amine"]
    admin_client.post(f"/client/api/{amine.id}/toggle-status/", headers={"X-CSRFToken": csrf(admin_client)})
    html = admin_client.get(f"/client/{amine.id}/").get_data(as_text=True)
    assert "Inactif" in html and ">Activer<" in html
    listing = admin_client.get("/client/?status=inactive").get_data(as_text=True)
    assert f'data-client-id="{amine.id}"' in listing


@pytest.mark.parametrize("headers", [{}, {"X-CSRFToken": "forged"}, {"X-CSRFToken": ""}])
def test_toggle_without_a_valid_csrf_token_is_a_400(admin_client, shop, headers):
    amine = shop["amine"]
    response = admin_client.post(f"/client/api/{amine.id}/toggle-status/", headers=headers)
    assert response.status_code == 400 and response.is_json
    assert "CSRF" in response.get_json()["error"]
    db.session.expire_all()
    assert db.session.get(Client, amine.id).is_active is True


def test_toggle_token_in_the_form_body_is_not_needed_but_the_header_is(admin_client, shop):
    # The header is the one documented channel; a form field works too (Flask-WTF reads both).
    response = admin_client.post(
        f"/client/api/{shop['amine'].id}/toggle-status/", data={"csrf_token": csrf(admin_client)}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_toggle_is_post_only(admin_client, shop, method):
    response = getattr(admin_client, method)(f"/client/api/{shop['amine'].id}/toggle-status/")
    assert response.status_code in (405, 400)  # 400: CSRFProtect checks PUT/DELETE first
    assert response.is_json and "error" in response.get_json()
    assert admin_client.get(f"/client/api/{shop['amine'].id}/toggle-status/").status_code == 405


def test_toggle_unknown_client_is_a_404(admin_client):
    response = admin_client.post(
        "/client/api/424242/toggle-status/", headers={"X-CSRFToken": csrf(admin_client)}
    )
    assert response.status_code == 404 and response.get_json()["error"] == "Client 424242 introuvable."


# --------------------------------------------------------------------------- access


API_GETS = ["/client/api/stats/", "/client/api/{id}/orders/"]


@pytest.mark.parametrize("path", API_GETS)
def test_anonymous_gets_401_json(client, shop, path):
    response = client.get(path.format(id=shop["amine"].id))
    assert response.status_code == 401 and response.is_json
    assert response.get_json()["error"]


def test_anonymous_toggle_gets_401_json(client, auth, shop):
    token = auth.csrf_token("/auth/login")
    response = client.post(f"/client/api/{shop['amine'].id}/toggle-status/", headers={"X-CSRFToken": token})
    assert response.status_code == 401 and response.is_json


@pytest.mark.parametrize("path", API_GETS)
def test_non_admin_gets_403_json(client, auth, plain_user, shop, path):
    assert auth.login(plain_user.email, USER_PASSWORD).status_code == 302
    response = client.get(path.format(id=shop["amine"].id))
    assert response.status_code == 403 and response.is_json


def test_non_admin_cannot_toggle(client, auth, plain_user, shop):
    assert auth.login(plain_user.email, USER_PASSWORD).status_code == 302
    token = auth.csrf_token("/client/")  # the 403 page carries the session's token too
    response = client.post(f"/client/api/{shop['amine'].id}/toggle-status/", headers={"X-CSRFToken": token})
    assert response.status_code == 403 and response.is_json
    db.session.expire_all()
    assert db.session.get(Client, shop["amine"].id).is_active is True


def test_unknown_api_path_is_a_json_404(admin_client):
    response = admin_client.get("/client/api/nothing/")
    assert response.status_code == 404 and response.is_json
