"""REST API clients: list (search, filters, sort, keyset pages), read, create, update, status, orders."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.api import assert_problem
from yoozak.api.schemas import ClientSchema, OrderSchema
from yoozak.clients.services import list_clients, parse_list_args
from yoozak.extensions import db
from yoozak.models import Client, Order, User
from yoozak.representations import client_resource, order_resource
from yoozak.timeutil import utcnow


@pytest.fixture
def people(factories):
    """Five clients created a day apart, one inactive, with orders for two of them."""
    now = utcnow()
    names = [
        ("Amine", "Benani"),
        ("Salma", "Idrissi"),
        ("Youssef", "Alaoui"),
        ("Khadija", "Tazi"),
        ("Omar", "Fassi"),
    ]
    clients = [
        factories.client(first, last, created_at=now - timedelta(days=i), is_active=(i != 2))
        for i, (first, last) in enumerate(names)
    ]
    factories.order(clients[1], price="300.00")
    factories.order(clients[3], price="120.00")
    factories.order(clients[3], price="80.00")
    return clients


def walk(api, url: str) -> list[dict]:
    """Follow `next` links from `url` and return every item."""
    items, seen = [], 0
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items.extend(body["items"])
        url = body["next"]
        seen += 1
        assert seen < 50
    return items


def test_schemas_dump_the_shared_representations_unchanged(app, people):
    client = db.session.get(Client, people[3].id)
    assert ClientSchema().dump(client_resource(client)) == client_resource(client)
    order = db.session.scalars(db.select(Order)).first()
    assert OrderSchema().dump(order_resource(order)) == order_resource(order)


def test_list_newest_first_with_the_shared_shape(api, people):
    response = api.get("/api/v1/clients")
    body = response.get_json()
    assert [c["id"] for c in body["items"]] == [c.id for c in people]
    assert body["next"] is None and body["limit"] == 25
    assert body["items"][0] == client_resource(db.session.get(Client, people[0].id))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=inactive", [2]),
        ("status=active", [0, 1, 3, 4]),
        ("q=tazi", [3]),
        ("q=khad%20taz", [3]),
        ("period=today", [0]),
        ("sort=name", [2, 0, 4, 1, 3]),
        ("sort=-orders", [3, 1, 4, 2, 0]),
        ("sort=-spent", [1, 3, 4, 2, 0]),
        ("sort=last_order", [1, 3, 0, 2, 4]),
        ("sort=created_at", [4, 3, 2, 1, 0]),
    ],
)
def test_list_filters_and_sorts_like_the_list_page(api, people, query, expected):
    items = walk(api, f"/api/v1/clients?{query}&limit=2")
    assert [c["id"] for c in items] == [people[i].id for i in expected]
    # The very order the list page shows for the same arguments.
    args = dict(part.split("=") for part in query.replace("%20", " ").split("&"))
    page = list_clients(db.session, parse_list_args(args | {"per_page": "100"}).params)
    assert [c["id"] for c in items] == [c.id for c in page.items]


def test_pages_follow_next_links_with_the_same_filters(api, people):
    first = api.get("/api/v1/clients?status=active&limit=3")
    body = first.get_json()
    assert len(body["items"]) == 3 and body["next"]
    assert "status=active" in body["next"] and first.headers["Link"] == f'<{body["next"]}>; rel="next"'
    rest = api.get(body["next"]).get_json()
    assert [c["id"] for c in rest["items"]] == [people[4].id] and rest["next"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=gone", "status"),
        ("sort=-email", "sort"),
        ("period=year", "period"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("page=2", "page"),
        ("per_page=10", "per_page"),
        ("cursor=forged", "cursor"),
        (f"q={'x' * 201}", "q"),
    ],
)
def test_invalid_or_unknown_parameters_are_400(api, people, query, field):
    assert_problem(api.get(f"/api/v1/clients?{query}"), 400, field)


def test_a_cursor_of_another_sort_is_refused(api, people):
    cursor = api.get("/api/v1/clients?limit=1").get_json()["next_cursor"]
    assert_problem(api.get(f"/api/v1/clients?sort=name&cursor={cursor}"), 400, "cursor")


def test_read_one_client_with_etag_and_304(api, people):
    response = api.get(f"/api/v1/clients/{people[0].id}")
    assert response.status_code == 200 and response.headers["ETag"]
    again = api.get(f"/api/v1/clients/{people[0].id}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_read_a_missing_client_is_404(api):
    assert_problem(api.get("/api/v1/clients/999"), 404)


def test_create_a_client(api, app):
    response = api.post(
        "/api/v1/clients",
        json={
            "email": "Nadia@Example.MA",
            "first_name": "Nadia",
            "last_name": "Chraibi",
            "phone": "0612345678",
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["email"] == "nadia@example.ma" and body["phone"] == "+212612345678"
    assert body["username"] == "nadia" and body["is_active"] is True
    assert response.headers["Location"] == f"/api/v1/clients/{body['id']}"
    assert api.get(response.headers["Location"]).get_json() == body


def test_create_refuses_a_duplicate_email_with_409(api, people):
    assert_problem(api.post("/api/v1/clients", json={"email": people[0].email}), 409)
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 6  # 5 clients + admin


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b.ma", "first_name": "x" * 151}, "first_name"),
        ({"email": "a@b.ma", "is_active": "maybe"}, "is_active"),
        ({"email": "a@b.ma", "password": "x"}, "password"),
    ],
)
def test_create_validates_the_body_with_422(api, body, field):
    assert_problem(api.post("/api/v1/clients", json=body), 422, field)


def test_bodies_must_be_json(api):
    response = api.open(
        "POST", "/api/v1/clients", data="email=a@b.ma", headers={"Content-Type": "text/plain"}
    )
    assert_problem(response, 415)
    response = api.open("POST", "/api/v1/clients", data="{", headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422) and response.mimetype == "application/problem+json"


def test_patch_needs_if_match(api, people):
    assert_problem(api.patch(f"/api/v1/clients/{people[0].id}", json={"first_name": "Amin"}), 428)


def test_patch_with_the_current_etag_updates(api, people):
    url = f"/api/v1/clients/{people[0].id}"
    etag = api.get(url).headers["ETag"]
    response = api.patch(
        url, json={"first_name": "Amin", "address": "12 rue Atlas"}, headers={"If-Match": etag}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["first_name"] == "Amin" and response.headers["ETag"] != etag
    assert db.session.get(Client, people[0].id).user.first_name == "Amin"


def test_a_stale_etag_never_overwrites_a_newer_update(api, people):
    url = f"/api/v1/clients/{people[0].id}"
    etag = api.get(url).headers["ETag"]
    assert api.patch(url, json={"last_name": "First"}, headers={"If-Match": etag}).status_code == 200
    assert_problem(api.patch(url, json={"last_name": "Second"}, headers={"If-Match": etag}), 412)
    assert db.session.get(Client, people[0].id).user.last_name == "First"


def test_patch_refuses_an_email_of_another_account(api, people):
    url = f"/api/v1/clients/{people[0].id}"
    etag = api.get(url).headers["ETag"]
    assert_problem(api.patch(url, json={"email": people[1].email}, headers={"If-Match": etag}), 409)


def test_patch_a_missing_client_is_404(api):
    assert_problem(api.patch("/api/v1/clients/999", json={}, headers={"If-Match": '"x"'}), 404)


def test_activate_and_deactivate_are_idempotent(api, people):
    url = f"/api/v1/clients/{people[0].id}"
    for _ in range(2):
        response = api.post(f"{url}/deactivate")
        assert response.status_code == 200 and response.get_json()["is_active"] is False
    assert api.post(f"{url}/activate").get_json()["is_active"] is True
    assert db.session.get(Client, people[0].id).is_active is True
    assert_problem(api.post("/api/v1/clients/999/activate"), 404)


def test_a_clients_orders_newest_first_in_pages(api, people, factories):
    now = utcnow()
    for i in range(5):
        factories.order(people[0], reference=f"P-{i}", created_at=now - timedelta(hours=i))
    items = walk(api, f"/api/v1/clients/{people[0].id}/orders?limit=2")
    assert [o["reference"] for o in items] == [f"P-{i}" for i in range(5)]
    assert_problem(api.get("/api/v1/clients/999/orders"), 404)


def test_two_concurrent_patches_with_the_same_etag_one_wins(app, api, people, monkeypatch):
    import threading
    import time

    from yoozak.api import clients as module

    url = f"/api/v1/clients/{people[0].id}"
    etag = api.get(url).headers["ETag"]
    check = module.blp.check_etag

    def slow_check(*args, **kwargs):
        check(*args, **kwargs)
        time.sleep(0.3)  # widen the window between the If-Match check and the write

    monkeypatch.setattr(module.blp, "check_etag", slow_check)
    statuses: dict[str, int] = {}

    def patch(name: str) -> None:
        with app.app_context():
            response = api.patch(url, json={"last_name": name}, headers={"If-Match": etag})
            statuses[name] = response.status_code

    threads = [threading.Thread(target=patch, args=(name,)) for name in ("First", "Second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses.values()) == [200, 412], statuses
    winner = next(name for name, status in statuses.items() if status == 200)
    assert db.session.get(Client, people[0].id).user.last_name == winner


def test_segment_filter_is_the_list_pages_and_each_client_says_its_segment(api, people):
    from yoozak.models.segments import SEGMENTS

    seen = set()
    for code in SEGMENTS:
        items = walk(api, f"/api/v1/clients?segment={code}&limit=2")
        page = list_clients(db.session, parse_list_args({"segment": code, "per_page": "100"}).params)
        assert [c["id"] for c in items] == [c.id for c in page.items]
        assert {c["segment"] for c in items} <= {code}
        seen |= {c["id"] for c in items}
    assert seen == {c.id for c in people}  # every client is in exactly one segment
    assert api.get("/api/v1/clients?segment=platinum").status_code == 400
