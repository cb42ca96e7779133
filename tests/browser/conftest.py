"""Browser fixtures: a live werkzeug server over the `app` fixture and Debian's Chromium.

Chromium is required: when /usr/bin/chromium is missing the tests fail (never skip),
since a green run must mean the pages were really driven in a browser.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
VIEWPORTS = {"desktop": (1366, 900), "tablet": (820, 1180), "phone": (390, 844)}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Launch Debian's Chromium (no Playwright download works here); fail if it is missing."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make system-test-deps` installs Debian's chromium.", pytrace=False
        )
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url() -> None:
    """Replace pytest-playwright's fallback base_url (a deprecated instance-method fixture).

    Without pytest-base-url installed, the plugin defines it in a way pytest 9 warns about,
    and warnings are errors here; tests pass full URLs from `live_server` instead.
    """
    return None


@dataclass
class LiveServer:
    """A running server: its base URL and the thread serving it."""

    url: str
    server: object
    thread: threading.Thread


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """Serve the test's application on 127.0.0.1 and a free port, in a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", server, thread)
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@dataclass
class Browsing:
    """One test's page with what it watches: console errors, failed requests, screenshots."""

    page: object
    base_url: str
    name: str
    errors: list[str] = field(default_factory=list)

    def goto(self, path: str):
        """Open a path of the live server and wait for it to settle."""
        response = self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("networkidle")
        return response

    def assert_no_horizontal_scroll(self) -> None:
        """Fail when the page is wider than the window (a sideways scroll)."""
        widths = self.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"horizontal scroll on {self.page.url}: {widths[0]} > {widths[1]} px"

    def screenshot(self, label: str) -> Path:
        """Save a full-page screenshot under test-artifacts/screenshots/."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_clean(self) -> None:
        """Fail on any console error, uncaught exception or CSP violation seen so far."""
        assert self.errors == [], "browser console errors:\n" + "\n".join(self.errors)


@pytest.fixture
def browsing(page, live_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[Browsing]:
    """Return the page wired to the live server, collecting console errors for the test."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    watcher = Browsing(page, live_server.url, name)
    page.on(
        "console",
        lambda msg: (
            watcher.errors.append(f"console.{msg.type}: {msg.text} ({msg.location.get('url', '?')})")
            if msg.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda exc: watcher.errors.append(f"uncaught: {exc}"))
    page.on(
        "response",
        lambda resp: watcher.errors.append(f"HTTP {resp.status}: {resp.url}") if resp.status >= 400 else None,
    )
    page.set_default_timeout(10_000)
    yield watcher
    watcher.assert_clean()


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request, browsing):
    """Size the window to one of the three widths."""
    width, height = VIEWPORTS[request.param]
    browsing.page.set_viewport_size({"width": width, "height": height})
    return request.param
