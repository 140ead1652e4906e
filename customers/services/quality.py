"""The data-quality score of every customer and the day's figures (the stewards' dashboard).

Score, 0-100, the sum of:

    completeness  40  name (given and family) 10, date of birth 10, e-mail or phone 10,
                      address (street, city, country) 10
    validity      30  e-mail present and valid 10 (email-validator, syntax and domain, no DNS),
                      phone present and valid 10 (phonenumbers), address check passed 10
                      (not checked yet: 5; failed: 0)
    verification  20  e-mail verified 10, phone verified 10 (customers.services.verification)
    freshness     10  updated or confirmed within CDM_QUALITY_STALE_MONTHS (default 24)

Computed set-based: one UPDATE ... SET quality_score = <CASE sum> per range of ids, in SQL. Only the
e-mail and phone checks run in Python (the libraries are the rules); the few invalid values found take
their 10 points off in a second UPDATE of just those ids. quality_score and quality_checked_at are
derived and not history-tracked: CustomerQuerySet.set_quality() writes them in bulk.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import phonenumbers
from django.db import transaction
from django.db.models import Avg, Case, F, IntegerField, Max, Min, Q, Value, When
from django.utils import timezone
from email_validator import EmailNotValidError, validate_email

from cdm.use_cases import use_case
from customers.models import Customer, QualitySnapshot
from customers.selectors.quality import (
    address_complete_q,
    duplicate_clusters_open_count,
    missing_critical_q,
    name_complete_q,
    quality_stale_cutoff,
    reachable_q,
    stale_q,
)

WEIGHTS = {
    "name": 10, "date_of_birth": 10, "reachable": 10, "address": 10,
    "email_valid": 10, "phone_valid": 10, "address_checked": 10,
    "email_verified": 10, "phone_verified": 10,
    "fresh": 10,
}
ADDRESS_UNCHECKED_POINTS = 5
# The drill-down lists of invalid e-mails and phones read the ids kept in the snapshot: at most this many.
IDS_KEPT = 10_000
_CORRECTION_CHUNK = 500


def email_is_valid(value: str) -> bool:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def phone_is_valid(value: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(value, None))
    except phonenumbers.NumberParseException:
        return False


def _points(condition: Q, weight: int) -> Case:
    return Case(When(condition, then=Value(weight)), default=Value(0), output_field=IntegerField())


def quality_score_expression(cutoff):
    """The score in SQL, every e-mail and phone taken as valid (the refresh corrects the invalid ones)."""
    W = WEIGHTS
    address_checked = Case(
        When(address_status=Customer.AddressStatus.VERIFIED, then=Value(W["address_checked"])),
        When(address_status=Customer.AddressStatus.UNCHECKED, then=Value(ADDRESS_UNCHECKED_POINTS)),
        default=Value(0), output_field=IntegerField())
    parts = [
        _points(name_complete_q(), W["name"]),
        _points(Q(date_of_birth__isnull=False), W["date_of_birth"]),
        _points(reachable_q(), W["reachable"]),
        _points(address_complete_q(), W["address"]),
        _points(~Q(email=""), W["email_valid"]),
        _points(~Q(phone=""), W["phone_valid"]),
        address_checked,
        _points(~Q(email="") & Q(email_verified_at__isnull=False), W["email_verified"]),
        _points(~Q(phone="") & Q(phone_verified_at__isnull=False), W["phone_verified"]),
        _points(~stale_q(cutoff), W["fresh"]),
    ]
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


@dataclass
class QualityReport:
    scored: int = 0
    figures: dict = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def _invalid_in(rows) -> tuple[list[int], list[int]]:
    bad_email, bad_phone = [], []
    for pk, email, phone in rows:
        if email and not email_is_valid(email):
            bad_email.append(pk)
        if phone and not phone_is_valid(phone):
            bad_phone.append(pk)
    return bad_email, bad_phone


def _take_off(ids: list[int], points: int) -> None:
    for k in range(0, len(ids), _CORRECTION_CHUNK):
        Customer.objects.filter(pk__in=ids[k:k + _CORRECTION_CHUNK]).set_quality(F("quality_score") - points)


@use_case(atomic=False)
def customer_quality_refresh(*, by, batch_size: int = 20_000, now=None) -> QualityReport:
    """Score every active customer and write today's QualitySnapshot (replacing one written earlier today).

    Commits range by range of ids (each range's score and its corrections together), so a million customers
    never sit in one transaction; running it twice gives the same scores and the same snapshot.
    """
    started = timezone.now()
    now = now or started
    cutoff = quality_stale_cutoff(now)
    expression = quality_score_expression(cutoff)
    active = Customer.objects.active()
    bounds = active.aggregate(low=Min("pk"), high=Max("pk"))
    report = QualityReport()
    invalid = {"invalid_email": [], "invalid_phone": []}
    counts = {"invalid_email": 0, "invalid_phone": 0}
    if bounds["low"] is not None:
        for low in range(bounds["low"], bounds["high"] + 1, batch_size):
            batch = active.filter(pk__gte=low, pk__lt=low + batch_size)
            rows = batch.filter(reachable_q()).values_list("pk", "email", "phone")
            bad_email, bad_phone = _invalid_in(rows.iterator(chunk_size=5000))
            with transaction.atomic():
                report.scored += batch.set_quality(expression, at=now)
                _take_off(bad_email, WEIGHTS["email_valid"])
                _take_off(bad_phone, WEIGHTS["phone_valid"])
            for key, found in (("invalid_email", bad_email), ("invalid_phone", bad_phone)):
                counts[key] += len(found)
                invalid[key].extend(found[:IDS_KEPT - len(invalid[key])])
    average = active.filter(quality_score__isnull=False).aggregate(avg=Avg("quality_score"))["avg"]
    figures = {
        **counts,
        "address_failed": active.filter(address_status=Customer.AddressStatus.UNVERIFIED).count(),
        "missing_critical": active.filter(missing_critical_q()).count(),
        "stale": active.filter(stale_q(cutoff)).count(),
        "duplicate_clusters": duplicate_clusters_open_count(),
        "average_score": round(average, 1) if average is not None else None,
        "customers": report.scored,
        "checked_at": now.isoformat(),
        "ids": invalid,
    }
    QualitySnapshot.objects.update_or_create(day=timezone.localdate(now), defaults={"figures": figures})
    report.figures = {k: v for k, v in figures.items() if k != "ids"}
    report.seconds = round((timezone.now() - started).total_seconds(), 2)
    return report


@use_case
def quality_snapshot_record(*, by, day, figures: dict) -> QualitySnapshot:
    """Store the figures of one day as given (the demo's history; a correction by hand)."""
    snapshot, _created = QualitySnapshot.objects.update_or_create(day=day, defaults={"figures": figures})
    return snapshot
