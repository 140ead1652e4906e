"""Every row that hangs off a customer, found generically from `Customer._meta` (so consent records, and the
segment memberships of later apps, move without this module importing them), and how one moves.

Rows move with plain UPDATEs of their foreign key through a bare QuerySet: the models' own managers refuse
bulk writes on purpose (append-only evidence, restricted reads), and a merge is the one writer allowed to
re-parent them. Each moved row is remembered with a digest of its contents after the move, so undo can tell
whether anyone edited it since.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from django.db import connection, models, transaction

from cdm import access
from customers.models import Customer, DuplicateCandidate, MatchProfile, Merge

# Handled on their own terms, never moved as rows: the profile is derived (refreshed / dropped), candidates
# are decided or withdrawn, merges point at the records they merged, and merged_into is re-pointed with history.
_NOT_MOVED = (MatchProfile, DuplicateCandidate, Merge, Customer)
CHUNK = 500


@dataclass(frozen=True)
class Relation:
    model: type[models.Model]
    field: str  # the foreign key's attname, e.g. "customer_id"
    unique_with: tuple[tuple[str, ...], ...]  # attnames unique together with the foreign key

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    def rows(self):
        """All rows, through a bare QuerySet (no restriction, no append-only guard: see the module doc)."""
        return models.QuerySet(model=self.model)

    @property
    def columns(self) -> list[str]:
        return [f.attname for f in self.model._meta.concrete_fields]


def _is_history(model) -> bool:
    return hasattr(model, "instance_type")  # simple-history's historical models: history stays with its id


def _unique_with(model, field) -> tuple[tuple[str, ...], ...]:
    sets = [tuple(s) for s in model._meta.unique_together]
    sets += [tuple(c.fields) for c in model._meta.total_unique_constraints]
    if field.unique:
        sets.append((field.name,))
    out = []
    for names in sets:
        if field.name in names:
            out.append(tuple(model._meta.get_field(n).attname for n in names if n != field.name))
    return tuple(out)


@cache
def customer_relations() -> tuple[Relation, ...]:
    found = []
    for rel in Customer._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and rel.is_relation) or rel.many_to_many:
            continue  # M2M through tables appear as hidden reverse foreign keys of their own
        model = rel.related_model
        if _is_history(model) or model in _NOT_MOVED or model._meta.auto_created in _NOT_MOVED:
            continue
        if not model._meta.managed or model._meta.proxy:
            continue
        found.append(Relation(model=model, field=rel.field.attname, unique_with=_unique_with(model, rel.field)))
    return tuple(sorted(found, key=lambda r: (r.label, r.field)))


def consent_relations() -> list[Relation]:
    """Consent state, read generically: rows of an app labelled "consent" with purpose, granted, recorded_at."""
    out = []
    for relation in customer_relations():
        names = {f.name for f in relation.model._meta.concrete_fields}
        if relation.model._meta.app_label == "consent" and {"purpose", "granted", "recorded_at"} <= names:
            out.append(relation)
    return out


def _plain(value):
    if isinstance(value, memoryview | bytes):
        return bytes(value).hex()
    return value


def digest(values: dict) -> str:
    text = json.dumps({k: _plain(v) for k, v in sorted(values.items())}, default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def raw_values(relation: Relation, pks) -> dict[int, dict]:
    """The stored values of rows (encrypted columns as stored: a digest never decrypts), by pk."""
    table = connection.ops.quote_name(relation.model._meta.db_table)
    fields = relation.model._meta.concrete_fields
    cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    pk_col = connection.ops.quote_name(relation.model._meta.pk.column)
    out: dict[int, dict] = {}
    pks = list(pks)
    with connection.cursor() as cursor:
        for start in range(0, len(pks), CHUNK):
            chunk = pks[start:start + CHUNK]
            cursor.execute(f"SELECT {cols} FROM {table} WHERE {pk_col} IN ({', '.join(['%s'] * len(chunk))})", chunk)
            for row in cursor.fetchall():
                values = {f.attname: v for f, v in zip(fields, row)}
                out[values[relation.model._meta.pk.attname]] = values
    return out


def rows_of(relation: Relation, customer_ids) -> list[tuple]:
    """(pk, customer id, *unique-with values of every set) of the rows hanging off `customer_ids`."""
    extra = sorted({a for s in relation.unique_with for a in s})
    return list(relation.rows().filter(**{f"{relation.field}__in": list(customer_ids)})
                .order_by("pk").values_list("pk", relation.field, *extra))


@contextmanager
def reparenting():
    """Inside the block, this transaction may move append-only rows to another customer (consent's trigger,
    PostgreSQL); the setting is transaction-local and switched off again after the block."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('cdm.reparenting', 'on', true)")
    yield  # on an error the transaction (or its savepoint) rolls back, and the setting with it
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('cdm.reparenting', 'off', true)")


def _is_object_right(model) -> bool:
    return any(model._meta.label in (s.user_model, s.group_model) for s in access.object_rights_sources())


def move(relation: Relation, pks, to_customer_id: int) -> None:
    pks = list(pks)
    for start in range(0, len(pks), CHUNK):
        relation.rows().filter(pk__in=pks[start:start + CHUNK]).update(**{relation.field: to_customer_id})
    if pks and _is_object_right(relation.model):
        # A grant now names another customer: every session reads its rights afresh (bulk writes send no signal).
        transaction.on_commit(access.rights_changed)


def counts(customer_ids) -> dict[str, int]:
    """Rows per model hanging off `customer_ids` (models with none left out)."""
    out = {}
    for relation in customer_relations():
        n = relation.rows().filter(**{f"{relation.field}__in": list(customer_ids)}).count()
        if n:
            out[relation.label] = out.get(relation.label, 0) + n
    return out
