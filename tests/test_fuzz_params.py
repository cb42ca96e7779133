"""Fuzz every query parameter of every page and JSON endpoint: never a 500.

Hostile values (any text, NUL bytes, huge and negative numbers, unicode digits, very long
strings) go into each parameter the pages read, and into the ids in their paths. Each page
answers as documented: the client list shows a message and falls back (200), the JSON API
says 400 for bad paging and 404 for an unknown client, the admin lists fall back to their
defaults (200), an unknown id on an admin page redirects to the list (302).
In tests an unexpected exception propagates, so any crash fails the example.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from yoozak.extensions import db

HUGE = ["9" * 30, "-" + "9" * 30, str(2**63), str(2**63 - 1), str(-(2**63)), str(2**31), "1e308"]
NASTY = [
    "",
    " ",
    "0",
    "-1",
    "+1",
    "1.5",
    "0x10",
    "nan",
    "inf",
    "\x00",
    "a\x00b",
    "١٢٣",  # Arabic-Indic digits: str.isdigit() says yes, int() agrees, the DB must too
    "²",  # a digit for isdigit(), not for int()
    "%",
    "_",
    "\\",
    "'; DROP TABLE clients;--",
    '"><script>alert(1)</script>',
    "\ud7ff\U0010ffff",
    "🙂" * 300,
    "x" * 5000,
    "desc",
    "-created_at",
    "true",
]
VALUES = st.one_of(
    st.sampled_from(HUGE + NASTY),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.text(max_size=40),
)
# Ids of no client: 0, beyond 32 and 64 bits, or just far past the few the tests create.
PATH_IDS = st.one_of(
    st.sampled_from(["0", "00", HUGE[0], str(2**63), str(2**63 - 1), str(2**31)]),
    st.integers(10**6, 10**20).map(str),
)

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def params_of(keys: list[str]):
    """Return a strategy of query strings over `keys` (plus one unknown key)."""
    return st.dictionaries(st.sampled_from([*keys, "zzz"]), VALUES, max_size=len(keys) + 1)


def get(client, path: str, params: dict[str, str]):
    """GET a path with parameters, returning the status code."""
    response = client.get(path, query_string=params)
    response.close()
    return response.status_code


@pytest.fixture
def shop(factories):
    """Two clients, some orders: enough for each page to render rows."""
    amine = factories.client("Amine", "Bénani", phone="0612345678")
    factories.client("Youssef", "Alaoui", is_active=False)
    for i in range(3):
        factories.order(amine, reference=f"YZ-{i}")
    factories.order(None, reference="YZ-GUEST")
    return amine


def test_client_list(admin_client, shop):
    @FUZZ
    @given(params_of(["q", "status", "period", "sort", "page", "per_page"]))
    def check(params):
        assert get(admin_client, "/client/", params) == 200

    check()


def test_client_page_and_its_history(admin_client, shop):
    @FUZZ
    @given(params_of(["page"]), PATH_IDS)
    def check(params, client_id):
        assert get(admin_client, f"/client/{shop.id}/", params) == 200
        assert get(admin_client, f"/client/{client_id}/", params) == 404

    check()


def test_orders_api(admin_client, shop):
    @FUZZ
    @given(params_of(["page", "per_page"]), PATH_IDS)
    def check(params, client_id):
        response = admin_client.get(f"/client/api/{shop.id}/orders/", query_string=params)
        assert response.status_code in (200, 400)
        body = response.get_json()
        assert (body["total"] == 3) if response.status_code == 200 else ("pagination" in body["error"])
        assert get(admin_client, f"/client/api/{client_id}/orders/", params) in (400, 404)

    check()


def test_stats_api_ignores_parameters(admin_client, shop):
    @FUZZ
    @given(params_of(["refresh", "since"]))
    def check(params):
        assert get(admin_client, "/client/api/stats/", params) == 200

    check()


def test_toggle_status_with_hostile_ids(admin_client, auth, shop):
    token = auth.csrf_token("/client/")

    @FUZZ
    @given(PATH_IDS, params_of(["is_active"]))
    def check(client_id, params):
        response = admin_client.post(
            f"/client/api/{client_id}/toggle-status/", query_string=params, headers={"X-CSRFToken": token}
        )
        assert response.status_code == 404
        assert "introuvable" in response.get_json()["error"]

    check()


ADMIN_LISTS = ["client_admin", "order_admin", "user_admin", "linkrun_admin", "review_admin"]


def filter_args(app, endpoint: str) -> list[str]:
    """Return every `flt<n>_<arg>` key of an admin list view's filters."""
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == endpoint)
    return [f"flt{n}_{arg}" for n, arg in enumerate(view._filter_args or {})]


@pytest.mark.parametrize("endpoint", ADMIN_LISTS)
def test_admin_lists(app, admin_client, shop, endpoint):
    keys = ["sort", "desc", "search", "page", "page_size", *filter_args(app, endpoint)]

    @FUZZ
    @given(params_of(keys))
    def check(params):
        assert get(admin_client, f"/admin/{endpoint}/", params) == 200

    check()


@pytest.mark.parametrize("endpoint", ADMIN_LISTS)
def test_admin_details_and_edit_ids(admin_client, shop, endpoint):
    @FUZZ
    @given(VALUES, VALUES)
    def check(record_id, url):
        for page in ("details", "edit"):
            status = get(admin_client, f"/admin/{endpoint}/{page}/", {"id": record_id, "url": url})
            if any(ord(ch) < 32 for ch in url):
                assert status == 400  # a return address that cannot go in a Location header
            else:
                assert status in (200, 302)  # the record, or back to the list when unknown

    check()


def test_login_next(client, shop):
    @FUZZ
    @given(params_of(["next"]))
    def check(params):
        assert get(client, "/auth/login", params) == 200

    check()


def test_admin_batch_action_with_hostile_row_ids(admin_client, auth, shop):
    token = auth.csrf_token("/admin/client_admin/")

    @FUZZ
    @given(
        st.lists(VALUES, min_size=1, max_size=5), st.sampled_from(["activate", "deactivate", "nope"]), VALUES
    )
    def check(ids, action, url):
        data = {"csrf_token": token, "action": action, "rowid": ids, "url": url}
        response = admin_client.post("/admin/client_admin/action/", data=data)
        response.close()
        assert response.status_code in (302, 400)

    check()


def test_review_decision_with_hostile_choices(admin_client, auth, shop):
    token = auth.csrf_token("/admin/review_admin/")

    @FUZZ
    @given(VALUES, PATH_IDS)
    def check(choice, item_id):
        response = admin_client.post(
            f"/admin/review_admin/resolve/{item_id}", data={"csrf_token": token, "client_id": choice}
        )
        response.close()
        assert response.status_code in (302, 404)

    check()


FORMS = {
    "order_admin": (
        {"reference": "YZ-0", "client_name": "Amine", "price": "10.00", "status": "confirmed"},
        ["reference", "client_name", "email", "phone", "city", "price", "status", "created_at", "client"],
    ),
    "client_admin": ({"phone": "0612345678"}, ["user", "phone", "address", "company_name", "is_active"]),
    "user_admin": (
        {"email": "amine@example.com", "username": "amine"},
        ["email", "username", "first_name", "last_name", "is_admin", "password"],
    ),
}


@pytest.mark.parametrize("endpoint", list(FORMS))
def test_admin_forms_with_hostile_values(admin_client, auth, shop, endpoint):
    from yoozak.models import Order

    record_id = {
        "order_admin": db.session.scalar(select(Order.id).where(Order.reference == "YZ-0")),
        "client_admin": shop.id,
        "user_admin": shop.user_id,
    }[endpoint]
    base, names = FORMS[endpoint]
    token = auth.csrf_token(f"/admin/{endpoint}/edit/?id={record_id}")

    @FUZZ
    @given(st.dictionaries(st.sampled_from(names), VALUES, min_size=1, max_size=3))
    def check(fields):
        data = {**base, **fields, "csrf_token": token}
        for url in (f"/admin/{endpoint}/edit/?id={record_id}", f"/admin/{endpoint}/new/"):
            response = admin_client.post(url, data=data)
            response.close()
            assert response.status_code in (200, 302)  # the form with its messages, or saved
        db.session.rollback()

    check()
