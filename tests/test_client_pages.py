"""The client list and client pages: search, filters, sorts, paging, layout, access, errors."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import USER_PASSWORD
from yoozak.clients import services
from yoozak.clients.services import ClientListParams, list_clients, parse_list_args, search_condition
from yoozak.extensions import db
from yoozak.models import Client
from yoozak.timeutil import utcnow

ROW_IDS = re.compile(r'<tr data-client-id="(\d+)"')


def row_ids(response) -> list[int]:
    """Return the client ids of the list's rows, in page order."""
    assert response.status_code == 200, response.status_code
    return [int(i) for i in ROW_IDS.findall(response.get_data(as_text=True))]


@pytest.fixture
def people(factories):
    """Five clients with distinct names, phones, dates and aggregates."""
    now = utcnow()
    amine = factories.client(
        "Amine",
        "Bénani",
        email="amine.benani@gmail.test",
        username="amine_b",
        phone="+212612345678",
        address="12 rue de Fès, Casablanca",
        company_name="Atlas Chaussures",
        created_at=now - timedelta(seconds=1),
    )
    salma = factories.client(
        "Salma",
        "El Idrissi",
        email="salma@yahoo.test",
        phone="0698765432",
        address="Avenue Hassan II, Rabat",
        created_at=now - timedelta(days=3),
    )
    youssef = factories.client(
        "Youssef",
        "Alaoui",
        email="y.alaoui@outlook.test",
        phone="+33 7 55 44 33 22",
        address="Paris",
        company_name="Sahara Trading",
        created_at=now - timedelta(days=20),
        is_active=False,
    )
    khadija = factories.client(
        "Khadija",
        "Zerouali",
        email="khadija@gmail.test",
        phone=None,
        address="Marrakech",
        created_at=now - timedelta(days=90),
    )
    omar = factories.client(
        "Omar",
        "Chraibi",
        email="omar50@gmail.test",
        phone="0522 44 55 66",
        address="Résidence 50%, Tanger",
        created_at=now - timedelta(days=200),
        is_active=False,
    )
    # Aggregates: amine 3 orders / 300 confirmed, salma 1 / 900, youssef 2 / 0 (cancelled), others none.
    for days in (1, 2, 40):
        factories.order(amine, price="100.00", created_at=now - timedelta(days=days))
    factories.order(salma, price="900.00", created_at=now - timedelta(days=10))
    factories.order(youssef, price="500.00", status="cancelled", created_at=now - timedelta(days=100))
    factories.order(youssef, price="70.00", status="pending", created_at=now - timedelta(days=5))
    return {"amine": amine, "salma": salma, "youssef": youssef, "khadija": khadija, "omar": omar}


def ids_of(people, *names) -> list[int]:
    return [people[name].id for name in names]


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize("path", ["/client/", "/client/1/"])
def test_anonymous_visitor_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
    assert response.headers["Location"].replace("%2F", "/").endswith(f"next={path}")


def test_non_admin_gets_403_page_in_layout(client, auth, plain_user):
    assert auth.login(plain_user.email, USER_PASSWORD).status_code == 302
    response = client.get("/client/")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert 'data-status="403"' in html and "Accès refusé" in html
    assert "Gestion des clients" in html  # the shared navigation


# --------------------------------------------------------------------------- list page


def test_list_shows_each_row_formatted(admin_client, people):
    html = admin_client.get("/client/").get_data(as_text=True)
    row = html[html.index(f'data-client-id="{people["amine"].id}"') :]
    row = row[: row.index("</tr>")]
    assert "Amine Bénani" in row
    assert "amine.benani@gmail.test" in row
    assert "06 12 34 56 78" in row  # phone for humans
    assert "Atlas Chaussures" in row
    assert "Actif" in row
    assert "300,00\u00a0MAD" in row  # confirmed orders only, French format
    assert f'href="/client/{people["amine"].id}/"' in row
    assert 'data-test="toggle"' in row and "Désactiver" in row
    inactive = html[html.index(f'data-client-id="{people["youssef"].id}"') :]
    assert "Inactif" in inactive[: inactive.index("</tr>")]
    assert "Activer" in inactive[: inactive.index("</tr>")]


def test_list_says_how_money_is_counted(admin_client, people):
    html = admin_client.get("/client/").get_data(as_text=True)
    assert "total dépensé : commandes confirmées uniquement" in html


def test_stats_header(admin_client, people):
    html = admin_client.get("/client/").get_data(as_text=True)

    def stat(key):
        return re.search(rf'data-stat="{key}">([^<]+)<', html).group(1)

    assert stat("total_clients") == "5"
    assert stat("active_clients") == "3"
    assert stat("inactive_clients") == "2"
    assert stat("new_7_days") == "2"
    assert stat("new_30_days") == "3"


def test_default_sort_is_newest_first(admin_client, people):
    assert row_ids(admin_client.get("/client/")) == ids_of(
        people, "amine", "salma", "youssef", "khadija", "omar"
    )


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("created_at", ["omar", "khadija", "youssef", "salma", "amine"]),
        ("name", ["youssef", "amine", "omar", "salma", "khadija"]),  # last name: Alaoui, Bénani...
        ("-name", ["khadija", "salma", "omar", "amine", "youssef"]),
        ("-orders", ["amine", "youssef", "salma", "omar", "khadija"]),
        ("orders", ["khadija", "omar", "salma", "youssef", "amine"]),
        ("-spent", ["salma", "amine", "omar", "khadija", "youssef"]),
        ("spent", ["youssef", "khadija", "omar", "amine", "salma"]),
        ("-last_order", ["amine", "youssef", "salma", "omar", "khadija"]),
        ("last_order", ["salma", "youssef", "amine", "khadija", "omar"]),  # never ordered: last
    ],
)
def test_every_sort(admin_client, people, sort, expected):
    assert row_ids(admin_client.get(f"/client/?sort={sort}")) == ids_of(people, *expected)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("status=all", {"amine", "salma", "youssef", "khadija", "omar"}),
        ("status=active", {"amine", "salma", "khadija"}),
        ("status=inactive", {"youssef", "omar"}),
        ("period=today", {"amine"}),
        ("period=7d", {"amine", "salma"}),
        ("period=30d", {"amine", "salma", "youssef"}),
        ("period=all", {"amine", "salma", "youssef", "khadija", "omar"}),
        ("status=inactive&period=30d", {"youssef"}),
        ("status=active&period=30d&q=salma", {"salma"}),
    ],
)
def test_every_filter(admin_client, people, args, expected):
    assert set(row_ids(admin_client.get(f"/client/?{args}"))) == set(ids_of(people, *expected))


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Bénani", {"amine"}),
        ("benani", {"amine"}),
        ("BENANI", {"amine"}),
        ("  amine   bEnAnI ", {"amine"}),
        ("bénani amine", {"amine"}),
        ("amine.benani@gmail", {"amine"}),  # e-mail
        ("amine_b", {"amine"}),  # username
        ("fes", {"amine"}),  # address, accent-insensitive
        ("Fès", {"amine"}),
        ("atlas chauss", {"amine"}),  # company
        ("sahara", {"youssef"}),
        ("06 12 34", {"amine"}),  # phone, any spelling
        ("+2126123", {"amine"}),
        ("612345", {"amine"}),
        ("0612345678", {"amine"}),
        ("+212 6 12 34 56 78", {"amine"}),
        ("00212612345678", {"amine"}),
        ("06-98-76", {"salma"}),
        ("0522 44", {"omar"}),
        ("gmail.test", {"amine", "khadija", "omar"}),
        ("nobody", set()),
        ("%", set()),  # literal: not a wildcard matching everyone
        ("_", set()),
        ("%%__", set()),
        ("50%", {"omar"}),  # the % is literal punctuation; "50" is in his address and e-mail
    ],
)
def test_search_spellings(admin_client, people, q, expected):
    response = admin_client.get("/client/", query_string={"q": q})
    assert set(row_ids(response)) == set(ids_of(people, *expected))


def test_search_percent_and_underscore_are_literal_in_sql(app, factories):
    factories.client("Nadia", "Test", email="n_a@x.test", address="rue 10%b")
    factories.client("Nabil", "Other", email="nxa@x.test", address="rue 10xb")

    def found(q):
        return {c.full_name for c in db.session.scalars(db.select(Client).where(search_condition(q)))}

    # An unescaped "_" or "%" would match "nxa" and "10xb" too.
    assert found("n_a") == {"Nadia Test"}
    assert found("10%b") == {"Nadia Test"}
    assert found("%") == found("_") == found("%_%") == set()


def test_search_condition_empty_query_is_none(app):
    assert search_condition("") is None
    assert search_condition("   ") is None


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ("status=deleted", "status"),
        ("period=yesterday", "period"),
        ("sort=password", "sort"),
        ("sort=--name", "sort"),
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=-3", "page"),
        ("page=99999999999999999999", "page"),
        ("page=²", "page"),  # a digit for str.isdigit(), not for int()
        ("per_page=٣", "per_page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("per_page=1e3", "per_page"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_invalid_values_fall_back_with_a_message(admin_client, people, args, field):
    response = admin_client.get(f"/client/?{args}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-test="param-errors"' in html
    assert parse_list_args(dict([args.split("=", 1)])).errors.keys() == {field}


def test_page_past_the_end_shows_the_last_page(admin_client, people):
    response = admin_client.get("/client/?per_page=2&page=50")
    assert row_ids(response) == ids_of(people, "omar")
    assert "page 3 sur 3" in response.get_data(as_text=True)


def test_pagination_links_keep_the_filters(admin_client, people):
    html = admin_client.get("/client/?status=active&sort=name&per_page=1&q=a").get_data(as_text=True)
    links = re.findall(r'href="(/client/\?[^"]*page=2[^"]*)"', html)
    assert links, "no link to page 2"
    for link in links:
        link = link.replace("&amp;", "&")
        assert "status=active" in link and "sort=name" in link and "per_page=1" in link and "q=a" in link


def test_filter_form_is_a_get_form_with_validation_attributes(admin_client, people):
    html = admin_client.get("/client/?q=amine&status=inactive").get_data(as_text=True)
    form = html[
        html.index('data-test="filters"') - 200 : html.index("</form>", html.index('data-test="filters"'))
    ]
    assert 'method="get"' in form
    assert 'maxlength="200"' in form
    assert 'value="amine"' in form
    assert '<option value="inactive" selected>' in form
    for name in ("q", "status", "period", "sort", "per_page"):
        assert f'name="{name}"' in form


def test_sort_headers_toggle_direction(admin_client, people):
    html = admin_client.get("/client/?sort=-orders").get_data(as_text=True)
    assert 'aria-sort="descending"' in html
    assert re.search(r'href="[^"]*sort=orders[^"]*" data-sort="orders"', html)


def test_empty_result_says_so(admin_client, people):
    html = admin_client.get("/client/?q=zzzz").get_data(as_text=True)
    assert 'data-test="empty"' in html and "Aucun client" in html


# --------------------------------------------------------------------------- constant SQL


@pytest.fixture
def many_clients(factories):
    clients = [factories.client(f"Client{i}", f"Nom{i}", phone=f"06{i:08d}") for i in range(30)]
    for c in clients[:10]:
        factories.order(c)
    return clients


@pytest.mark.parametrize("args", ["", "sort=-spent", "q=client1", "status=active&period=7d", "q=0600"])
def test_list_queries_are_constant_whatever_per_page(admin_client, many_clients, count_queries, args):
    counts = []
    admin_client.get(f"/client/?{args}")  # fills the per-process segment figures (CLIENT_SEGMENTS_TTL)
    for per_page in (1, 5, 30, 100):
        with count_queries() as counter:
            assert admin_client.get(f"/client/?per_page={per_page}&{args}").status_code == 200
        counts.append(counter.count)
    assert len(set(counts)) == 1, counts


def test_detail_queries_are_constant_whatever_the_history(admin_client, factories, count_queries):
    small, big = factories.client("Petit", "Client"), factories.client("Gros", "Client")
    factories.order(small)
    for _ in range(40):
        factories.order(big, status="pending")
    counts = []
    for url in (f"/client/{small.id}/", f"/client/{big.id}/", f"/client/{big.id}/?page=2"):
        with count_queries() as counter:
            assert admin_client.get(url).status_code == 200
        counts.append(counter.count)
    assert len(set(counts)) == 1, counts


def test_list_clients_service_issues_two_statements(app, many_clients, count_queries):
    db.session.expunge_all()
    with count_queries() as counter:
        page = list_clients(db.session, ClientListParams(per_page=20))
        names = [c.full_name for c in page.items]  # the user comes with the row
    assert len(names) == 20 and page.total == 30
    assert counter.count == 2


# --------------------------------------------------------------------------- detail page


def test_detail_shows_profile_stats_and_history(admin_client, people):
    amine = people["amine"]
    html = admin_client.get(f"/client/{amine.id}/").get_data(as_text=True)
    for text in (
        "Amine Bénani",
        "amine.benani@gmail.test",
        "amine_b",
        "06 12 34 56 78",
        "12 rue de Fès, Casablanca",
        "Atlas Chaussures",
    ):
        assert text in html
    assert re.search(r'data-client-stat="orders_count">3<', html)
    assert re.search(r'data-client-stat="confirmed_count">3<', html)
    assert re.search(r'data-client-stat="total_spent">300,00\u00a0MAD<', html)
    assert re.search(r'data-client-stat="average_basket">100,00\u00a0MAD<', html)
    assert 'data-test="money-note"' in html and "confirmées" in html
    assert html.count("<tr data-order-id=") == 3
    assert "Manuelle" in html  # the link method of each order
    assert 'data-test="chart"' in html and "<svg" in html
    assert 'data-test="toggle"' in html


def test_detail_money_figures_ignore_cancelled_and_pending(admin_client, people):
    youssef = people["youssef"]
    html = admin_client.get(f"/client/{youssef.id}/").get_data(as_text=True)
    assert re.search(r'data-client-stat="orders_count">2<', html)
    assert re.search(r'data-client-stat="pending_count">1<', html)
    assert re.search(r'data-client-stat="cancelled_count">1<', html)
    assert re.search(r'data-client-stat="total_spent">0,00\u00a0MAD<', html)
    assert re.search(r'data-client-stat="average_basket">0,00\u00a0MAD<', html)
    assert "Annulée" in html and "En attente" in html


def test_detail_links_to_the_clients_orders_in_the_admin(admin_client, people):
    amine = people["amine"]
    html = admin_client.get(f"/client/{amine.id}/").get_data(as_text=True)
    href = re.search(r'href="([^"]+)" data-test="admin-orders"', html).group(1).replace("&amp;", "&")
    assert href.startswith("/admin/order_admin/?flt")
    assert href.endswith(f"={amine.id}")
    listing = admin_client.get(href).get_data(as_text=True)
    assert listing.count("<td") > 0


def test_detail_history_is_paginated(admin_client, factories):
    busy = factories.client("Busy", "Buyer")
    now = utcnow()
    for i in range(30):
        factories.order(busy, reference=f"REF-{i:03d}", created_at=now - timedelta(hours=i + 1))
    first = admin_client.get(f"/client/{busy.id}/").get_data(as_text=True)
    assert first.count("<tr data-order-id=") == 25
    assert "REF-000" in first and "REF-029" not in first
    second = admin_client.get(f"/client/{busy.id}/?page=2").get_data(as_text=True)
    assert second.count("<tr data-order-id=") == 5
    assert "REF-029" in second
    # An invalid page falls back to the first one.
    assert "REF-000" in admin_client.get(f"/client/{busy.id}/?page=abc").get_data(as_text=True)


def test_detail_without_orders(admin_client, people):
    html = admin_client.get(f"/client/{people['khadija'].id}/").get_data(as_text=True)
    assert 'data-test="no-orders"' in html
    assert 'data-test="chart-empty"' in html


def test_unknown_client_is_a_404_page_in_layout(admin_client):
    response = admin_client.get("/client/424242/")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert 'data-status="404"' in html and "Gestion des clients" in html


def test_500_page_in_layout(app, admin_client, monkeypatch):
    app.config["SHOW_ERROR_PAGES"] = True

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("yoozak.clients.views.list_clients", broken)
    response = admin_client.get("/client/")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert 'data-status="500"' in html and "Gestion des clients" in html and "boom" not in html


# --------------------------------------------------------------------------- layout, CSP


@pytest.mark.parametrize("path", ["/client/", "/client/{id}/", "/client/424242/"])
def test_pages_have_no_inline_script_and_a_strict_csp(admin_client, people, path):
    response = admin_client.get(path.format(id=people["amine"].id))
    html = response.get_data(as_text=True)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert re.findall(r"\son[a-z]+\s*=", html) == []
    assert re.findall(r"\sstyle\s*=", html) == []
    assert "//cdn" not in html and "https://" not in html
    assert 'name="csrf-token"' in html
    assert 'href="/client/"' in html and "Gestion des clients" in html


def test_static_assets_are_served(admin_client):
    for path in (
        "/static/js/app.js",
        "/static/js/clients.js",
        "/static/css/app.css",
        "/admin/static/vendor/jquery.min.js",
        "/admin/static/bootstrap/bootstrap4/js/bootstrap.min.js",
    ):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        response.close()


def test_admin_pages_carry_the_shared_menu(admin_client):
    html = admin_client.get("/admin/client_admin/").get_data(as_text=True)
    assert 'data-nav="clients"' in html


# --------------------------------------------------------------------------- robustness


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.sampled_from(["q", "status", "period", "sort", "page", "per_page"]),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
        max_size=6,
    )
)
def test_list_never_fails_whatever_the_arguments(admin_client, args):
    response = admin_client.get("/client/", query_string=args)
    assert response.status_code == 200


@given(st.text(max_size=60))
def test_parse_list_args_always_gives_valid_params(raw):
    for key in ("q", "status", "period", "sort", "page", "per_page"):
        params = parse_list_args({key: raw}).params
        assert params.status in services.STATUSES and params.period in services.PERIODS
        assert params.sort.lstrip("-") in services.SORTS
        assert 1 <= params.page <= services.MAX_PAGE and 1 <= params.per_page <= 100
        assert len(params.q) <= services.MAX_QUERY_LENGTH


def test_total_spent_on_the_row_matches_decimal(app, people):
    db.session.expire_all()
    assert db.session.get(Client, people["salma"].id).total_spent == Decimal("900.00")


def test_text_search_pages_and_totals(app, many_clients):
    params = ClientListParams(q="nom", sort="name", per_page=7)
    first = list_clients(db.session, params)
    assert (first.total, first.page, first.pages, len(first.items)) == (30, 1, 5, 7)
    last = list_clients(db.session, ClientListParams(q="nom", sort="name", per_page=7, page=5))
    assert (last.total, last.page, len(last.items)) == (30, 5, 2)
    past = list_clients(db.session, ClientListParams(q="nom", sort="name", per_page=7, page=9))
    assert (past.total, past.page, [c.id for c in past.items]) == (30, 5, [c.id for c in last.items])
    none = list_clients(db.session, ClientListParams(q="zzzz", page=3))
    assert (none.total, none.page, none.items) == (0, 1, [])


def test_admin_client_search_uses_the_same_rules(admin_client, people):
    html = admin_client.get("/admin/client_admin/?search=06+12+34").get_data(as_text=True)
    assert "Amine Bénani" in html and "Salma" not in html
    html = admin_client.get("/admin/client_admin/?search=BENANI").get_data(as_text=True)
    assert "Amine Bénani" in html and "Salma" not in html
