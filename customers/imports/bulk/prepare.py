"""A batch's rows checked and normalised: by the importer, or by worker processes ahead of it."""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings

from customers.identity.features import profile_of
from customers.imports.mapping import Mapping
from customers.imports.run import ImportReport, customer_row_prepare


@dataclass
class Prepared:
    """A batch's rows as (line, values, PreparedRow or None when rejected, match profile), and what was wrong."""

    rows: list
    report: ImportReport


def prepare_rows(rows: list[tuple[int, dict]], mapping: Mapping, *, profiles: bool = False) -> Prepared:
    """Each row checked and normalised (run.customer_row_prepare), with `profiles` its match profile derived too
    (else derived later, for the new customers alone): no database, so a worker process can do it while the
    importer writes the batch before."""
    report = ImportReport(source="")
    out = []
    for line, values in rows:
        row = customer_row_prepare(values=values, line=line, mapping=mapping, report=report)
        profile = profile_of(SimpleNamespace(**row.data)) if profiles and row is not None else None
        out.append((line, values, row, profile))
    return Prepared(out, report)


def _prepare_in_worker(task):
    rows, mapping = task
    return prepare_rows(rows, mapping, profiles=True)


def _workers() -> int:
    """Processes that prepare the next batches while this one writes: none inside a daemon (a Celery worker's
    child may not fork), nor when CDM_IMPORT_WORKERS says 0 or 1."""
    if multiprocessing.current_process().daemon:
        return 0
    count = settings.CDM_IMPORT_WORKERS
    return count if count > 1 else 0
