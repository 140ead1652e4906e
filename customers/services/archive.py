"""Archiving customers who went quiet (the nightly task)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cdm.use_cases import use_case
from customers.models import (
    Customer,
)
from customers.services.customers import customer_bulk_update
from customers.services.webhooks import customers_event_record


@dataclass
class ArchiveReport:
    cutoff: datetime.datetime
    dry_run: bool
    candidates: int = 0
    archived: int = 0
    sample: list[str] = field(default_factory=list)  # customer numbers, for the dry-run report

    def as_dict(self) -> dict:
        return {"cutoff": self.cutoff.isoformat(), "dry_run": self.dry_run, "candidates": self.candidates,
                "archived": self.archived, "sample": self.sample}


def _inactive_since(customer: Customer) -> datetime.date:
    stamps = [customer.created_at, customer.updated_at, customer.last_activity_at]
    return max(s for s in stamps if s is not None).date()


@use_case(atomic=False)
def customer_archive_inactive(*, now=None, days: int | None = None, batch_size: int = 1000, dry_run: bool = False,
                              by) -> ArchiveReport:
    """Archive customers with no activity, order, request or edit for `days` (CDM_ARCHIVE_AFTER_DAYS).

    Batches commit one by one, so a long run can be stopped and started again; archived customers
    drop out of the candidates, which makes a second run a no-op. Each customer gets a history row
    "archived: inactive since <date>". With dry_run, nothing is written: the report says what would be.
    """
    from customers.selectors import customers_inactive

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.CDM_ARCHIVE_AFTER_DAYS if days is None else days)
    candidates = customers_inactive(cutoff=cutoff)
    report = ArchiveReport(cutoff=cutoff, dry_run=dry_run)
    if dry_run:
        report.candidates = candidates.count()
        report.sample = list(candidates.order_by("pk").values_list("customer_number", flat=True)[:20])
        return report
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(candidates.filter(pk__gt=last_pk).order_by("pk").select_for_update(skip_locked=True)[:batch_size])
            if not batch:
                break
            for customer in batch:
                customer.status = Customer.Status.ARCHIVED
            customer_bulk_update(customers=batch, fields=["status"], by=by, batch_size=batch_size,
                                 reason=lambda c: f"archived: inactive since {_inactive_since(c):%Y-%m-%d}")
            customers_event_record("customer.archived", batch)
        last_pk = batch[-1].pk
        report.archived += len(batch)
    report.candidates = report.archived
    return report
