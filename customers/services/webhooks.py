"""What the customers app tells other systems: customer events for the webhook outbox (cdm.webhooks).

Each event's row holds the customer's fields by field group; cdm.webhooks sends each endpoint only the
groups its field policy allows (sensitive fields only to an endpoint allowed SENSITIVE, and stored
encrypted meanwhile). Called inside the service's transaction: a rolled-back change sends nothing.

For the import service: call `import_finished_record(...)` at the end of an import's transaction.
"""

from __future__ import annotations

from cdm import access
from cdm.webhooks import outbox_record, outbox_record_many
from cdm.webhooks.catalogue import EventType
from customers.models import Customer

# Foreign keys are sent by what a destination can match on, not by internal ids.
_RELATED = {"team": "slug", "owner": "username", "merged_into": "customer_number"}


def _value(customer: Customer, name: str):
    if name in _RELATED:
        related = getattr(customer, name)
        return getattr(related, _RELATED[name]) if related is not None else None
    return getattr(customer, name)


def customer_fields(customer: Customer, groups=None) -> dict[str, dict]:
    """{field group: {field: value}} of `customer`'s master data (cdm.access.CUSTOMER_FIELDS), only `groups`
    if given (sensitive fields are read, and decrypted, only when some endpoint may receive them)."""
    return {group: {name: _value(customer, name) for name in names}
            for group, names in access.CUSTOMER_FIELDS.items() if groups is None or group in groups}


def _event(customer: Customer, data: dict | None = None) -> dict:
    return dict(object_type="customers.customer", object_id=str(customer.pk),
                data={"customer_number": customer.customer_number, **(data or {})},
                fields=lambda groups: customer_fields(customer, groups))


def customer_event_record(event_type: str, customer: Customer, *, data: dict | None = None) -> None:
    outbox_record(event_type, **_event(customer, data))


def customers_event_record(event_type: str, customers: list[Customer]) -> None:
    outbox_record_many(event_type, [_event(c) for c in customers])


def consent_event_record(*, customer: Customer, purpose: str, granted: bool, method: str, recorded_at) -> None:
    outbox_record(EventType.CONSENT_CHANGED, object_type="customers.customer", object_id=str(customer.pk),
                  data={"customer_number": customer.customer_number},
                  fields={access.FG.CONSENT: {"purpose": purpose, "granted": granted, "method": method,
                                              "recorded_at": recorded_at}})


def import_finished_record(*, import_id, system: str = "", created: int = 0, updated: int = 0, failed: int = 0,
                           **counts) -> None:
    """`import.finished` for an import (call it in the import's last transaction). The import's `system`
    becomes the event's origin, so it is not echoed back to that system's endpoint."""
    outbox_record(EventType.IMPORT_FINISHED, object_type="customers.import", object_id=str(import_id),
                  data={"import_id": str(import_id), "system": system, "created": created, "updated": updated,
                        "failed": failed, **counts}, origin_system=system or None)
