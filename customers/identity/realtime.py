"""The real-time check: the existing customers a record being typed, imported or posted may be.

One indexed query finds the customers sharing a blocking key with the record (features.BLOCKING_RULES, the
partial indexes of MatchProfile), then each is scored in Python with the same comparisons and weights as
the batch scan. The caller learns which matches the user may see; a match in another team is never shown,
only counted, so the form can say the record will be checked and the service can raise it to the stewards.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

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


def matches_for_profile(profile: dict, *, exclude: int | None = None, min_probability: float = KEEP_THRESHOLD,
                        identifiers: bool = False) -> list[Match]:
    """Existing customers that may be the person of `profile`, most probable first (every team). With
    `identifiers`, also those sharing an e-mail, phone or national ID (outside a household) at any probability."""
    # Key by key, the strongest first, a few customers each: one crowded key ("j smith") must not fill the
    # candidate list before the customer sharing the e-mail is read.
    ids: list[int] = []
    for mine, theirs in BLOCKING_RULES:
        if profile.get(mine) and len(ids) < MAX_CANDIDATES:
            ids += list(MatchProfile.objects.filter(**{theirs: profile[mine]}).exclude(customer_id__in=ids)
                        .values_list("customer_id", flat=True)[:PER_KEY])
    if not ids:
        return []
    rows = (MatchProfile.objects.filter(customer_id__in=ids, customer__status__in=MATCHED_STATUSES)
            .values("customer_id", "customer__team_id", *PROFILE_FIELDS))
    params = current_parameters()
    found = []
    for row in rows:
        if row["customer_id"] == exclude:
            continue
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
