"""Locust user for `python -m bench load`: an admin who lists, searches, opens clients and toggles.

Run by bench/load.py as `python -m locust -f bench/_locustfile.py --headless ...` in its own
process (locust patches the standard library through gevent, so nothing else imports this
module; the leading underscore keeps the bench dispatcher away from it). The data to ask for
comes from the JSON file named by YOOZAK_LOAD_SAMPLE (written by bench/load.py): admin
accounts, client ids, e-mails, name and phone fragments.

Each admin logs in through the real form (GET for the CSRF token, POST, 302), reads the
session's token from the list page's <meta name="csrf-token"> as clients.js does, then
runs every request kind once (so that a short run exercises them all) and then a weighted mix.
Any status outside 2xx/3xx, or a page without what it must show, is a failure.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from pathlib import Path
from urllib.parse import quote_plus

import gevent
from locust import between, constant, events, task
from locust.contrib.fasthttp import FastHttpUser

SAMPLE = json.loads(Path(os.environ["YOOZAK_LOAD_SAMPLE"]).read_text(encoding="utf-8"))
THINK = [float(s) for s in os.environ.get("YOOZAK_LOAD_THINK", "0,0").split(",")]
# Seconds to run once every user is ready (0: until --run-time): the steady phase is then
# as long as asked, however long the logins took on a busy machine.
STEADY = float(os.environ.get("YOOZAK_LOAD_STEADY", "0"))
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SORTS = ("name", "-name", "-orders", "orders", "-spent", "spent", "-last_order", "last_order", "created_at")
JSON = {"Accept": "application/json"}
_accounts = itertools.cycle(SAMPLE["admins"])
# Every request as (start time, kind, ms, failed), and when each user had logged in and run
# its tour, for bench/load.py to compute exact percentiles over the steady phase alone.
_raw: dict[str, list] = {"requests": [], "ready": []}


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, start_time=None, **_kw):
    _raw["requests"].append((start_time, name, response_time, exception is not None))


@events.quitting.add_listener
def _dump(environment, **_kw):
    if path := os.environ.get("YOOZAK_LOAD_RAW"):
        Path(path).write_text(json.dumps(_raw), encoding="utf-8")


class Admin(FastHttpUser):
    """One admin in the back office."""

    wait_time = between(*THINK) if THINK[1] > 0 else constant(0)

    def on_start(self) -> None:
        """Log in through the form with its CSRF token, then run every request kind once."""
        self.account = next(_accounts)
        self.csrf = ""
        self.client_id = random.choice(SAMPLE["client_ids"])
        self.login()
        for kind in TOUR:
            kind(self)
        _raw["ready"].append(time.time())
        runner = self.environment.runner
        if STEADY and runner is not None and len(_raw["ready"]) == runner.target_user_count:
            gevent.spawn_later(STEADY, runner.quit)

    def login(self) -> None:
        """Post the login form (a 302 to the client list is the only success)."""
        with self.client.get("/auth/login", name="login form", catch_response=True) as response:
            match = CSRF_INPUT.search(response.text or "")
            if not match:
                response.failure("no CSRF token on the login form")
                return
        form = {
            "email": self.account["email"],
            "password": self.account["password"],
            "csrf_token": match.group(1),
            "next": "",
        }
        with self.client.post(
            "/auth/login", data=form, name="login", allow_redirects=False, catch_response=True
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or "/auth/login" in location:
                response.failure(f"login refused: {response.status_code} {location!r}")

    def page(self, url: str, name: str) -> None:
        """GET an HTML page; keep the session's CSRF token it carries."""
        with self.client.get(url, name=name, catch_response=True) as response:
            if not 200 <= response.status_code < 400:
                response.failure(f"HTTP {response.status_code}")
                return
            text = response.text or ""
            match = CSRF_META.search(text)
            if not match or 'name="password"' in text:
                response.failure("not the page asked for: logged out?")
                return
            self.csrf = match.group(1)

    def api(self, url: str, name: str, key: str, method: str = "GET") -> None:
        """Call a JSON endpoint as clients.js does (Accept header, X-CSRFToken on POST).

        The answer must be a JSON object holding `key`.
        """
        headers = JSON | ({"X-CSRFToken": self.csrf} if method != "GET" else {})
        with self.client.request(method, url, name=name, headers=headers, catch_response=True) as response:
            if not 200 <= response.status_code < 400:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")
                return
            try:
                body = response.json()
            except ValueError:
                body = None
            if not isinstance(body, dict) or key not in body:
                response.failure(f"unexpected answer: {(response.text or '')[:200]}")

    # ------------------------------------------------------------------ the request kinds

    @task(4)
    def list_default(self) -> None:
        self.page("/client/", "list")

    @task(2)
    def list_page(self) -> None:
        self.page(f"/client/?page={random.randint(2, SAMPLE['last_page'])}", "list, page N")

    @task(2)
    def list_sorted(self) -> None:
        page = random.choice((1, 1, 1, 2, 3, random.randint(4, 400)))
        self.page(f"/client/?sort={random.choice(SORTS)}&page={page}", "list, sorted")

    @task(2)
    def search_name(self) -> None:
        self.page("/client/?q=" + quote_plus(random.choice(SAMPLE["names"])), "search, name")

    @task(1)
    def search_phone(self) -> None:
        self.page("/client/?q=" + quote_plus(random.choice(SAMPLE["phones"])), "search, phone")

    @task(1)
    def search_email(self) -> None:
        self.page("/client/?q=" + quote_plus(random.choice(SAMPLE["emails"])), "search, e-mail")

    @task(3)
    def client_page(self) -> None:
        self.client_id = random.choice(SAMPLE["client_ids"])
        self.page(f"/client/{self.client_id}/", "client page")

    @task(2)
    def order_history(self) -> None:
        page = random.choice((1, 1, 2))
        self.api(f"/client/api/{self.client_id}/orders/?page={page}", "order history (JSON)", "orders")

    @task(2)
    def stats(self) -> None:
        self.api("/client/api/stats/", "stats (JSON)", "total_clients")

    @task(1)
    def toggle(self) -> None:
        if not self.csrf:
            self.list_default()
        client_id = random.choice(SAMPLE["client_ids"])
        self.api(f"/client/api/{client_id}/toggle-status/", "toggle status", "is_active", method="POST")


TOUR = (
    Admin.list_default,
    Admin.list_page,
    Admin.list_sorted,
    Admin.search_name,
    Admin.search_phone,
    Admin.search_email,
    Admin.client_page,
    Admin.order_history,
    Admin.stats,
    Admin.toggle,
)
