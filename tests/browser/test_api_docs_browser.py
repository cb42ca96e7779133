"""The API documentation page in Chromium: Swagger UI from vendored files, under the strict CSP.

An admin logs in, opens /api/v1/docs, sees every resource of the description, authorises with
a token and tries a call from the page; the console must stay free of errors (CSP included).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_clients_browser import login
from tests.support.api import issue

pytestmark = pytest.mark.browser


def test_docs_page_renders_the_description_and_tries_a_call(browsing, admin_user, factories):
    factories.client("Amine", "Benani")
    _, secret = issue(["stats:read", "clients:read"], name="docs")
    page = browsing.page
    login(browsing)
    browsing.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Yoozak Clients API")
    expect(page.locator(".opblock-tag-section")).to_have_count(4)
    browsing.screenshot("api-docs")
    # Authorise with the token, then try GET /stats from the page.
    page.click("button.authorize")
    page.fill(".modal-ux input[type=text], .modal-ux input[type=password]", secret)
    page.click(".modal-ux button.authorize")
    page.click(".modal-ux button.close-modal")
    stats = page.locator(".opblock", has_text="/api/v1/stats")
    stats.locator(".opblock-summary").click()
    stats.locator("button.try-out__btn").click()
    stats.locator("button.execute").click()
    expect(stats.locator(".responses-table .response .response-col_status").first).to_have_text(
        re.compile("200")
    )
    expect(stats.locator(".responses-table").first).to_contain_text("total_clients")
    browsing.assert_clean()


def test_admin_creates_then_revokes_a_token(browsing, admin_user):
    page = browsing.page
    login(browsing)
    browsing.goto("/admin/apitoken_admin/new/")
    page.fill("#name", "crm")
    page.check("input[value='clients:read']")
    page.check("input[value='orders:write']")
    page.fill("#expires_in_days", "30")
    page.click("input[type=submit].btn-primary")
    page.wait_for_load_state("networkidle")
    alert = page.locator(".alert", has_text="yzk_")
    expect(alert).to_be_visible()
    secret = re.search(r"yzk_[A-Za-z0-9_-]+", alert.inner_text()).group(0)
    browsing.screenshot("api-token-created")
    browsing.goto("/admin/apitoken_admin/")
    expect(page.locator("body")).not_to_contain_text(secret)
    expect(page.locator("td", has_text=secret[:12])).to_be_visible()
    page.click("button:has-text('Révoquer')")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".alert", has_text="Jeton révoqué")).to_be_visible()
    expect(page.locator("button:has-text('Révoquer')")).to_have_count(0)
    browsing.assert_clean()
