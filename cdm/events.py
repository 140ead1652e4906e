"""What happened, announced once it is committed: the one way follow-up work leaves a service.

A service says `emit("service_request.closed", request_id=..., send_survey=True)`; apps subscribe
handlers in their AppConfig.ready() (customers queues the survey e-mail). Webhooks do not listen
here: an on-commit handler is lost if the process dies or the broker is down right after the commit,
so their events are written in the transaction itself (cdm.webhooks.outbox_record). Handlers run after the transaction commits, never for a rolled-back write, with
the payload as plain JSON-safe values (ids, not objects), so a handler may hand it to a Celery task.
Services therefore import no task, and cdm knows no app.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

ANY = "*"
_handlers: dict[str, list[Callable[..., None]]] = {}


def subscribe(event: str, handler: Callable[..., None]) -> None:
    """Call `handler(event=<name>, **payload)` after each committed `event` (ANY: every event). Idempotent."""
    handlers = _handlers.setdefault(event, [])
    if handler not in handlers:
        handlers.append(handler)


def emit(event: str, **payload) -> None:
    """Announce `event` with `payload` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: deliver(event, payload))


def deliver(event: str, payload: dict) -> None:
    for handler in [*_handlers.get(event, ()), *_handlers.get(ANY, ())]:
        handler(event=event, **payload)
