"""The real-time check: the existing customers a record being typed, imported or posted may be.

One query (an indexed SELECT per key, UNION ALL) finds the customers sharing a blocking key with the record
(features.BLOCKING_RULES, the partial indexes of MatchProfile), then each is scored in Python with the same
comparisons and weights as the batch scan. The caller learns which matches the user may see; a match in another team is never shown,
only counted, so the form can say the record will be checked and the service can raise it to the stewards.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection

from customers.identity.compare import levels as compare_levels
from customers.identity.compare import similarity_of
from customers.identity.features import BLOCKING_RULES, PROFILE_FIELDS, profile_values
from customers.identity.model import KEEP_THRESHOLD, SAME_VALUE, Score, score
from customers.identity.profiles import MATCHED_STATUSES
from customers.identity.store import current_parameters
from customers.models import Customer, MatchProfile

# What the new-customer form sends to the live check as it is typed.
MATCH_FIELDS = ("given_name", "family_name", "date_of_birth", "email", "phone", "country", "postal_code", "city",
                "address_line1")
# Customers sharing a key with the record that are scored at most, and at most per key (the strongest keys first).
MAX_CANDIDATES = 60
PER_KEY = 20


@dataclass
class Match:
    customer_id: int
    team_id: int
    score: Score

    @property
    def probability(self) -> float:
        return self.score.probability

    @property
    def percent(self) -> int:
        return int(self.score.probability * 100)

    @property
    def reasons(self) -> list[str]:
        return self.score.reasons


def record_profile(values: dict) -> dict:
    """The match profile of a record given as customer field values (normalised or not yet)."""
    from cdm.crypto import blind_index
    from customers.normalize import normalize_date_of_birth, normalize_email, normalize_national_id, normalize_phone

    def safe(normaliser, *args):
        try:
            return normaliser(*args) or ""
        except (ValidationError, ValueError, TypeError):  # a value still being typed: no evidence, not an error
            return ""

    country = str(values.get("country") or "")
    national_id = values.get("national_id") or ""
    index = values.get("national_id_index") or (
        blind_index(safe(normalize_national_id, national_id)) if national_id else "")
    return profile_values(
        given_name=values.get("given_name", ""), family_name=values.get("family_name", ""),
        date_of_birth=safe(normalize_date_of_birth, values.get("date_of_birth")) or None, email=safe(normalize_email, values.get("email", "")),
        phone=safe(normalize_phone, values.get("phone", ""), country or None), national_id_index=index,
        postal_code=values.get("postal_code", ""), city=values.get("city", ""),
        address_line1=values.get("address_line1", ""), address_line2=values.get("address_line2", ""),
        country=country)


# One of these the same is worth showing to someone typing a record, whatever else is known yet: a half-typed
# form has an e-mail and nothing more, and that e-mail already being a customer's is what they need to see.
IDENTIFIERS = ("email", "phone", "national_id")
_COLUMNS = ("customer_id", "customer__team_id", *PROFILE_FIELDS)


_VALUE, _EXCLUDED = "\x00value", -1  # stand-ins while an arm's SQL is compiled once (customer ids are positive)


@functools.cache
def _arm(rank: int, excluding: bool) -> tuple[str, tuple]:
    """The SQL of blocking rule `rank`'s SELECT and its parameters, the stand-ins where the key's value and the
    excluded customer go: compiled by the ORM once per process (compiling nine querysets was a third of the
    check's time at a million customers)."""
    theirs = BLOCKING_RULES[rank][1]
    query = MatchProfile.objects.filter(**{theirs: _VALUE}, customer__status__in=MATCHED_STATUSES)
    if excluding:
        query = query.exclude(customer_id=_EXCLUDED)
    sql, params = query.values_list(*_COLUMNS)[:PER_KEY].query.sql_with_params()
    return f"SELECT {rank} AS key_rank, arm.* FROM ({sql}) arm", tuple(params)


def _candidates(profile: dict, exclude: int | None) -> list[dict]:
    """The matched customers sharing a blocking key with `profile` (at most PER_KEY per key, MAX_CANDIDATES in
    all, the strongest keys first: one crowded key, "j smith", must not push out the customer sharing the
    e-mail), with their team and profile, in one round trip: one indexed SELECT per key, UNION ALL."""
    arms, params = [], []
    for rank, (mine, _theirs) in enumerate(BLOCKING_RULES):
        if not profile.get(mine):
            continue
        sql, template = _arm(rank, exclude is not None)
        arms.append(sql)
        params += [profile[mine] if p == _VALUE else exclude if p == _EXCLUDED else p for p in template]
    if not arms:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(arms) + " ORDER BY key_rank", params)
        fetched = cursor.fetchall()
    to_date = MatchProfile._meta.get_field("date_of_birth").to_python  # SQLite returns the text
    rows: dict[int, dict] = {}
    for _rank, *values in fetched:
        if values[0] not in rows and len(rows) < MAX_CANDIDATES:
            row = dict(zip(_COLUMNS, values))
            row["date_of_birth"] = to_date(row["date_of_birth"])
            rows[values[0]] = row
    return list(rows.values())


def matches_for_profile(profile: dict, *, exclude: int | None = None, min_probability: float = KEEP_THRESHOLD,
                        identifiers: bool = False) -> list[Match]:
    """Existing customers that may be the person of `profile`, most probable first (every team). With
    `identifiers`, also those sharing an e-mail, phone or national ID (outside a household) at any probability."""
    rows = _candidates(profile, exclude)
    if not rows:
        return []
    params = current_parameters()
    found = []
    for row in rows:
        levels = compare_levels(profile, row)
        result = score(params, levels, {c: similarity_of(c, profile, row) for c in ("given", "family")})
        shared = identifiers and not result.household and any(levels[c] in SAME_VALUE for c in IDENTIFIERS)
        if result.probability >= min_probability or shared:
            found.append(Match(row["customer_id"], row["customer__team_id"], result))
    found.sort(key=lambda m: -m.probability)
    return found


@dataclass
class CheckResult:
    visible: list[tuple[Customer, Match]]
    hidden: list[Match]  # matches the user may not see: counted, raised to stewards, never shown


def check(*, user, values: dict, exclude: int | None = None, limit: int = 5,
          min_probability: float = KEEP_THRESHOLD) -> CheckResult:
    """The likely existing customers for a record being entered by `user`, split by what they may see."""
    matches = matches_for_profile(record_profile(values), exclude=exclude, min_probability=min_probability,
                                  identifiers=True)
    if not matches:
        return CheckResult([], [])
    from cdm.access import SENSITIVE_FIELDS

    visible = {c.pk: c for c in Customer.objects.restrict(user, "view").filter(
        pk__in=[m.customer_id for m in matches]).select_related("team").defer(*SENSITIVE_FIELDS)}
    shown = [(visible[m.customer_id], m) for m in matches if m.customer_id in visible][:limit]
    hidden = [m for m in matches if m.customer_id not in visible]
    return CheckResult(shown, hidden)
