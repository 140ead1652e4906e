"""Two-way sync rules: an inbound change from another system overwrites a stored value only if it may.

Every write of a customer field records who set it and when (`Customer.field_sources`: {field: [system, time]};
"cdm" for edits in CDM, the source's own time for a system's). An inbound change of a field from system S,
changed at S at time T, is **skipped** when
- S has a lower priority for the field's group than the system that set the stored value
  (customers.SourceSystem; the default priority is 50 for every system and for "cdm"), or
- the priorities are equal and T is older than the stored value's time.
A skipped change is recorded (customers.SkippedChange: field, system, value unless sensitive, why, what was kept)
and the rest of the change goes through. A change equal to the stored value is no change at all.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cdm import access
from customers.models import DEFAULT_PRIORITY, MANUAL, Customer, SkippedChange, SourceSystem
from customers.models.sync import field_group


@dataclass(frozen=True)
class Stamp:
    """Where a change comes from: the system and the time it changed there (now, if it does not say)."""

    system: str
    at: datetime.datetime

    @classmethod
    def of(cls, system: str | None, at: datetime.datetime | None = None) -> Stamp:
        when = at or timezone.now()
        if timezone.is_naive(when):
            when = timezone.make_aware(when, datetime.timezone.utc)
        return cls((system or MANUAL).lower(), when)

    def as_source(self) -> list:
        return [self.system, self.at.astimezone(datetime.timezone.utc).isoformat()]


def field_sources_record(customer: Customer, fields, stamp: Stamp | None) -> None:
    """Mark `fields` of `customer` as set by `stamp` (by default: an edit in CDM, now). Saved with the customer."""
    stamp = stamp or Stamp.of(MANUAL)
    sources = dict(customer.field_sources or {})
    source = stamp.as_source()
    for name in fields:
        sources[name] = list(source)
    customer.field_sources = sources


@dataclass
class Skipped:
    field: str
    reason: str
    kept_system: str
    kept_at: datetime.datetime


class _Priorities:
    def __init__(self):
        self._systems: dict[str, SourceSystem | None] = {}

    def __call__(self, system: str, group: str) -> int:
        if system not in self._systems:
            self._systems[system] = SourceSystem.objects.filter(system=system).first()
        found = self._systems[system]
        return found.priority(group) if found else DEFAULT_PRIORITY


def sync_priorities() -> _Priorities:
    """The systems' priorities, each read once when first needed."""
    return _Priorities()


def sync_filter(customer: Customer, changes: dict, stamp: Stamp, priorities: _Priorities | None = None
                ) -> tuple[dict, list[Skipped]]:
    """The changes that may overwrite the stored values, and the skipped ones (not yet recorded). `priorities`:
    a sync_priorities() kept across many customers (an import), so the systems are read once."""
    priority = priorities or _Priorities()
    accepted, skipped = {}, []
    for name, value in changes.items():
        source = (customer.field_sources or {}).get(name)
        kept_at = parse_datetime(source[1]) if source else None
        if not source or kept_at is None:
            accepted[name] = value
            continue
        group = field_group(name)
        theirs, ours = priority(stamp.system, group), priority(source[0], group)
        if theirs < ours:
            skipped.append(Skipped(name, SkippedChange.Reason.LOWER_PRIORITY, source[0], kept_at))
        elif theirs == ours and stamp.at < kept_at:
            skipped.append(Skipped(name, SkippedChange.Reason.OLDER, source[0], kept_at))
        else:
            accepted[name] = value
    return accepted, skipped


def skipped_changes_record(customer: Customer, changes: dict, skipped: list[Skipped], stamp: Stamp) -> None:
    if not skipped:
        return
    SkippedChange.objects.bulk_create([SkippedChange(
        customer=customer, field=s.field, system=stamp.system, source_at=stamp.at, reason=s.reason,
        value="" if s.field in access.SENSITIVE_FIELDS else str(changes.get(s.field, ""))[:2000],
        kept_system=s.kept_system, kept_at=s.kept_at) for s in skipped])
