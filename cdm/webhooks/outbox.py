"""The transactional outbox: an event row written in the caller's transaction, published by the relay.

A service calls

    outbox_record("customer.updated", object_type="customers.customer", object_id=str(customer.pk),
                  data={"customer_number": customer.customer_number},
                  fields={"identity": {...}, "contact": {...}, "sensitive": {...}})

inside its transaction. A rollback drops the row with the change; a commit keeps both, and only then
is the relay asked to run. If the broker is down at that moment, nothing is lost: the row waits
unpublished, and the relay that beat runs every minute (`webhooks.relay`) picks it up.

Where the change came from (an API token's or an import's system) is set around the call by the
caller's caller, without touching every service signature:

    with origin("shop"):
        customer_update(...)        # its event carries origin_system="shop": never sent back to "shop"
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from contextvars import ContextVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from cdm.access import FG
from cdm.webhooks.models import OutboxEvent, WebhookEndpoint

log = logging.getLogger(__name__)

_origin: ContextVar[str] = ContextVar("cdm_webhooks_origin", default="")


@contextlib.contextmanager
def origin(system: str):
    """Mark the changes made inside as coming from `system` (slug, as ExternalIdentity.system)."""
    token = _origin.set((system or "").strip().lower())
    try:
        yield
    finally:
        _origin.reset(token)


def origin_set(system: str) -> None:
    """Inside an `origin()` block (which undoes it at its end): from here on, changes come from `system`."""
    _origin.set((system or "").strip().lower())


def current_origin() -> str:
    return _origin.get()


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        try:
            return super().default(o)
        except TypeError:  # countries, phone numbers: their string form is what a destination reads
            return str(o)


def json_safe(value):
    """Dates, decimals, UUIDs, countries and phone numbers as the strings JSON carries."""
    return json.loads(json.dumps(value, cls=_Encoder))


def subscribers(event_type: str) -> list[WebhookEndpoint]:
    """The endpoints that may still receive `event_type` (active or paused: a paused one catches up on resume)."""
    endpoints = WebhookEndpoint.objects.exclude(status=WebhookEndpoint.Status.DISABLED).only(
        "pk", "event_types", "role", "field_groups", "system")
    return [e for e in endpoints if event_type in (e.event_types or ())]


def outbox_record(event_type: str, *, object_type: str = "", object_id: str = "", data: dict | None = None,
                  fields: dict | None = None, origin_system: str | None = None) -> OutboxEvent | None:
    """Write one event row in the current transaction (see the module doc); None when nobody subscribes.

    Only the field groups some subscriber may receive are stored. `fields` may be a callable taking those
    groups and returning {group: {field: value}}, so a caller reads (and decrypts) only what is needed.
    """
    return (outbox_record_many(event_type, [dict(object_type=object_type, object_id=object_id, data=data,
                                                 fields=fields)], origin_system=origin_system) or [None])[0]


def outbox_record_many(event_type: str, events: list[dict], *, origin_system: str | None = None) -> list[OutboxEvent]:
    """outbox_record for many objects at once (a batch of archived customers): one query per batch."""
    if not events:
        return []
    endpoints = subscribers(event_type)
    if not endpoints:
        # Nobody could ever receive it: an endpoint created later starts with later events.
        return []
    wanted = frozenset().union(*(e.allowed_groups() for e in endpoints))
    system = current_origin() if origin_system is None else origin_system
    now = timezone.now()
    rows = []
    for event in events:
        fields = event.get("fields") or {}
        fields = fields(wanted) if callable(fields) else fields
        # What no endpoint may receive is not kept, not even for a while.
        fields = {group: values for group, values in fields.items() if group in wanted}
        sensitive = fields.pop(FG.SENSITIVE, None)
        rows.append(OutboxEvent(
            type=event_type, occurred_at=now, object_type=event.get("object_type", ""),
            object_id=str(event.get("object_id", "")),
            payload=json_safe({"data": event.get("data") or {}, "fields": fields}),
            sensitive=json.dumps(json_safe(sensitive)) if sensitive else "",
            origin_system=system or ""))
    OutboxEvent.objects.bulk_create(rows)
    relay_on_commit()
    return rows


def relay_on_commit() -> None:
    """Ask for the relay once the transaction commits."""
    if settings.CDM_WEBHOOKS_RELAY_ON_COMMIT != "off":
        transaction.on_commit(_start_relay)


def _start_relay() -> None:
    mode = settings.CDM_WEBHOOKS_RELAY_ON_COMMIT
    if mode == "thread":
        # No broker (the embedded default): a task would run right here, in the request, and wait on the
        # destination's HTTP. A daemon thread relays instead, so a slow destination never slows a save.
        threading.Thread(target=_relay_in_thread, name="cdm-webhooks-relay", daemon=True).start()
        return
    from cdm import tasks

    try:
        tasks.webhooks_relay.delay()
    except Exception:  # the broker is down: the row waits; the periodic relay publishes it later
        log.warning("webhooks: could not enqueue the relay; the periodic relay will publish the event",
                    exc_info=True)


def _relay_in_thread() -> None:
    from cdm import tasks

    try:
        tasks.webhooks_relay()
    except Exception:
        log.exception("webhooks: the relay failed; the periodic relay will try again")
    finally:
        connection.close()
