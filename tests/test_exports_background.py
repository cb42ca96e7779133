"""Above the XLSX limit the worker prepares the file and the admin who asked gets the link."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
from sqlalchemy import select

from yoozak.extensions import db
from yoozak.models import Client, ClientEvent, Notification


def ask_in_background(admin_client, auth, **filters):
    data = {"csrf_token": auth.csrf_token("/client/"), "format": "xlsx", **filters}
    return admin_client.post("/client/export/background/", data=data)


def test_the_list_offers_the_background_export_above_the_limit(app, admin_client, factories):
    for number in range(4):
        factories.client(f"Client{number}", "Test")
    app.config["EXPORT_XLSX_MAX_ROWS"] = 3
    page = admin_client.get("/client/").get_data(as_text=True)
    assert 'data-test="export-xlsx-background"' in page
    app.config["EXPORT_XLSX_MAX_ROWS"] = 10
    assert 'data-test="export-xlsx-background"' not in admin_client.get("/client/").get_data(as_text=True)


def test_the_worker_writes_the_filtered_file_and_notifies_the_admin(
    app, admin_client, auth, admin_user, factories
):
    amina = factories.client("Amina", "Bennani")
    karim = factories.client("Karim", "Tazi", is_active=False)
    response = ask_in_background(admin_client, auth, status="active")
    assert response.status_code == 302  # back to the list, with a message
    note = db.session.scalars(
        select(Notification).where(Notification.user_id == admin_user.id, Notification.kind == "export_ready")
    ).one()
    assert note.kind == "export_ready" and re.fullmatch(
        r"/client/export/files/[0-9a-f]{32}-clients-.*\.xlsx", note.url
    )
    download = admin_client.get(note.url)
    assert download.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(download.data)).active
    ids = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert (
        sorted(ids) == db.session.scalars(select(Client.id).where(Client.is_active).order_by(Client.id)).all()
    )
    assert amina.id in ids and karim.id not in ids
    event = db.session.scalars(select(ClientEvent).where(ClientEvent.action == "exported")).one()
    assert (event.source, event.actor_id, event.changes["rows"]) == ("worker", admin_user.id, len(ids))
    assert event.changes["filters"] == {"status": "active"}


def test_a_prepared_file_is_served_to_its_owner_only(app, client, auth, admin_user, factories):
    factories.client("Amina", "Bennani")
    auth.login()
    ask_in_background(client, auth)
    url = db.session.scalars(select(Notification.url).where(Notification.kind == "export_ready")).one()
    auth.logout()
    factories.user(email="other@yoozak.ma", username="other", is_admin=True, password="password-123")
    auth.login("other@yoozak.ma", "password-123")
    assert client.get(url).status_code == 404
    assert client.get("/client/export/files/../../config.py").status_code == 404


def test_bad_filters_are_refused_before_anything_is_queued(admin_client, auth):
    response = ask_in_background(admin_client, auth, status="sideways")
    assert response.status_code == 400
    assert db.session.scalars(select(Notification).where(Notification.kind == "export_ready")).all() == []


def test_the_background_export_needs_the_csrf_token(admin_client):
    assert admin_client.post("/client/export/background/", data={"format": "xlsx"}).status_code == 400


def test_prepared_files_expire_and_are_purged(app, admin_client, auth, factories):
    import os
    import time

    from yoozak.exports.files import purge_prepared_exports
    from yoozak.exports.tasks import purge_exports

    factories.client("Amina", "Bennani")
    ask_in_background(admin_client, auth)
    url = db.session.scalars(select(Notification.url).where(Notification.kind == "export_ready")).one()
    files = list((Path(app.instance_path) / "exports").glob("*/*"))
    assert len(files) == 1
    assert purge_prepared_exports() == 0  # fresh: kept
    day_old = time.time() - app.config["EXPORT_FILE_TTL"] - 1
    os.utime(files[0], (day_old, day_old))
    assert admin_client.get(url).status_code == 404  # expired: no longer served
    purge_exports()  # the worker's hourly task
    assert not files[0].exists()


def test_anonymising_a_client_discards_every_prepared_file(app, admin_client, auth, factories):
    from yoozak.maintenance.anonymise import anonymise_client

    gone = factories.client("Khadija", "Benjelloun", is_active=False)
    ask_in_background(admin_client, auth, status="all")
    folder = Path(app.instance_path) / "exports"
    assert len(list(folder.glob("*/*"))) == 1  # it holds Khadija
    anonymise_client(db.session, gone.id, reason="request")
    db.session.commit()
    assert list(folder.glob("*/*")) == []
