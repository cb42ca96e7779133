"""Exports: exactly the filtered list, in CSV and XLSX, safe to open, streamed, recorded in the history."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

import yoozak.clients.export as export_module
import yoozak.exports.writers as writers
from tests.conftest import USER_PASSWORD
from yoozak.clients.services import ClientListParams, list_clients
from yoozak.extensions import db
from yoozak.models.history import ClientEvent
from yoozak.timeutil import to_local, utcnow

CLIENT_HEADER = [
    "ID",
    "Nom",
    "E-mail",
    "Identifiant",
    "Téléphone",
    "Adresse",
    "Société",
    "Statut",
    "Segment",
    "Créé le",
    "Commandes",
    "Total dépensé (MAD)",
    "Panier moyen (MAD)",
    "Dernière commande",
]
DAY = timedelta(days=1)


@pytest.fixture
def shop(factories):
    """Fourteen clients across statuses, dates, segments and search words."""
    now = utcnow()
    made = {}
    made["amine"] = factories.client(
        "Amine",
        "Bénani",
        email="amine@atlas.ma",
        phone="0612345678",
        address="12 rue de Fès, Casablanca",
        company_name="Atlas Chaussures",
        created_at=now - 200 * DAY,
    )
    for _ in range(5):
        factories.order(made["amine"], price="1250.50", status="confirmed", created_at=now - 3 * DAY)
    made["salma"] = factories.client("Salma", "Idrissi", created_at=now - 2 * DAY)
    factories.order(made["salma"], price="300.00", status="confirmed")
    made["risky"] = factories.client("Karim", "Tazi", created_at=now - 90 * DAY, is_active=False)
    for _ in range(3):
        factories.order(made["risky"], status="cancelled")
    for i in range(11):
        made[f"c{i}"] = factories.client(
            f"Client{i}", f"Fès{i}" if i % 3 == 0 else f"Rabat{i}", created_at=now - (i * 5 + 1) * DAY
        )
        if i % 2:
            factories.order(made[f"c{i}"], price=f"{100 + i}.25", status="confirmed")
    return made


def read_csv(data: bytes, separator: str = ";") -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM expected"
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8")), delimiter=separator))


def read_xlsx(data: bytes):
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return workbook.active


def xlsx_rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def listed_ids(params: ClientListParams) -> list[int]:
    """Every client the list shows for these params, page after page, as the pages read them."""
    ids, page = [], 1
    while True:
        result = list_clients(
            db.session, ClientListParams(**{**params.__dict__, "page": page, "per_page": 4})
        )
        ids += [c.id for c in result.items]
        if page >= result.pages:
            return ids
        page += 1


FILTERS = [
    {},
    {"q": "fès"},
    {"q": "atlas"},
    {"q": "06 12"},
    {"status": "inactive"},
    {"status": "active", "sort": "name"},
    {"period": "30d"},
    {"period": "7d", "sort": "-spent"},
    {"segment": "vip"},
    {"segment": "occasional", "sort": "last_order"},
    {"segment": "none", "status": "active", "sort": "-name"},
    {"sort": "orders"},
    {"q": "client", "period": "30d", "sort": "created_at"},
]


@pytest.mark.parametrize("args", FILTERS, ids=lambda a: "&".join(f"{k}={v}" for k, v in a.items()) or "all")
def test_export_is_exactly_the_filtered_list(admin_client, shop, args):
    expected = listed_ids(ClientListParams(**args))
    csv_response = admin_client.get("/client/export/", query_string={**args, "format": "csv", "page": 3})
    assert csv_response.status_code == 200
    rows = read_csv(csv_response.data)
    assert rows[0] == CLIENT_HEADER
    assert [int(r[0]) for r in rows[1:]] == expected
    xlsx_response = admin_client.get("/client/export/", query_string={**args, "format": "xlsx"})
    assert xlsx_response.status_code == 200
    sheet_rows = xlsx_rows(read_xlsx(xlsx_response.data))
    assert list(sheet_rows[0]) == CLIENT_HEADER
    assert [r[0] for r in sheet_rows[1:]] == expected


def test_csv_cells_for_french_excel_and_for_machines(admin_client, shop):
    amine = shop["amine"]
    response = admin_client.get("/client/export/?format=csv&q=atlas")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="clients-' in response.headers["Content-Disposition"]
    header, row = read_csv(response.data)
    cells = dict(zip(header, row, strict=True))
    assert cells["Nom"] == "Amine Bénani" and cells["Société"] == "Atlas Chaussures"
    assert cells["Téléphone"] == "'+212612345678"  # E.164, neutralised: it starts with "+"
    assert cells["Statut"] == "Actif" and cells["Segment"] == "VIP"
    assert cells["Commandes"] == "5"
    assert cells["Total dépensé (MAD)"] == "6252,50" and cells["Panier moyen (MAD)"] == "1250,50"
    local_created = to_local(amine.created_at).replace(tzinfo=None)
    assert cells["Créé le"] == local_created.strftime("%Y-%m-%d %H:%M:%S")
    machine = admin_client.get("/client/export/?format=csv&q=atlas&sep=,")
    header, row = read_csv(machine.data, ",")
    assert dict(zip(header, row, strict=True))["Total dépensé (MAD)"] == "6252.50"


def test_xlsx_cells_are_typed_and_the_header_frozen(admin_client, shop):
    amine = shop["amine"]
    response = admin_client.get("/client/export/?format=xlsx&q=atlas")
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = read_xlsx(response.data)
    assert sheet.freeze_panes == "A2"
    header, row = xlsx_rows(sheet)
    cells = dict(zip(header, row, strict=True))
    assert cells["ID"] == amine.id and isinstance(cells["Commandes"], int)
    assert cells["Total dépensé (MAD)"] == pytest.approx(6252.50)
    assert isinstance(cells["Créé le"], datetime)
    assert abs(cells["Créé le"] - to_local(amine.created_at).replace(tzinfo=None)) < timedelta(seconds=1)
    assert cells["Société"] == "Atlas Chaussures"
    assert sheet["L2"].number_format == "#,##0.00"


HOSTILE = {
    "company_name": '=HYPERLINK("http://evil.example","clic")',
    "address": "+SUM(1+1)",
    "first_name": "@cmd",
    "last_name": "-2+3",
}


def test_formula_injection_is_neutralised_in_both_formats(admin_client, factories):
    factories.client(
        HOSTILE["first_name"],
        HOSTILE["last_name"],
        company_name=HOSTILE["company_name"],
        address=HOSTILE["address"],
        created_at=utcnow() - DAY,
    )
    factories.client(
        "Tab", "Case", company_name="\tTab SARL", address="\rretour", created_at=utcnow() - 2 * DAY
    )
    header, *rows = read_csv(admin_client.get("/client/export/?format=csv").data)
    cells = dict(zip(header, rows[0], strict=True))
    assert cells["Société"] == "'" + HOSTILE["company_name"]
    assert cells["Adresse"] == "'" + HOSTILE["address"]
    assert cells["Nom"] == "'@cmd -2+3"
    tabs = dict(zip(header, rows[1], strict=True))
    assert (tabs["Société"], tabs["Adresse"]) == ("'\tTab SARL", "'\rretour")
    sheet = read_xlsx(admin_client.get("/client/export/?format=xlsx").data)
    for cell in [*sheet[2], *sheet[3]]:
        assert cell.data_type != "f", (cell.coordinate, cell.value)
        if isinstance(cell.value, str):
            assert not cell.value.startswith(writers.FORMULA_TRIGGERS), cell.value
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("Société") + 1).value == "'" + HOSTILE["company_name"]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@x", "\tx", "\rx"])
def test_neutralise_every_trigger(text):
    assert writers.neutralise(text) == "'" + text
    assert writers.neutralise("Fès " + text) == "Fès " + text


def test_non_admins_get_a_403(app, client, auth, plain_user, shop):
    assert auth.login("user@yoozak.ma", USER_PASSWORD).status_code == 302
    for url in (
        "/client/export/?format=csv",
        f"/client/{shop['amine'].id}/export/?format=xlsx",
        "/admin/client_admin/export/csv/",
        "/admin/order_admin/export/xlsx/",
    ):
        assert client.get(url).status_code == 403, url
    assert events() == []  # a refused export is not recorded


@pytest.mark.parametrize(
    "query",
    [
        "format=pdf",
        "format=csv&sep=|",
        "format=csv&segment=gold",
        "format=csv&sort=-password",
        "format=xlsx&status=x",
    ],
)
def test_bad_parameters_are_a_400_with_a_message(admin_client, shop, query):
    response = admin_client.get(f"/client/export/?{query}")
    assert response.status_code == 400
    assert "inconnu" in response.get_data(as_text=True).lower()


def test_xlsx_above_the_limit_is_refused_and_the_page_says_so(app, admin_client, shop):
    app.config["EXPORT_XLSX_MAX_ROWS"] = 5
    response = admin_client.get("/client/export/?format=xlsx")
    assert response.status_code == 400
    assert "flask export-clients" in response.get_data(as_text=True)
    page = admin_client.get("/client/").get_data(as_text=True)
    assert 'data-test="export-xlsx-limit"' in page and 'data-test="export-xlsx"' not in page
    assert admin_client.get("/client/export/?format=csv").status_code == 200  # CSV has no limit
    narrowed = admin_client.get("/client/").get_data(as_text=True).count("export-xlsx-limit")
    assert narrowed == 1
    assert admin_client.get("/client/export/?format=xlsx&segment=vip").status_code == 200


def test_the_list_links_to_the_export_of_what_it_shows(admin_client, shop):
    import html
    import re
    from urllib.parse import parse_qs, urlsplit

    page = admin_client.get("/client/?segment=vip&q=atlas&sort=name&page=2&per_page=10").get_data(
        as_text=True
    )
    for fmt in ("csv", "xlsx"):
        href = re.search(rf'href="([^"]+)" data-test="export-{fmt}"', page).group(1)
        url = urlsplit(html.unescape(href))
        assert url.path == "/client/export/"
        assert parse_qs(url.query) == {"format": [fmt], "q": ["atlas"], "segment": ["vip"], "sort": ["name"]}


# --------------------------------------------------------------------------- streaming


def test_a_large_export_streams_before_the_last_row_is_read(app, admin_client, factories, monkeypatch):
    for i in range(30):
        factories.client(f"Stream{i}", "Test")
    app.config["EXPORT_BATCH_SIZE"] = 5
    monkeypatch.setattr(writers, "CSV_CHUNK", 1)  # one chunk per row, to watch the pace
    read = {"rows": 0}
    real_stream_rows = export_module.stream_rows

    def spying_stream_rows(session, stmt, batch_size):
        assert batch_size == 5
        for row in real_stream_rows(session, stmt, batch_size):
            read["rows"] += 1
            yield row

    monkeypatch.setattr(export_module, "stream_rows", spying_stream_rows)
    response = admin_client.get("/client/export/?format=csv", buffered=False)
    assert response.status_code == 200
    seen = []
    run = admin_client.last_context.run  # the body runs in the request's own context
    chunks = run(iter, response.response)
    while (chunk := run(next, chunks, None)) is not None:
        seen.append((len(chunk), read["rows"]))
    run(response.close)
    assert seen[0][1] == 0, "the header must leave before any row is read"
    assert [rows for _, rows in seen[1:]] == list(range(1, 31)), "each row is sent as soon as it is read"
    assert read["rows"] == 30


def test_rows_are_fetched_in_batches_not_all_at_once(app, factories, monkeypatch):
    from yoozak.clients.services import export_query
    from yoozak.exports import stream_rows
    from yoozak.exports.columns import client_rows_select

    for i in range(12):
        factories.client(f"Batch{i}", "Test")
    fetched: list[int] = []
    stmt = client_rows_select(export_query(ClientListParams()))
    rows = stream_rows(db.session, stmt, 5)
    result_class = type(db.session.execute(select(1)))
    original = result_class._fetchmany_impl

    def counting(self, size=None):
        batch = original(self, size)
        fetched.append(len(batch))
        return batch

    monkeypatch.setattr(result_class, "_fetchmany_impl", counting)
    first = next(rows)
    assert first is not None and fetched == [5]
    assert len(list(rows)) == 11
    assert sum(fetched) == 12 and max(fetched) == 5


# --------------------------------------------------------------------------- history


def events() -> list[ClientEvent]:
    """Return the history entries of exports (the clients' own "created" entries left aside)."""
    stmt = select(ClientEvent).where(ClientEvent.action == "exported").order_by(ClientEvent.id)
    return list(db.session.scalars(stmt))


def test_each_export_is_recorded_with_its_filters_and_rows(admin_client, shop):
    admin_client.get("/client/export/?format=csv&segment=vip&sort=name")
    admin_client.get("/client/export/?format=xlsx&status=inactive")
    first, second = events()
    assert (first.action, first.client_id, first.source, first.actor) == (
        "exported",
        None,
        "page",
        "admin@yoozak.ma",
    )
    assert first.changes == {
        "format": "csv",
        "filters": {"segment": "vip", "sort": "name"},
        "rows": 1,
        "scope": "clients",
    }
    assert second.changes["format"] == "xlsx" and second.changes["rows"] == 1
    assert second.changes["filters"] == {"status": "inactive"}


def test_an_interrupted_download_is_recorded_as_incomplete(app, admin_client, factories, monkeypatch):
    for i in range(10):
        factories.client(f"Cut{i}", "Test")
    monkeypatch.setattr(writers, "CSV_CHUNK", 1)
    response = admin_client.get("/client/export/?format=csv", buffered=False)
    run = admin_client.last_context.run
    chunks = run(iter, response.response)
    for _ in range(3):  # the header and two rows, then the client goes away
        run(next, chunks)
    run(response.close)
    (event,) = events()
    assert event.changes["complete"] is False and event.changes["rows"] <= 3


def test_a_client_orders_export(admin_client, shop):
    amine = shop["amine"]
    response = admin_client.get(f"/client/{amine.id}/export/?format=csv")
    assert response.status_code == 200
    rows = read_csv(response.data)
    assert rows[0][:5] == ["ID", "Référence", "Date", "Statut", "Montant (MAD)"]
    assert len(rows) == 6 and {r[3] for r in rows[1:]} == {"Confirmée"}
    assert {r[4] for r in rows[1:]} == {"1250,50"}
    sheet = read_xlsx(admin_client.get(f"/client/{amine.id}/export/?format=xlsx").data)
    assert [r[4] for r in xlsx_rows(sheet)[1:]] == [pytest.approx(1250.5)] * 5
    assert admin_client.get("/client/999999/export/?format=csv").status_code == 404
    recorded = events()
    assert [e.client_id for e in recorded] == [amine.id, amine.id]
    assert recorded[0].changes == {
        "format": "csv",
        "filters": {"client_id": amine.id},
        "rows": 5,
        "scope": "orders",
        "client_id": amine.id,
    }


# --------------------------------------------------------------------------- admin and CLI


def test_admin_client_export_follows_the_admin_filters(admin_client, shop):
    from yoozak.admin.clients import ClientAdmin

    response = admin_client.get("/admin/client_admin/")
    assert "/admin/client_admin/export/csv/" in response.get_data(as_text=True)
    view = next(
        v for v in admin_client.application.extensions["admin"][0]._views if isinstance(v, ClientAdmin)
    )
    arg = view.filter_url_arg("segment", "equals")
    assert arg is not None
    rows = read_csv(admin_client.get(f"/admin/client_admin/export/csv/?{arg}=vip").data)
    assert [int(r[0]) for r in rows[1:]] == [shop["amine"].id]
    everyone = read_csv(admin_client.get("/admin/client_admin/export/csv/?search=rabat").data)
    assert len(everyone) - 1 == sum(1 for i in range(11) if i % 3)
    sheet = read_xlsx(admin_client.get("/admin/client_admin/export/xlsx/").data)
    assert sheet.max_row == 1 + len(shop)
    first, _, _ = events()
    assert first.source == "admin" and first.changes["rows"] == 1


def test_admin_order_export_streams_every_order(admin_client, shop):
    rows = read_csv(admin_client.get("/admin/order_admin/export/csv/").data)
    assert len(rows) - 1 == 5 + 1 + 3 + 5
    sheet = read_xlsx(admin_client.get("/admin/order_admin/export/xlsx/").data)
    assert sheet.max_row == len(rows)
    assert admin_client.get("/admin/order_admin/export/pdf/").status_code == 404


def test_admin_xlsx_limit_redirects_with_a_message(app, admin_client, shop):
    app.config["EXPORT_XLSX_MAX_ROWS"] = 3
    response = admin_client.get("/admin/client_admin/export/xlsx/")
    assert response.status_code == 302
    assert "Export Excel limit" in admin_client.get(response.location).get_data(as_text=True)


def test_cli_export_uses_the_list_filters(app, runner, shop, tmp_path):
    out = tmp_path / "vip.xlsx"
    result = runner.invoke(
        args=["export-clients", "--format", "xlsx", "--output", str(out), "--segment", "none"]
    )
    assert result.exit_code == 0, result.output
    expected = listed_ids(ClientListParams(segment="none"))
    assert f"{len(expected)} client(s) exported" in result.output
    assert [r[0] for r in xlsx_rows(openpyxl.load_workbook(out).active)[1:]] == expected
    out_csv = tmp_path / "fes.csv"
    result = runner.invoke(
        args=[
            "export-clients",
            "--output",
            str(out_csv),
            "--q",
            "fès",
            "--status",
            "active",
            "--period",
            "30d",
        ]
    )
    assert result.exit_code == 0, result.output
    rows = read_csv(out_csv.read_bytes())
    assert [int(r[0]) for r in rows[1:]] == listed_ids(
        ClientListParams(q="fès", status="active", period="30d")
    )
    first, _ = events()
    assert (first.source, first.actor, first.changes["rows"]) == ("cli", "système", len(expected))
    assert runner.invoke(args=["export-clients", "--output", str(out), "--segment", "gold"]).exit_code == 2
    assert not (tmp_path / "vip.xlsx.part").exists()


def test_money_in_csv_is_exact(admin_client, factories):
    client = factories.client("Money", "Test")
    factories.order(client, price="0.10", status="confirmed")
    factories.order(client, price="0.20", status="confirmed")
    header, row = read_csv(admin_client.get("/client/export/?format=csv&sep=,").data, ",")
    assert dict(zip(header, row, strict=True))["Total dépensé (MAD)"] == str(Decimal("0.30"))


def test_cached_offsets_follow_casablanca_time_all_year():
    # Morocco leaves UTC+1 for UTC+0 during Ramadan: the cached per-hour offsets must follow.
    moment = datetime(2026, 1, 1, 0, 17, 42, 123456)
    while moment.year == 2026:
        assert writers._local_naive(moment) == to_local(moment).replace(tzinfo=None), moment
        moment += timedelta(hours=7, minutes=13)
