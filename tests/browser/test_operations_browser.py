"""The operations page and a client's personal-data requests in Chromium at three widths."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import ADMIN_PASSWORD
from tests.test_operations import ops  # noqa: F401  (the fixture: runs, queue, slow requests)
from yoozak.extensions import db
from yoozak.models import Client

pytestmark = pytest.mark.browser


def login_to(browsing, path: str) -> None:
    """Open a protected page, log in through the form and land back on it."""
    page = browsing.page
    browsing.goto(path)
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))
    page.fill("#email", "admin@yoozak.ma")
    page.fill("#password", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))


def test_operations_page(browsing, viewport, ops, admin_user):  # noqa: F811
    page = browsing.page
    login_to(browsing, "/admin/surveillance/")
    expect(page.locator("h1")).to_have_text("Surveillance")
    expect(page.locator('[data-test="tasks"] tbody tr')).to_have_count(4)
    expect(page.locator('[data-task="check-consistency"] [data-outcome="failed"]')).to_be_visible()
    expect(page.locator('[data-test="link-runs"] tbody tr')).to_have_count(2)
    bars = page.locator(".ops-bar")
    expect(bars).to_have_count(4)
    heights = [box["height"] for box in (bars.nth(i).bounding_box() for i in range(2))]
    assert heights[0] > heights[1] > 0  # 200 examined, then 100: the CSS classes size the bars
    expect(page.locator('[data-ops="review-open"]')).to_have_text("1")
    expect(page.locator('[data-test="slow"]')).to_contain_text("GET /client/")
    browsing.assert_no_horizontal_scroll()
    browsing.screenshot("operations")


def test_export_then_erase_a_client(browsing, viewport, factories, admin_user, tmp_path):
    amina = factories.client("Amina", "Tazi", email="amina.tazi@gmail.com", phone="+212600112233")
    factories.order(amina, price="199.00", client_name="Amina Tazi")
    page = browsing.page
    login_to(browsing, f"/client/{amina.id}/")
    page.click('[data-test="privacy"]')
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text("Données personnelles de Amina Tazi")
    browsing.assert_no_horizontal_scroll()
    browsing.screenshot("privacy")

    with page.expect_download() as download:
        page.click('[data-test="export"]')
    path = tmp_path / "export.json"
    download.value.save_as(path)
    data = json.loads(path.read_text())
    assert data["user"]["email"] == "amina.tazi@gmail.com" and len(data["orders"]) == 1

    page.fill('[data-test="erase-confirm"]', "oui")
    page.click('[data-test="erase"]')
    expect(page.locator('[data-test="erase-error"]')).to_have_text("Tapez EFFACER pour confirmer.")
    browsing.errors.clear()  # the 400 answer of the refused form is expected
    page.fill('[data-test="erase-confirm"]', "EFFACER")
    page.click('[data-test="erase"]')
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(rf"/client/{amina.id}/$"))
    expect(page.locator(".alert-success")).to_contain_text("Données personnelles effacées")
    expect(page.locator("h1")).to_have_text(f"anonymise-{amina.id}")
    browsing.assert_no_horizontal_scroll()
    db.session.rollback()
    assert db.session.get(Client, amina.id).anonymised_at is not None
