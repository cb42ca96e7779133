"""REST API orders, stats, link runs and the review queue; idempotent POSTs; keyset pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.api import assert_problem, issue
from yoozak.extensions import db
from yoozak.models import IdempotencyKey, LinkRun, Order, ReviewItem
from yoozak.timeutil import utcnow


def count_orders() -> int:
    return db.session.scalar(select(func.count()).select_from(Order))


def walk(api, url: str) -> list[dict]:
    items = []
    while url:
        body = api.get(url).get_json()
        items.extend(body["items"])
        url = body["next"]
    return items


@pytest.fixture
def book(factories):
    """Orders of every status and link method, a day apart; two guests' orders unlinked."""
    now = utcnow()
    amine = factories.client("Amine", "Benani", email="amine@example.ma")
    orders = [
        factories.order(amine, reference="O-0", status="confirmed", created_at=now - timedelta(days=1)),
        factories.order(amine, reference="O-1", status="pending", created_at=now - timedelta(days=2)),
        factories.order(None, reference="O-2", status="cancelled", created_at=now - timedelta(days=3)),
        factories.order(None, reference="O-3", status="pending", created_at=now - timedelta(days=4)),
    ]
    orders[1].link_method = "email"
    db.session.commit()
    return {"client": amine, "orders": orders, "now": now}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["O-0", "O-1", "O-2", "O-3"]),
        ("sort=created_at", ["O-3", "O-2", "O-1", "O-0"]),
        ("status=pending", ["O-1", "O-3"]),
        ("linked=true", ["O-0", "O-1"]),
        ("linked=false", ["O-2", "O-3"]),
        ("link_method=email", ["O-1"]),
        ("link_method=manual&status=confirmed", ["O-0"]),
    ],
)
def test_order_filters(api, book, query, expected):
    assert [o["reference"] for o in walk(api, f"/api/v1/orders?{query}&limit=1")] == expected


def test_order_date_filters(api, book):
    start = (book["now"] - timedelta(days=3, hours=1)).isoformat() + "Z"
    end = (book["now"] - timedelta(days=1, hours=1)).isoformat() + "Z"
    items = walk(api, f"/api/v1/orders?created_from={start}&created_to={end}")
    assert [o["reference"] for o in items] == ["O-1", "O-2"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost", "status"),
        ("linked=perhaps", "linked"),
        ("link_method=magic", "link_method"),
        ("created_from=yesterday", "created_from"),
        ("created_from=2026-02-01T00:00:00Z&created_to=2026-01-01T00:00:00Z", "created_from"),
        ("created_from=0001-01-01T00:00:00%2B14:00", "created_from"),
        ("sort=price", "sort"),
        ("city=Fes", "city"),
    ],
)
def test_bad_order_filters_are_400(api, book, query, field):
    assert_problem(api.get(f"/api/v1/orders?{query}"), 400, field)


def test_keyset_pages_are_stable_across_concurrent_inserts(api, factories, book):
    now = book["now"]
    first = api.get("/api/v1/orders?limit=2").get_json()
    assert [o["reference"] for o in first["items"]] == ["O-0", "O-1"]
    # New orders arrive between two page reads: newer than every row (on top) and one as
    # old as the page boundary (same created_at as O-1, a higher id).
    factories.order(None, reference="NEW-TOP", created_at=now)
    boundary = db.session.get(Order, book["orders"][1].id).created_at
    factories.order(None, reference="NEW-TIE", created_at=boundary)
    rest = walk(api, first["next"])
    # No row of the first listing is repeated or skipped; the tie sorts before O-1 (higher id
    # first, descending), so it belongs to a page already read and is not shown again.
    assert [o["reference"] for o in rest] == ["O-2", "O-3"]


def test_read_an_order_and_update_its_status_with_if_match(api, book):
    url = f"/api/v1/orders/{book['orders'][1].id}"
    response = api.get(url)
    etag = response.headers["ETag"]
    assert response.get_json()["status"] == "pending"
    assert_problem(api.patch(url, json={"status": "confirmed"}), 428)
    assert_problem(api.patch(url, json={"status": "confirmed"}, headers={"If-Match": '"stale"'}), 412)
    assert_problem(api.patch(url, json={"status": "shipped"}, headers={"If-Match": etag}), 422, "status")
    updated = api.patch(url, json={"status": "confirmed"}, headers={"If-Match": etag})
    assert updated.status_code == 200 and updated.get_json()["status"] == "confirmed"
    # The client's aggregates follow the new status.
    assert api.get(f"/api/v1/clients/{book['client'].id}").get_json()["confirmed_count"] == 2
    assert_problem(api.patch(url, json={"status": "cancelled"}, headers={"If-Match": etag}), 412)
    assert_problem(api.get("/api/v1/orders/999"), 404)


def test_a_created_order_is_linked_on_arrival(api, book):
    response = api.post(
        "/api/v1/orders",
        json={"reference": "WEB-1", "price": "249.90", "email": "AMINE@example.ma", "client_name": "Amine B"},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["client_id"] == book["client"].id and body["link_method"] == "email"
    assert body["price"] == "249.90" and body["status"] == "pending"
    assert response.headers["Location"] == f"/api/v1/orders/{body['id']}"
    run = db.session.scalars(select(LinkRun).order_by(LinkRun.id.desc())).first()
    assert run.examined == 1 and run.linked_email == 1


def test_an_order_no_rule_links_stays_unlinked(api, book):
    body = api.post(
        "/api/v1/orders", json={"reference": "WEB-2", "price": 10, "client_name": "Personne"}
    ).get_json()
    assert body["client_id"] is None and body["link_method"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"price": 10}, "reference"),
        ({"reference": "X"}, "price"),
        ({"reference": "X", "price": -1}, "price"),
        ({"reference": "X", "price": "abc"}, "price"),
        ({"reference": "X", "price": 10, "status": "lost"}, "status"),
        ({"reference": "X" * 65, "price": 10}, "reference"),
        ({"reference": "   ", "price": 10}, "reference"),
        ({"reference": "X", "price": 10, "client_id": 1}, "client_id"),
    ],
)
def test_order_create_validation(api, payload, field):
    assert_problem(api.post("/api/v1/orders", json=payload), 422, field)
    assert count_orders() == 0


def test_a_duplicate_reference_is_409(api, book):
    assert_problem(api.post("/api/v1/orders", json={"reference": "O-0", "price": 1}), 409)


# ----------------------------------------------------------------------------- idempotency


def test_a_retried_create_returns_the_first_result_and_creates_once(api, book):
    payload = {"reference": "IDEM-1", "price": 99, "email": "amine@example.ma"}
    headers = {"Idempotency-Key": "key-123"}
    first = api.post("/api/v1/orders", json=payload, headers=headers)
    again = api.post("/api/v1/orders", json=payload, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count_orders() == 5


def test_the_same_key_with_another_body_is_422(api, book):
    headers = {"Idempotency-Key": "key-9"}
    assert api.post("/api/v1/orders", json={"reference": "A", "price": 1}, headers=headers).status_code == 201
    assert_problem(api.post("/api/v1/orders", json={"reference": "B", "price": 1}, headers=headers), 422)
    assert count_orders() == 5


def test_a_concurrent_duplicate_is_409(app, client, book):
    from tests.support.api import ApiClient
    from yoozak.api.idempotency import fingerprint

    token, secret = issue(["orders:write"])
    api = ApiClient(client, secret)
    payload = {"reference": "C-1", "price": 1}
    with app.test_request_context("/api/v1/orders", method="POST", json=payload):
        fp = fingerprint()
    # The first request claimed the key and is still running.
    db.session.add(IdempotencyKey(token_id=token.id, key="busy", fingerprint=fp, response_headers={}))
    db.session.commit()
    assert_problem(api.post("/api/v1/orders", json=payload, headers={"Idempotency-Key": "busy"}), 409)
    assert count_orders() == 4


def test_keys_belong_to_their_token(app, client, book):
    from tests.support.api import ApiClient

    one, two = (ApiClient(client, issue(["orders:write"], name=n)[1]) for n in ("one", "two"))
    headers = {"Idempotency-Key": "shared"}
    assert (
        one.post("/api/v1/orders", json={"reference": "T-1", "price": 1}, headers=headers).status_code == 201
    )
    assert (
        two.post("/api/v1/orders", json={"reference": "T-2", "price": 1}, headers=headers).status_code == 201
    )


def test_a_failed_request_is_replayed_and_a_bad_key_refused(api, book):
    headers = {"Idempotency-Key": "dup"}
    first = api.post("/api/v1/orders", json={"reference": "O-0", "price": 1}, headers=headers)
    assert_problem(first, 409)
    assert (
        api.post("/api/v1/orders", json={"reference": "O-0", "price": 1}, headers=headers).get_json()
        == first.get_json()
    )
    assert_problem(
        api.post("/api/v1/orders", json={"reference": "Z", "price": 1}, headers={"Idempotency-Key": "a b"}),
        400,
    )


def test_idempotent_client_create(api):
    headers = {"Idempotency-Key": "client-1"}
    first = api.post("/api/v1/clients", json={"email": "new@example.ma"}, headers=headers)
    again = api.post("/api/v1/clients", json={"email": "new@example.ma"}, headers=headers)
    assert first.status_code == again.status_code == 201 and first.get_json() == again.get_json()


# ----------------------------------------------------------------------------- stats, runs, review


def test_stats(api, book):
    body = api.get("/api/v1/stats").get_json()
    assert body["total_clients"] == 1 and body["total_orders"] == 4
    assert body["linked_orders"] == 2 and body["unlinked_orders"] == 2
    from yoozak.clients.segments import segment_counts

    assert body["segments"] == segment_counts(db.session) and sum(body["segments"].values()) == 1


def test_link_runs(api, book):
    runs = [LinkRun(status="finished", examined=i) for i in range(3)]
    db.session.add_all(runs)
    db.session.commit()
    items = walk(api, "/api/v1/link-runs?limit=2")
    assert [r["id"] for r in items] == [r.id for r in reversed(runs)]
    one = api.get(f"/api/v1/link-runs/{runs[0].id}").get_json()
    assert one["examined"] == 0 and one["status"] == "finished"
    assert_problem(api.get("/api/v1/link-runs/999"), 404)


@pytest.fixture
def queue(book, factories):
    """One open review item proposing Amine and another client for a guest's order."""
    other = factories.client("Amina", "Benani")
    order = book["orders"][3]
    item = ReviewItem(
        order_id=order.id,
        reason="two clients share the name",
        candidates=[
            {"client_id": book["client"].id, "method": "name", "score": 0.91},
            {"client_id": other.id, "method": "name", "score": 0.9},
        ],
    )
    db.session.add(item)
    db.session.commit()
    return {"item": item, "order": order, "other": other, **book}


def test_review_queue_lists_open_items(api, queue):
    body = api.get("/api/v1/review-items").get_json()
    assert [i["id"] for i in body["items"]] == [queue["item"].id]
    assert body["items"][0]["order"]["reference"] == "O-3"
    assert api.get("/api/v1/review-items?state=resolved").get_json()["items"] == []
    assert api.get(f"/api/v1/review-items/{queue['item'].id}").get_json()["resolution"] is None
    assert_problem(api.get("/api/v1/review-items/999"), 404)


def test_resolve_a_review_item(api, queue, admin_user):
    url = f"/api/v1/review-items/{queue['item'].id}/resolve"
    assert_problem(api.post(url, json={"client_id": 12345}), 422, "client_id")
    assert_problem(api.post(url, json={}), 422, "client_id")
    response = api.post(url, json={"client_id": queue["other"].id})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["resolution"] == "linked"
    order = db.session.get(Order, queue["order"].id)
    assert order.client_id == queue["other"].id and order.link_method == "manual"
    item = db.session.get(ReviewItem, queue["item"].id)
    assert item.resolved_by_id == admin_user.id
    assert_problem(api.post(url, json={"client_id": None}), 409)
    assert_problem(api.post("/api/v1/review-items/999/resolve", json={"client_id": None}), 404)


def test_resolve_as_a_guest(api, queue):
    response = api.post(f"/api/v1/review-items/{queue['item'].id}/resolve", json={"client_id": None})
    assert response.get_json()["resolution"] == "guest"
    assert db.session.get(Order, queue["order"].id).link_method == "guest"


# ----------------------------------------------------------------------------- errors


def test_unknown_urls_and_methods_are_problems(api):
    assert_problem(api.get("/api/v1/nothing-here"), 404)
    assert_problem(api.get("/api/v2/clients"), 404)
    response = api.open("DELETE", "/api/v1/clients")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_an_unexpected_error_is_a_500_problem(database_url, monkeypatch):
    from tests.conftest import IsolatedClient, make_app
    from tests.support.api import ApiClient
    from yoozak.api import stats

    app = make_app(database_url, SHOW_ERROR_PAGES=True)
    app.test_client_class = IsolatedClient
    with app.app_context():
        _, secret = issue(["stats:read"])

        def boom(_session):
            raise RuntimeError("boom")

        monkeypatch.setattr(stats, "client_stats", boom)
        response = ApiClient(app.test_client(), secret).get("/api/v1/stats")
        body = assert_problem(response, 500)
        assert "boom" not in body["detail"]
        db.session.remove()
        db.engine.dispose()


def test_the_arrival_index_follows_new_and_edited_clients(api, book, factories, app):
    from yoozak.api.arrival import arrival_index

    def create(reference: str, email: str) -> dict:
        response = api.post("/api/v1/orders", json={"reference": reference, "price": 1, "email": email})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    assert create("AR-1", "amine@example.ma")["client_id"] == book["client"].id  # index built
    built = arrival_index()._cached.index
    # A client created after the index was built is added to it, not rebuilt.
    newcomer = factories.client("Nadia", "Chraibi", email="nadia@example.ma")
    assert create("AR-2", "nadia@example.ma")["client_id"] == newcomer.id
    assert arrival_index()._cached.index is built
    # An edited client (new e-mail) makes it rebuilt: its old keys must not link anything.
    book["client"].user.email = "amine.benani@example.ma"
    db.session.commit()
    assert create("AR-3", "amine.benani@example.ma")["client_id"] == book["client"].id
    assert arrival_index()._cached.index is not built
    assert create("AR-4", "amine@example.ma")["client_id"] is None
