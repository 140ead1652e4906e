"""The two writers of a batch: bulk_create anywhere (SQLite for `make run`), binary COPY on PostgreSQL."""

from __future__ import annotations

from django.db import IntegrityError, models, transaction
from django.db.models.functions import Coalesce
from simple_history.utils import bulk_create_with_history

from customers.bulk_copy import CopyWriter, has_history
from customers.demo.constants import HISTORY_REASON
from customers.services.customers import customer_numbers_new as customer_numbers
from customers.demo.tables import TABLES, Batch
from customers.models import Customer, ServiceRequest

_GENERATED_UPDATED_AT = {Customer: models.F("created_at"), ServiceRequest: Coalesce("closed_at", "opened_at")}


def write_orm(batch: Batch, batch_size: int) -> list[int]:
    """bulk_create (with history for history-tracked models); returns the customers' ids."""
    objects: dict[str, list] = {}
    for table in TABLES:
        instances = []
        for row in getattr(batch, table.key):
            values = dict(zip(table.fields, row))
            for attname, target in table.links:
                index = values.pop(attname)
                values[attname[:-3]] = objects[target][index] if index is not None else None
            instances.append(table.model(**values))
        objects[table.key] = instances
        if not instances:
            continue
        if table.history_date:
            for obj in instances:
                obj._history_date = getattr(obj, table.history_date)
        if has_history(table.model):
            bulk_create_with_history(instances, table.model, batch_size=batch_size, default_user=None,
                                     default_change_reason=HISTORY_REASON)
        else:
            table.model.objects.bulk_create(instances, batch_size=batch_size)
        if table.model in _GENERATED_UPDATED_AT:
            # updated_at is auto_now: put back the generated values (see Generator.customer and _rows).
            # It is not history-tracked, so a plain update is allowed.
            pks = [obj.pk for obj in instances]
            for k in range(0, len(pks), 500):
                table.model.objects.filter(pk__in=pks[k:k + 500]).update(updated_at=_GENERATED_UPDATED_AT[table.model])
    return [c.pk for c in objects["customers"]]


def copy_writer() -> CopyWriter:
    """A COPY writer of the demo's tables on this process's connection (see customers.bulk_copy)."""
    return CopyWriter(TABLES, history_reason=HISTORY_REASON, synchronous_commit=False)


def write(method: str, writer, batch: Batch, numbers: list[str], batch_size: int) -> list[int]:
    """Store `batch` with customer numbers `numbers`, by `method` ("orm" or "copy" with `writer`);
    returns the customers' ids."""
    batch.with_numbers(numbers)
    if method == "orm":
        return write_orm(batch, batch_size)
    for attempt in range(3):
        try:
            with transaction.atomic():
                return writer.write(batch).get("customers", [])
        except IntegrityError as exc:  # a number taken meanwhile by someone else: draw new ones
            if "customer_number" not in str(exc) or attempt == 2:
                raise
            batch.with_numbers(customer_numbers(len(numbers), set()))
    raise AssertionError("unreachable")

