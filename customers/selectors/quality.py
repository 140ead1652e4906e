"""Reads of data quality: the conditions each figure counts, the stewards' dashboard and its drill-down lists.

The conditions live here, once, as Q objects: the nightly refresh (customers.services.quality) counts with
them and the drill-down lists filter with them, so a tile and its list cannot disagree about what "stale"
means. E-mail and phone validity need Python (email-validator, phonenumbers): the refresh checks them and
keeps the ids it found in the day's snapshot (`figures["ids"]`), which those two lists read.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from cdm.access import SENSITIVE_FIELDS
from customers.models import Customer, DuplicateCandidate, QualitySnapshot

DASHBOARD_PERM = "customers.view_qualitysnapshot"
TREND_DAYS = 90


@dataclass(frozen=True)
class Figure:
    key: str  # in QualitySnapshot.figures and in the URL
    label: str
    help: str
    list_label: str


FIGURES: tuple[Figure, ...] = (
    Figure("invalid_email", "Invalid e-mails", "E-mail addresses that fail the syntax and domain check.",
           "Customers whose e-mail address is not valid"),
    Figure("invalid_phone", "Invalid phones", "Phone numbers that are not valid numbers of their country.",
           "Customers whose phone number is not valid"),
    Figure("address_failed", "Failed address checks", "Postal addresses that failed the address check.",
           "Customers whose address failed the check"),
    Figure("missing_critical", "Missing critical fields",
           "No given name, no date of birth, neither e-mail nor phone, or no street, city and country.",
           "Customers missing a critical field"),
    Figure("stale", "Stale records", "Not updated or confirmed for CDM_QUALITY_STALE_MONTHS months.",
           "Customers not updated or confirmed for a long time"),
    Figure("duplicate_clusters", "Open duplicate clusters", "Groups of suspected duplicates waiting for review.",
           "Customers in an open duplicate cluster"),
    Figure("average_score", "Average score", "Mean data-quality score (0-100) of active customers.",
           "Customers by data-quality score, lowest first"),
)
FIGURE_KEYS = tuple(f.key for f in FIGURES)
# Found in Python by the refresh; their lists read the ids it kept.
CHECKED_IN_PYTHON = ("invalid_email", "invalid_phone")


def quality_stale_months() -> int:
    return int(getattr(settings, "CDM_QUALITY_STALE_MONTHS", 24))


def quality_stale_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(days=round(quality_stale_months() * 365.25 / 12))


def name_complete_q() -> Q:
    return ~Q(given_name="") & ~Q(family_name="")


def reachable_q() -> Q:
    return ~Q(email="") | ~Q(phone="")


def address_complete_q() -> Q:
    return ~Q(address_line1="") & ~Q(city="") & ~Q(country="")


def missing_critical_q() -> Q:
    return ~name_complete_q() | Q(date_of_birth__isnull=True) | ~reachable_q() | ~address_complete_q()


def stale_q(cutoff: datetime.datetime) -> Q:
    """Neither updated nor confirmed (a verification) since `cutoff`."""
    return (Q(updated_at__lt=cutoff) & (Q(email_verified_at__isnull=True) | Q(email_verified_at__lt=cutoff))
            & (Q(phone_verified_at__isnull=True) | Q(phone_verified_at__lt=cutoff)))


def duplicate_clusters_open_count() -> int:
    return DuplicateCandidate.objects.open().order_by().values("cluster").distinct().count()


def quality_dashboard_allowed(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_perm(DASHBOARD_PERM)


def quality_figure_get(key: str) -> Figure | None:
    return next((f for f in FIGURES if f.key == key), None)


def quality_snapshots(*, user, days: int = TREND_DAYS) -> list[QualitySnapshot]:
    """The last `days` daily snapshots `user` may see, oldest first (the trend)."""
    rows = QualitySnapshot.objects.restrict(user, "view").order_by("-day")[:days]
    return list(reversed(rows))


def quality_dashboard(*, user) -> dict:
    """What the dashboard shows: the latest figures as tiles, the trend as rows (oldest first)."""
    trend = quality_snapshots(user=user)
    latest = trend[-1] if trend else None
    months = str(quality_stale_months())
    tiles = [{"figure": f, "value": (latest.figures.get(f.key) if latest else None),
              "help": f.help.replace("CDM_QUALITY_STALE_MONTHS", months)} for f in FIGURES]
    rows = [{"day": s.day, "values": [s.figures.get(k) for k in FIGURE_KEYS]} for s in trend]
    chart = {"labels": [s.day.isoformat() for s in trend],
             "series": [{"key": f.key, "label": f.label, "values": [s.figures.get(f.key) for s in trend]}
                        for f in FIGURES]}
    checked_at = latest.figures.get("checked_at") if latest else None
    return {"latest": latest, "checked_at": datetime.datetime.fromisoformat(checked_at) if checked_at else None,
            "tiles": tiles, "rows": rows, "chart": chart, "figures": FIGURES,
            "stale_months": quality_stale_months()}


def quality_trend_csv_rows(*, user):
    """The trend as CSV rows: a header, then one row per day."""
    yield ["day", *FIGURE_KEYS]
    for s in quality_snapshots(user=user, days=3660):
        yield [s.day.isoformat(), *("" if s.figures.get(k) is None else s.figures[k] for k in FIGURE_KEYS)]


def quality_figure_customers(*, user, figure: str):
    """The active customers a figure counts, within `user`'s rights, worst first."""
    customers = (Customer.objects.restrict(user, "view").active().defer(*SENSITIVE_FIELDS, "address_issues")
                 .select_related("team"))
    if figure in CHECKED_IN_PYTHON:
        latest = QualitySnapshot.objects.restrict(user, "view").order_by("-day").first()
        ids = (latest.figures.get("ids", {}).get(figure, []) if latest else [])
        customers = customers.filter(pk__in=ids)
    elif figure == "address_failed":
        customers = customers.filter(address_status=Customer.AddressStatus.UNVERIFIED)
    elif figure == "missing_critical":
        customers = customers.filter(missing_critical_q())
    elif figure == "stale":
        customers = customers.filter(stale_q(quality_stale_cutoff())).order_by("updated_at", "pk")
        return customers
    elif figure == "duplicate_clusters":
        open_pairs = DuplicateCandidate.objects.open()
        customers = customers.filter(Q(pk__in=open_pairs.values("customer_a")) | Q(pk__in=open_pairs.values("customer_b")))
    elif figure == "average_score":
        customers = customers.filter(quality_score__isnull=False)
    else:
        raise ValueError(f"unknown quality figure {figure!r}")
    return customers.order_by("quality_score", "pk")
