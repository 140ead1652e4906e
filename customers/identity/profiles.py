"""Match profiles kept in step with customers: refreshed by the services on every write, and checked against the
customer's version by every scan (so a row written some other way, a COPY or a shell, is caught up too)."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from customers.identity.features import FEATURES_VERSION, PROFILE_FIELDS, profile_values
from customers.models import Customer, MatchProfile

# Customers that take part in matching: merged and erased ones have no profile.
MATCHED_STATUSES = (Customer.Status.ACTIVE, Customer.Status.ARCHIVED)
_SOURCE_FIELDS = ("pk", "version", "status", "given_name", "family_name", "date_of_birth", "email", "phone",
                  "national_id_index", "postal_code", "city", "address_line1", "address_line2", "country")


def _profile(values: dict) -> MatchProfile:
    pk, version = values.pop("pk"), values.pop("version")
    values.pop("status", None)
    return MatchProfile(customer_id=pk, version=version, features=FEATURES_VERSION, **profile_values(**values))


def _values_of(customer: Customer) -> dict:
    values = {f: getattr(customer, f) for f in _SOURCE_FIELDS if f != "pk"} | {"pk": customer.pk}
    values["country"] = str(values["country"] or "")
    return values


def refresh_profile(customer: Customer) -> None:
    """Bring one customer's profile up to date (or drop it when the customer no longer takes part)."""
    if customer.status not in MATCHED_STATUSES:
        MatchProfile.objects.filter(customer_id=customer.pk).delete()
        return
    profile = _profile(_values_of(customer))
    MatchProfile.objects.update_or_create(customer_id=customer.pk, defaults={
        f: getattr(profile, f) for f in ("version", "features", *PROFILE_FIELDS)} | {"scanned_at": None})


def refresh_profiles(customers: list[Customer]) -> None:
    """refresh_profile for many customers at once (an import's batch): two statements."""
    ids = [c.pk for c in customers]
    for k in range(0, len(ids), 900):
        MatchProfile.objects.filter(customer_id__in=ids[k:k + 900]).delete()
    _write([_profile(_values_of(c)) for c in customers if c.status in MATCHED_STATUSES])


def unscanned(since=None):
    """Profiles refreshed since the last scan compared them: the customers an incremental scan compares."""
    return MatchProfile.objects.filter(Q(scanned_at__isnull=True) | Q(scanned_at__lt=F("refreshed_at")))


def mark_scanned(ids, at) -> None:
    """The customers of `ids` (None: every customer) were compared with everyone as of `at`. Only profiles not
    yet marked are written (a full scan at a million customers need not rewrite every row); those refreshed since
    `at` stay unscanned."""
    rows = unscanned().filter(refreshed_at__lte=at)
    if ids is None:
        rows.update(scanned_at=at)
        return
    ids = list(ids)
    for start in range(0, len(ids), 10000):
        rows.filter(customer_id__in=ids[start:start + 10000]).update(scanned_at=at)


def stale_customers():
    """Customers whose profile is missing, older than the customer, or derived by an older engine."""
    return Customer.objects.filter(status__in=MATCHED_STATUSES).filter(
        Q(match_profile__isnull=True) | ~Q(match_profile__version=F("version"))
        | ~Q(match_profile__features=FEATURES_VERSION))


def refresh_stale(batch_size: int = 5000) -> list[int]:
    """Refresh every stale profile and drop those of merged and erased customers; the ids refreshed."""
    MatchProfile.objects.exclude(customer__status__in=MATCHED_STATUSES).delete()
    refreshed: list[int] = []
    last = 0
    while True:
        rows = list(stale_customers().filter(pk__gt=last).order_by("pk").values(*_SOURCE_FIELDS)[:batch_size])
        if not rows:
            return refreshed
        ids = [r["pk"] for r in rows]
        profiles = [_profile(dict(r, country=str(r["country"] or ""))) for r in rows]
        with transaction.atomic():
            MatchProfile.objects.filter(customer_id__in=ids).delete()
            _write(profiles)
        refreshed.extend(ids)
        last = ids[-1]


def _write(profiles: list[MatchProfile]) -> None:
    now = timezone.now()
    for p in profiles:
        p.refreshed_at = now
    if connection.vendor != "postgresql":
        MatchProfile.objects.bulk_create(profiles, batch_size=500)
        return
    columns = ["customer_id", "version", "features", "refreshed_at", *PROFILE_FIELDS]
    with connection.cursor() as cursor, cursor.copy(
            f"COPY {MatchProfile._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
        for p in profiles:
            copy.write_row([getattr(p, c) for c in columns])
