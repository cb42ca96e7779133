"""The bell and the notifications page in Chromium at desktop, tablet and phone widths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import ADMIN_PASSWORD
from yoozak.extensions import db
from yoozak.notifications import notify_admins

pytestmark = pytest.mark.browser


@pytest.fixture
def news(admin_user, factories):
    """Three new clients (three notifications) and 22 older notices: two pages."""
    for n in range(22):
        notify_admins("info", f"Ancienne notification {n}")
    db.session.commit()
    return [factories.client(name, "Bennani") for name in ("Amina", "Karim", "Salma")]


def login(browsing) -> None:
    page = browsing.page
    browsing.goto("/auth/login")
    page.fill("#email", "admin@yoozak.ma")
    page.fill("#password", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def open_menu_if_collapsed(page) -> None:
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        page.wait_for_timeout(400)


def test_bell_page_and_mark_read(browsing, viewport, news):
    page = browsing.page
    login(browsing)
    bell = page.locator("[data-test=bell]:visible")
    expect(bell).to_have_count(1)  # outside the collapsed menu on small screens
    expect(bell.locator("[data-test=bell-count]")).to_have_text("25")
    browsing.assert_no_horizontal_scroll()
    bell.click()
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    expect(page.locator("[data-test=notification]")).to_have_count(20)
    expect(page.locator("[data-test=notification]").first).to_contain_text("Nouveau client : Salma Bennani")
    browsing.assert_no_horizontal_scroll()
    browsing.screenshot("notifications")

    page.locator("[data-test=mark-read]").first.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-test=bell]:visible [data-test=bell-count]")).to_have_text("24")
    expect(page.locator("[data-test=notification]").first).to_have_attribute("data-read", "true")

    page.locator("[data-test=open]").nth(1).click()  # "Voir": marks read and opens the client page
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(r"/client/\d+/$"))
    expect(page.locator("[data-test=bell]:visible [data-test=bell-count]")).to_have_text("23")

    browsing.goto("/notifications/?page=2")
    expect(page.locator("[data-test=notification]")).to_have_count(5)
    page.click("[data-test=mark-all-read]")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".alert-success")).to_contain_text("23 notifications marquées comme lues.")
    expect(page.locator("[data-test=bell]:visible [data-test=bell-count]")).to_have_count(0)
    browsing.assert_no_horizontal_scroll()


def test_bell_in_the_admin_and_preferences(browsing, viewport, news):
    page = browsing.page
    login(browsing)
    browsing.goto("/admin/")
    open_menu_if_collapsed(page)
    bell = page.locator("[data-test=bell]:visible")
    expect(bell.locator("[data-test=bell-count]")).to_have_text("25")
    browsing.goto("/notifications/preferences")
    page.locator("label", has_text="un résumé par jour").click()
    page.click("[data-test=save-preferences]")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".alert-success")).to_contain_text("Préférences enregistrées.")
    expect(page.locator("input[value=daily]")).to_be_checked()
    browsing.assert_no_horizontal_scroll()
    browsing.screenshot("preferences")
