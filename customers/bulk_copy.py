"""Bulk writes with PostgreSQL's binary `COPY ... FROM STDIN`, history tables included.

For anything that stores many rows at once (the demo seed, imports): the caller builds plain row
tuples, grouped per table, and `CopyWriter.write` copies them in one go, foreign keys included:

- A `Table` names a model, the attnames its row tuples hold (in order) and its `links`: foreign
  keys whose value is the index of the referenced row in the same batch. The ids of `referenced`
  tables are drawn from their own sequences first, so the links are written directly, without
  RETURNING.
- A batch is any object with one list of row tuples per table, as the attribute named by the
  table's `key`.
- Fields the rows do not hold get their model default. Encrypted fields are stored as
  django_cryptography stores them: `encrypt_bytes(pickle.dumps(value))` with the key ring of
  `cdm.crypto`; one batch shares one ciphertext of the empty value, every other value gets its own.
- History-tracked models (django-simple-history) get a "+" history row per row, with the same
  values and ciphertexts, dated by the table's `history_date` field or else now.

It imports no app module: what it writes is the caller's to say.
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from cdm.crypto import encrypt_bytes, is_encrypted_field


@dataclass(frozen=True)
class Table:
    key: str  # the batch attribute holding the rows (and the name of their ids in write()'s result)
    label: str
    model: type
    fields: tuple[str, ...]
    links: tuple[tuple[str, str], ...] = ()  # (attname, key of the table whose batch index it holds)
    referenced: bool = False  # other rows or history rows need its ids: drawn from the sequence first
    history_date: str | None = None  # the field whose value dates the history row; None: now


def has_history(model) -> bool:
    return getattr(model._meta, "simple_history_manager_attribute", None) is not None


# id of a shared JSON value -> its JSON text; _SHARED keeps those values alive, so no other
# object can ever take one of their ids.
_SHARED_JSON: dict[int, str] = {}
_SHARED: list = []


def json_share(value):
    """Mark `value` (a dict or list that many rows hold, never changed) to be serialised once."""
    _SHARED.append(value)
    _SHARED_JSON[id(value)] = json.dumps(value)
    return value


def _json_dumps(value, dumps=json.dumps) -> str:
    """json.dumps, serialising each shared value (json_share) once."""
    if not value and isinstance(value, dict):
        return "{}"
    text = _SHARED_JSON.get(id(value))
    return text if text is not None else dumps(value)


def _encrypter(f, empty_ciphertexts: dict):
    """The stored form of an encrypted field's value: encrypt_bytes(pickle.dumps(prepared value))."""

    def encrypt(value):
        if value is None:
            return None
        value = f.get_prep_value(value)
        if value == "":
            ciphertext = empty_ciphertexts.get(f.attname)
            if ciphertext is None:
                ciphertext = empty_ciphertexts[f.attname] = encrypt_bytes(pickle.dumps(value))
            return ciphertext
        return encrypt_bytes(pickle.dumps(value))

    return encrypt


class CopyWriter:
    """Writes batches of `tables` with binary COPY ... FROM STDIN on one PostgreSQL connection.

    history_reason, history_user_id: the change reason and the user of the history rows (none by default).
    synchronous_commit: False for data that can be regenerated (demo data): the batch's commit
    then does not wait for the WAL flush.
    """

    def __init__(self, tables, *, history_reason: str = "", synchronous_commit: bool = True, conn=None,
                 history_user_id: int | None = None):
        self.tables = tuple(tables)
        self.connection = conn or connection
        self.history_reason = history_reason
        self.history_user_id = history_user_id
        self.synchronous_commit = synchronous_commit
        self.plans = {table.key: self._plan(table) for table in self.tables}
        self.sequences: dict[str, str] = {}
        self.types: dict[str, dict[str, int]] = {}  # table -> column -> type oid

    def _plan(self, table: Table) -> dict:
        model, conn = table.model, self.connection
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        pk = model._meta.pk
        written = [pk.attname] if table.referenced else []
        written += list(table.fields)
        # Fields the rows do not hold (added to the model later, say) get their default.
        rest = [f for f in model._meta.concrete_fields if f.attname not in written and f is not pk]
        extras = tuple(f.get_db_prep_save(f.get_default(), conn) for f in rest)
        offset = 1 if table.referenced else 0
        encrypted = [position + offset for position, name in enumerate(table.fields)
                     if is_encrypted_field(by_attname[name])]
        plan = {
            "table": model._meta.db_table,
            "columns": [by_attname[a].column for a in written] + [f.column for f in rest],
            "encrypted": [(position, by_attname[written[position]]) for position in encrypted],
            "extras": extras,
            "links": [(table.fields.index(a) + offset, target) for a, target in table.links],
            "history": None,
            "history_date": offset + table.fields.index(table.history_date) if table.history_date else None,
        }
        if has_history(model):
            plan["history"] = self._history_plan(model, written)
        return plan

    def _history_plan(self, model, written: list[str]) -> dict:
        """History rows copy the row just written (same values, same ciphertexts) plus the history fields."""
        history = getattr(model, model._meta.simple_history_manager_attribute).model
        columns, picks = [], []
        for f in history._meta.concrete_fields:
            if f.attname == "history_id":
                continue
            columns.append(f.column)
            if f.attname in written:
                picks.append(("row", written.index(f.attname)))
            elif f.attname == "history_date":
                picks.append(("date", None))
            elif f.attname == "history_type":
                picks.append(("const", "+"))
            elif f.attname == "history_change_reason":
                picks.append(("const", self.history_reason))
            elif f.attname == "history_user_id":
                picks.append(("const", self.history_user_id))
            else:
                picks.append(("const", f.get_db_prep_save(f.get_default(), self.connection)))
        return {"table": history._meta.db_table, "columns": columns, "picks": picks}

    def _copy(self, cursor, table: str, columns: list[str]):
        """An open binary COPY into `table`, its column types set."""
        if table not in self.types:
            cursor.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass "
                           "AND attnum > 0 AND NOT attisdropped", [table])
            self.types[table] = dict(cursor.fetchall())
        quote = self.connection.ops.quote_name
        copy = cursor.copy("COPY {} ({}) FROM STDIN (FORMAT BINARY)".format(
            quote(table), ", ".join(quote(c) for c in columns)))
        return copy, [self.types[table][c] for c in columns]

    def _sequence(self, cursor, model) -> str:
        table = model._meta.db_table
        if table not in self.sequences:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])
            self.sequences[table] = cursor.fetchone()[0]
        return self.sequences[table]

    def write(self, batch) -> dict[str, list[int]]:
        """Copy every row of `batch`; returns the new ids of each referenced table, by table key.

        Call inside a transaction: the foreign keys are checked at commit (they are deferred).
        """
        from psycopg.types.json import set_json_dumps

        ids: dict[str, list[int]] = {}
        empty_ciphertexts: dict = {}
        with self.connection.cursor() as django_cursor:
            cursor = django_cursor.cursor  # psycopg's own
            set_json_dumps(_json_dumps, cursor)
            if not self.synchronous_commit:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            for table in self.tables:
                rows = getattr(batch, table.key)
                if table.referenced and rows:
                    cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                                   [self._sequence(cursor, table.model), len(rows)])
                    ids[table.key] = [r[0] for r in cursor.fetchall()]
            for table in self.tables:
                rows = getattr(batch, table.key)
                if not rows:
                    continue
                plan = self.plans[table.key]
                own_ids = ids.get(table.key)
                links = [(position, ids.get(target, [])) for position, target in plan["links"]]
                encrypted = [(position, _encrypter(f, empty_ciphertexts)) for position, f in plan["encrypted"]]
                extras = plan["extras"]
                history = plan["history"]
                written = [] if history else None
                copy, types = self._copy(cursor, plan["table"], plan["columns"])
                with copy as copy:
                    copy.set_types(types)
                    write_row = copy.write_row
                    for k, row in enumerate(rows):
                        values = [own_ids[k], *row] if own_ids is not None else list(row)
                        for position, targets in links:
                            index = values[position]
                            if index is not None:
                                values[position] = targets[index]
                        for position, encrypt in encrypted:
                            values[position] = encrypt(values[position])
                        if extras:
                            values.extend(extras)
                        write_row(values)
                        if written is not None:
                            written.append(values)
                if history:
                    self._write_history(cursor, plan, written)
        return ids

    def _write_history(self, cursor, plan: dict, rows: list[list]) -> None:
        picks, date_position = plan["history"]["picks"], plan["history_date"]
        now = timezone.now()  # as bulk_create_with_history dates them
        copy, types = self._copy(cursor, plan["history"]["table"], plan["history"]["columns"])
        with copy as copy:
            copy.set_types(types)
            for values in rows:
                out = []
                for kind, arg in picks:
                    if kind == "row":
                        out.append(values[arg])
                    elif kind == "date":
                        out.append(values[date_position] if date_position is not None else now)
                    else:
                        out.append(arg)
                copy.write_row(out)
