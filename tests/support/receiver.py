"""A real webhook receiver on 127.0.0.1: records what it is sent, answers as the test says."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    """One POST as the receiver saw it, and what it answered."""

    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def payload(self) -> dict:
        """Return the JSON body."""
        return json.loads(self.body)


@dataclass
class Plan:
    """How the receiver answers the next requests: a queue of (status, delay), then 200."""

    queue: list[tuple[int, float]] = field(default_factory=list)
    always: int | None = None


class Receiver:
    """A threaded HTTP server that can fail, be slow, or be stopped and restarted on its port."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.plan = Plan()
        self.lock = threading.Lock()
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        self.start()

    @property
    def url(self) -> str:
        """Return the URL webhooks are posted to."""
        return f"http://127.0.0.1:{self.port}/hooks"

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    status, delay = receiver.plan.queue.pop(0) if receiver.plan.queue else (None, 0.0)
                    status = status or receiver.plan.always or 200
                if delay:
                    time.sleep(delay)
                with receiver.lock:
                    receiver.requests.append(
                        Received({k.lower(): v for k, v in self.headers.items()}, body, status)
                    )
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up (timeout)

            def log_message(self, *args):
                pass

        return Handler

    def start(self) -> None:
        """Listen (again) on the same port."""
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="webhook-receiver")
        self.thread.start()

    def stop(self) -> None:
        """Stop listening: connections are refused until start()."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=5)
            self.server = None

    def answer(self, *statuses: int, delay: float = 0.0) -> None:
        """Answer the next requests with these statuses (then 200), each after `delay` seconds."""
        with self.lock:
            self.plan.queue.extend((status, delay) for status in statuses)

    @property
    def acknowledged(self) -> list[Received]:
        """Return the requests answered 2xx, in arrival order."""
        return [r for r in self.requests if 200 <= r.status < 300]
