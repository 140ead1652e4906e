"""A real HTTP receiver on 127.0.0.1 for the webhook tests: records each POST, answers as told."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    headers: dict
    body: bytes
    path: str = ""


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    # Each POST takes the next answer (status, headers); when none are left, 200.
    answers: list[tuple[int, dict]] = field(default_factory=list)
    # Set: each POST waits for it before answering (a slow destination).
    hold: threading.Event | None = None
    arrived: threading.Event = field(default_factory=threading.Event)


def serve():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body, self.path))
            state.arrived.set()
            if state.hold is not None:
                state.hold.wait(30)
            status, headers = state.answers.pop(0) if state.answers else (200, {})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, state


@pytest.fixture(autouse=True)
def relay_by_hand(settings):
    """The webhook tests run the relay themselves, in this process (eager tasks), even where CI configures a
    broker and a worker; the on-commit relay is off unless a test turns it on."""
    from cdm.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.CDM_WEBHOOKS_RELAY_ON_COMMIT = "off"
    settings.CDM_WEBHOOKS_ALLOW_PRIVATE = True
    yield
    app.conf.task_always_eager = eager
