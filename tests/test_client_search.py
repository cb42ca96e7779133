"""Client search: the same answers on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm), index kept in step."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from markupsafe import escape

from yoozak.clients import services
from yoozak.clients.search import include_in_autogenerate
from yoozak.clients.services import (
    ClientListParams,
    list_clients,
    planned_search,
    search_condition,
)
from yoozak.extensions import db
from yoozak.linking.normalize import fold_text
from yoozak.models import Client, User
from yoozak.seeding.bulk import create_test_clients
from yoozak.seeding.importers import import_clients

QUERIES = [
    "bennani",
    "BENNANI",
    "Bénani",
    "bénàni",
    "benn",
    "enna",
    "FÈS",
    "fes",
    "Fès casa",
    "amine_b",
    "amine b",
    "n_a",
    "10%b",
    "10%",
    "%",
    "_",
    "%_%",
    '"atlas"',
    "o'brien",
    "amina.b",
    "a",
    "e",
    "z",
    "q",
    "el",
    "EL",
    "ne",
    "zq",
    "x9",
    "12",
    "be ni",
    "a b",
    "mohamed bennani",
    "bennani mohamed",
    "mohamed zzzz",
    "zzzz",
    "gmail",
    "ÇA",
    "chaussures atlas",
    "rue 10",
]


def expected_ids(q: str) -> set[int]:
    """Return the clients whose search_text holds every folded word, computed in Python."""
    words = [w for word in q.split() if (w := fold_text(word))]
    rows = db.session.execute(sa.select(Client.id, Client.search_text)).all()
    if not words:
        return set()
    return {i for i, text in rows if all(w in text for w in words)}


def found_ids(q: str) -> set[int]:
    """Return the ids search_condition finds."""
    return set(db.session.scalars(sa.select(Client.id).where(search_condition(q))))


def planned_ids(q: str) -> tuple[set[int], int]:
    """Return the ids the admin's page clause finds, and the count its count clause gives."""
    rows, counted = planned_search(db.session, q)
    ids = set(db.session.scalars(sa.select(Client.id).where(rows).order_by(Client.created_at.desc())))
    return ids, db.session.scalar(sa.select(sa.func.count()).select_from(Client).where(counted))


def listed_ids(q: str, per_page: int = 100, **kw) -> set[int]:
    """Return every id of every page of the client list, checking the total."""
    first = list_clients(db.session, ClientListParams(q=q, per_page=per_page, **kw))
    ids = [c.id for c in first.items]
    for page in range(2, first.pages + 1):
        params = ClientListParams(q=q, per_page=per_page, page=page, **kw)
        ids += [c.id for c in list_clients(db.session, params).items]
    assert len(ids) == len(set(ids)) == first.total, (q, first.total, ids)
    return set(ids)


@pytest.fixture
def crowd(factories):
    """Clients whose texts cover accents, punctuation, short and long words."""
    specs = [
        ("Mohamed", "Bennani", "m.bennani@gmail.test", "12 rue de Fès, Casablanca", "Atlas Chaussures"),
        ("Amine", "Bénani", "amine_b@yahoo.test", "rue 10%b, Rabat", None),
        ("Nadia", "Test", "n_a@x.test", "Zq Street 9", "Ça Va SARL"),
        ("Nabil", "Other", "nxa@x.test", "rue 10xb", None),
        ("Sean", "O'Brien", "sean@outlook.test", "Dublin", "X9 Labs"),
        ("Youssef", "Alaoui", "y.alaoui@gmail.test", "Paris", "Sahara Trading"),
        ("Lina", "El Fassi", "lina@mail.test", "Fès el Bali", None),
        ("Omar", "Zouhair", "omar@zq.test", "Tanger", "Mohamed et Fils"),
    ]
    return [factories.client(f, last, email=e, address=a, company_name=c) for f, last, e, a, c in specs]


def test_search_matches_a_python_substring_search_on_every_path(app, crowd, monkeypatch):
    # Several queries in one app: a cached compiled statement must never keep old values.
    for q in QUERIES:
        want = expected_ids(q)
        assert found_ids(q) == want, q
        # Sort the few ids found, or walk the sort index testing each row: the same answer.
        for sparse in (0, 1_000):
            monkeypatch.setattr(services, "SPARSE_MATCHES", sparse)
            for sort in ("name", "-created_at", "-spent"):
                assert listed_ids(q, per_page=3, sort=sort) == want, (q, sparse, sort)
                assert planned_ids(q) == (want, len(want)), (q, sparse)
        monkeypatch.undo()


def test_search_spellings_find_the_right_people(app, crowd):
    mohamed, amine, nadia, _nabil, sean, _youssef, lina, omar = (c.id for c in crowd)
    assert found_ids("BENNANI") == found_ids("bennani") == {mohamed}
    assert found_ids("bénàni") == {amine}
    assert found_ids("fes") == found_ids("FÈS") == {mohamed, lina}
    assert found_ids("n_a") == {nadia}  # "_" is not a wildcard: "nxa" is not found
    assert found_ids("10%b") == {amine}  # neither is "%": "10xb" is not found
    assert found_ids("%") == found_ids("_") == set()
    assert found_ids("o'brien") == {sean}
    assert found_ids("mohamed bennani") == found_ids("bennani mohamed") == {mohamed}
    assert found_ids("mohamed") == {mohamed, omar}
    assert found_ids("zq") == {nadia, omar}
    assert found_ids("ça va") == {nadia}
    assert found_ids("a") == {c.id for c in crowd}


def test_search_filters_and_sorts_with_the_index(app, crowd):
    page = list_clients(db.session, ClientListParams(q="fes", sort="-name"))
    assert [c.full_name for c in page.items] == ["Lina El Fassi", "Mohamed Bennani"]  # by last name
    crowd[0].is_active = False
    db.session.commit()
    page = list_clients(db.session, ClientListParams(q="fes", status="active"))
    assert [c.full_name for c in page.items] == ["Lina El Fassi"] and page.total == 1


@pytest.mark.parametrize("sparse", [0, 1_000])
def test_search_past_the_last_page_shows_the_last(app, crowd, monkeypatch, sparse):
    monkeypatch.setattr(services, "SPARSE_MATCHES", sparse)
    page = list_clients(db.session, ClientListParams(q="a", per_page=3, page=50, sort="name"))
    assert (page.page, page.total, len(page.items)) == (3, 8, 2)
    assert [c.id for c in page.items] == [
        c.id for c in list_clients(db.session, ClientListParams(q="a", per_page=3, page=3, sort="name")).items
    ]
    none = list_clients(db.session, ClientListParams(q="zzzz", page=4))
    assert (none.page, none.total, none.items) == (1, 0, [])


def fts_integrity_check() -> None:
    """On SQLite, raise unless the FTS5 index holds exactly the clients' search_text."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(
            sa.text("INSERT INTO client_search (client_search, rank) VALUES ('integrity-check', 1)")
        )


def assert_index_in_step(*queries: str) -> None:
    fts_integrity_check()
    for q in queries:
        assert found_ids(q) == expected_ids(q), q
        assert listed_ids(q) == expected_ids(q), q


def test_index_follows_orm_inserts_updates_and_deletes(app, factories):
    karim = factories.client("Karim", "Tazi", address="Meknès")
    assert found_ids("tazi") == {karim.id}
    karim.user.last_name = "Berrada"  # the user's name feeds the client's search_text
    db.session.commit()
    assert found_ids("tazi") == set() and found_ids("berrada") == {karim.id}
    karim.address = "Oujda"
    db.session.commit()
    assert found_ids("meknes") == set() and found_ids("oujda") == {karim.id}
    db.session.delete(karim)
    db.session.commit()
    assert found_ids("berrada") == set()
    assert_index_in_step("berrada", "oujda", "a")


def test_index_follows_core_updates_and_deletes(app, factories):
    a, b = factories.client("Hamza", "Idrissi"), factories.client("Rachid", "Idrissi")
    db.session.execute(sa.update(Client).where(Client.id == a.id).values(search_text="hamza lahlou"))
    db.session.commit()
    assert found_ids("idrissi") == {b.id} and found_ids("lahlou") == {a.id}
    db.session.execute(sa.update(Client).values(address="Agadir"))  # search_text untouched
    db.session.execute(sa.delete(Client).where(Client.id == b.id))
    db.session.commit()
    assert found_ids("idrissi") == set()
    assert_index_in_step("idrissi", "lahlou", "hamza", "a")


def test_index_follows_bulk_seeding(app):
    create_test_clients(db.session, 60, seed=7)
    names = db.session.execute(sa.select(User.last_name).join(Client, Client.user_id == User.id)).scalars()
    queries = [*sorted({fold_text(n) for n in names})[:8], "a", "ou", "gmail", "zzzz"]
    assert_index_in_step(*queries)


def test_index_follows_the_csv_importer(app, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text(
        "email,username,first_name,last_name,phone,address,company_name,is_active,created_at\n"
        "amina@example.com,amina,Amina,Benjelloun,06 12 34 56 78,Rue Tétouan,,oui,2026-01-15\n"
        "karim@example.com,karim,Karim,Squalli,+212700000000,Rue 2,Atlas Import,no,15/02/2026\n",
        encoding="utf-8",
    )
    report = import_clients(db.session, path)
    db.session.commit()
    assert report.created == 2, report
    assert len(found_ids("benjelloun")) == len(found_ids("atlas import")) == 1
    assert_index_in_step("benjelloun", "tetouan", "squalli", "atlas import", "a")


ADMIN_QUERIES = ["bennani", "BÉNANI", "fes", "n_a", "10%b", "a", "zq", "mohamed bennani", "zzzz"]


@pytest.mark.parametrize("q", ADMIN_QUERIES)
def test_admin_search_finds_what_the_list_finds(admin_client, crowd, q):
    html = admin_client.get("/admin/client_admin/", query_string={"search": q}).get_data(as_text=True)
    want = expected_ids(q)
    for client in crowd:
        assert (str(escape(client.full_name)) in html) == (client.id in want), (q, client.full_name)


@pytest.mark.parametrize("sparse", [0, 1_000])
@pytest.mark.parametrize("q", ["a", "zq", "bennani", "fes el", "mohamed bennani", "zzzz", "06 12"])
def test_list_page_statements_are_constant_whatever_per_page(
    admin_client, crowd, count_queries, monkeypatch, q, sparse
):
    monkeypatch.setattr(services, "SPARSE_MATCHES", sparse)
    counts = []
    admin_client.get("/client/", query_string={"q": q})  # fills the per-process segment figures
    for per_page in (1, 2, 5, 100):
        with count_queries() as counter:
            response = admin_client.get("/client/", query_string={"q": q, "per_page": per_page})
            assert response.status_code == 200
        counts.append(counter.count)
    assert len(set(counts)) == 1, counts


def test_search_runs_on_the_trigram_index(app, crowd):
    stmt = sa.select(Client.id).where(search_condition("bennani"))
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    if db.engine.dialect.name == "sqlite":
        plan = " ".join(row[3] for row in db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}")))
        assert "client_search VIRTUAL TABLE" in plan, plan
    else:
        db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))  # a tiny table: force the choice
        plan = " ".join(db.session.execute(sa.text(f"EXPLAIN {sql}")).scalars())
        assert "ix_clients_search_text_trgm" in plan, plan
    db.session.rollback()


def test_autogenerate_ignores_only_the_search_index():
    # tests/test_migrations.py checks that, with this filter, autogenerate finds no difference.
    assert include_in_autogenerate("clients", "table", {})
    assert include_in_autogenerate("ix_clients_sort_name", "index", {})
    assert not include_in_autogenerate("client_search_data", "table", {})
    assert not include_in_autogenerate("ix_clients_search_text_trgm", "index", {})
