"""The client pages in Chromium at desktop, tablet and phone widths.

Each test logs in through the real form, then searches, filters, opens a client and
toggles its status through the confirmation, checking what the page shows, that the
console stays free of errors (CSP violations included) and that nothing scrolls sideways.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.conftest import ADMIN_PASSWORD
from yoozak.extensions import db
from yoozak.models import Client
from yoozak.timeutil import utcnow

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(factories, admin_user):
    """A dozen clients; Amine Bénani has 30 orders, Youssef is inactive."""
    now = utcnow()
    amine = factories.client(
        "Amine",
        "Bénani",
        email="amine.benani@gmail.ma",
        phone="+212612345678",
        address="12 rue de Fès, Casablanca",
        company_name="Atlas Chaussures SARL",
        created_at=now - timedelta(days=2),
    )
    youssef = factories.client(
        "Youssef",
        "Alaoui",
        email="youssef.alaoui.tres.long.email@entreprise-marocaine.ma",
        phone="0698765432",
        is_active=False,
        created_at=now - timedelta(days=40),
    )
    for i in range(10):
        factories.client(f"Client{i}", f"Nom{i}", phone=f"06{i:08d}", created_at=now - timedelta(days=i))
    for i in range(30):
        factories.order(
            amine,
            reference=f"YZ-{i:04d}",
            price="249.90",
            status=("confirmed", "pending", "cancelled")[i % 3],
            created_at=now - timedelta(days=i * 9 + 1),
        )
    return {"amine": amine, "youssef": youssef}


def login(browsing) -> None:
    """Log in through the form as the admin."""
    page = browsing.page
    browsing.goto("/client/")
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))
    page.fill("#email", "admin@yoozak.ma")
    page.fill("#password", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(r"/client/$"))
    expect(page.locator("h1")).to_have_text("Gestion des clients")


def stat(page, key: str):
    return page.locator(f'[data-stat="{key}"]')


def submit_filters(page) -> None:
    page.click('[data-test="apply"]')
    page.wait_for_load_state("networkidle")


def test_search_filter_and_open_a_client(browsing, viewport, shop):
    page = browsing.page
    login(browsing)
    expect(page.locator('[data-test="client-row"]')).to_have_count(12)
    browsing.assert_no_horizontal_scroll()
    browsing.screenshot("list")

    page.fill('[data-test="search"]', "06 12 34")
    submit_filters(page)
    expect(page).to_have_url(re.compile(r"q=06\+12\+34"))
    expect(page.locator('[data-test="client-row"]')).to_have_count(1)
    expect(page.locator('[data-test="client-row"]').first).to_contain_text("Amine Bénani")

    page.fill('[data-test="search"]', "")
    page.select_option('[data-test="status"]', "inactive")
    submit_filters(page)
    expect(page).to_have_url(re.compile(r"status=inactive"))
    rows = page.locator('[data-test="client-row"]')
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Youssef Alaoui")
    expect(page.locator('[data-test="status"]')).to_have_value("inactive")  # kept in the form
    browsing.assert_no_horizontal_scroll()

    page.fill('[data-test="search"]', "BENANI")
    page.select_option('[data-test="status"]', "all")
    submit_filters(page)
    page.click('[data-test="client-row"] [data-test="client-link"]')
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(rf"/client/{shop['amine'].id}/$"))
    expect(page.locator("h1")).to_have_text("Amine Bénani")
    expect(page.locator('[data-test="chart"]')).to_be_visible()
    expect(page.locator('[data-test="orders-table"] tbody tr')).to_have_count(25)
    browsing.assert_no_horizontal_scroll()
    browsing.screenshot("detail")

    # The history pages through the orders API without reloading the page.
    page.click('.js-orders-pager a[data-page="2"]')
    expect(page.locator('[data-test="orders-summary"]')).to_contain_text("page 2 sur 2")
    expect(page.locator('[data-test="orders-table"] tbody tr')).to_have_count(5)
    expect(page.locator('[data-test="orders-table"] tbody')).to_contain_text("YZ-0029")
    expect(page.locator('[data-test="orders-table"] tbody')).to_contain_text("249,90")
    browsing.assert_no_horizontal_scroll()
    browsing.assert_clean()


def test_toggle_on_the_client_page_with_confirmation(browsing, viewport, shop):
    page = browsing.page
    amine = shop["amine"]
    login(browsing)
    browsing.goto(f"/client/{amine.id}/")
    header_badge = page.locator('[data-test="client-header"] [data-test="status-badge"]')
    toggle = page.locator('[data-test="client-header"] [data-test="toggle"]')
    expect(header_badge).to_have_text("Actif")

    # Cancelling the confirmation changes nothing.
    toggle.click()
    modal = page.locator('[data-test="confirm-modal"]')
    expect(modal).to_have_attribute("data-ready", "true")
    expect(modal).to_contain_text("Amine Bénani")
    browsing.screenshot("confirm")
    page.click('[data-test="confirm-cancel"]')
    expect(modal).to_be_hidden()
    expect(page.locator('[data-test="feedback-info"]')).to_contain_text("annulée")
    expect(header_badge).to_have_text("Actif")

    # Confirming deactivates, and the page shows it without a reload.
    toggle.click()
    expect(modal).to_have_attribute("data-ready", "true")
    page.click('[data-test="confirm-ok"]')
    expect(modal).to_be_hidden()
    expect(header_badge).to_have_text("Inactif")
    expect(page.locator('[data-test="profile"] [data-test="status-badge"]')).to_have_text("Inactif")
    expect(toggle).to_have_text("Activer")
    expect(page.locator('[data-test="feedback-success"]')).to_contain_text("inactif")
    db.session.expire_all()
    assert db.session.get(Client, amine.id).is_active is False

    # Still inactive after a reload; activating needs no confirmation.
    browsing.goto(f"/client/{amine.id}/")
    expect(header_badge).to_have_text("Inactif")
    toggle.click()
    expect(header_badge).to_have_text("Actif")
    expect(page.locator('[data-test="confirm-modal"]')).to_be_hidden()
    browsing.assert_no_horizontal_scroll()
    browsing.screenshot("detail-after-toggle")
    browsing.assert_clean()


def test_toggle_from_the_list_refreshes_the_stats(browsing, viewport, shop):
    page = browsing.page
    amine = shop["amine"]
    login(browsing)
    expect(stat(page, "inactive_clients")).to_have_text("1")
    expect(stat(page, "active_clients")).to_have_text("11")
    row = page.locator(f'[data-test="client-row"][data-client-id="{amine.id}"]')
    row.locator('[data-test="toggle"]').click()
    page.click('[data-test="confirm-ok"]')
    expect(page.locator('[data-test="confirm-modal"]')).to_be_hidden()
    expect(row.locator('[data-test="status-badge"]')).to_have_text("Inactif")
    expect(stat(page, "inactive_clients")).to_have_text("2")  # from the stats API
    expect(stat(page, "active_clients")).to_have_text("10")
    expect(page.locator('[data-test="stats-updated"]')).to_contain_text("mis à jour")
    browsing.screenshot("list-after-toggle")

    row.locator('[data-test="toggle"]').click()
    expect(row.locator('[data-test="status-badge"]')).to_have_text("Actif")
    expect(stat(page, "inactive_clients")).to_have_text("1")

    # Stats refresh on demand too.
    page.click('[data-test="stats-refresh"]')
    expect(page.locator('[data-test="feedback-info"]')).to_contain_text("Statistiques actualisées")
    browsing.assert_no_horizontal_scroll()
    browsing.assert_clean()


def test_error_pages_share_the_layout(browsing, viewport, shop):
    page = browsing.page
    login(browsing)
    response = browsing.goto("/client/424242/")
    assert response.status == 404
    expect(page.locator('[data-test="error-page"]')).to_contain_text("Page introuvable")
    expect(page.locator(".navbar-brand")).to_have_text("Yoozak Clients")
    browsing.assert_no_horizontal_scroll()
    browsing.screenshot("404")
    # The 404 is expected here; only other console errors count.
    browsing.errors[:] = [
        e
        for e in browsing.errors
        if "404" not in e or ("/client/424242/" not in e and "Failed to load resource" not in e)
    ]
    browsing.assert_clean()


def test_layout_per_width(browsing, viewport, shop):
    page = browsing.page
    login(browsing)
    email_header = page.locator("thead th", has_text="E-mail")
    first_row = page.locator('[data-test="client-row"]').first
    if viewport == "desktop":
        expect(email_header).to_be_visible()
        expect(page.locator('[data-test="clients-table"] thead')).to_be_visible()
    elif viewport == "tablet":
        expect(email_header).to_be_hidden()  # essential columns only
        expect(page.locator('[data-test="clients-table"] thead')).to_be_visible()
    else:
        expect(page.locator('[data-test="clients-table"] thead')).to_be_hidden()  # compact cards
        box = first_row.locator('[data-test="toggle"]').bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box  # touch-sized
    browsing.assert_no_horizontal_scroll()
    browsing.assert_clean()
    browsing.goto("/admin/client_admin/")
    expect(page.locator('[data-nav="clients"]').first).to_be_attached()
    # Flask-Admin's layout declares no icon, so Chromium asks for /favicon.ico (a 404).
    browsing.errors[:] = [e for e in browsing.errors if "favicon.ico" not in e]
    browsing.assert_clean()
