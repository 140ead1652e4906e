"""Field values in a merge's snapshot: JSON-safe, sensitive ones sealed (encrypted as in the customer row),
and read back into Python values for the history-writing restore."""

from __future__ import annotations

import base64
import datetime
import json
import pickle

from django.core.serializers.json import DjangoJSONEncoder

from cdm.crypto import decrypt_bytes, encrypt_bytes
from customers.models import Customer
from customers.services.base import SENSITIVE_FIELDS
from customers.services.merge.relations import digest

# What a merge never restores from the snapshot: derived, or written by the save itself.
NOT_RESTORED = frozenset({"id", "customer_number", "updated_at", "version", "last_activity_at", "quality_score",
                          "quality_checked_at", "search_name"})


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()  # DjangoJSONEncoder drops microseconds: undo must be exact
        try:
            return super().default(o)
        except TypeError:
            return str(o)  # e.g. django-countries' Country


def jsonable(value):
    return json.loads(json.dumps(value, cls=_Encoder))


def seal(value) -> str:
    # A pickle, as every value the encrypted fields store: decrypt_bytes proves the key pair by reading it.
    return base64.b64encode(encrypt_bytes(pickle.dumps(json.dumps(value, cls=_Encoder)))).decode()


def unseal(token: str):
    data, _old_key = decrypt_bytes(base64.b64decode(token))
    return json.loads(pickle.loads(data))  # signed by our own key: decrypt_bytes checked it


def _attname_field(attname: str):
    return next(f for f in Customer._meta.concrete_fields if f.attname == attname)


def is_sensitive(attname: str) -> bool:
    return attname in SENSITIVE_FIELDS


def stored(customer: Customer, attname: str):
    """The value for the snapshot: sealed when sensitive (a merge's record never holds one in clear)."""
    value = getattr(customer, attname)
    return {"sealed": seal(value)} if is_sensitive(attname) else jsonable(value)


def fingerprint(customer: Customer, attname: str) -> str:
    """What undo compares a field's value with now, without keeping a sensitive value."""
    return digest({"v": jsonable(getattr(customer, attname))})


def loaded(attname: str, value):
    """The Python value of a snapshot value."""
    if isinstance(value, dict) and set(value) == {"sealed"}:
        value = unseal(value["sealed"])
    field = _attname_field(attname)
    if value is None:
        return None
    if field.is_relation:
        return value
    if field.get_internal_type() == "JSONField":
        return value
    return field.to_python(value)


def customer_values(customer: Customer) -> dict:
    """Every stored field of `customer`, for the snapshot."""
    return {f.attname: stored(customer, f.attname) for f in Customer._meta.concrete_fields
            if f.attname not in NOT_RESTORED}
