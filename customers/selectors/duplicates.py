"""Customers that may be the same person (the new-customer form and the 360° flag)."""

from __future__ import annotations

import operator
from functools import reduce

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.lookups import GreaterThan

from cdm import access
from cdm.access import SENSITIVE_FIELDS
from customers.models import Customer
from customers.normalize import (
    normalize_country,
    normalize_date_of_birth,
    normalize_text,
    search_name_for,
)
from customers.selectors.search import _email_or_none, _phone_or_none

# What a possible duplicate is looked up by, as the new-customer form and the services pass it.
MATCH_FIELDS = ("given_name", "family_name", "date_of_birth", "email", "phone", "country")
# Trigram similarity of two search names above which, with the same birth date, they look like one person.
DUPLICATE_NAME_SIMILARITY = 0.5


def customer_possible_duplicates(*, user, email: str = "", phone: str = "", given_name: str = "", family_name: str = "",
                                 date_of_birth=None, country: str = "") -> QuerySet[Customer]:
    """Existing customers that may be the person described, most reasons first.

    Matches the same e-mail or the same phone (both normalised as the services store them; the phone's
    region from `country`), the same search name and date of birth, and on PostgreSQL a very similar
    name with the same date of birth. Values that do not normalise are ignored, not errors: this
    runs while the agent is still typing. Merged and erased customers are left out; archived ones
    are kept (restore them rather than create them again). Annotated with the booleans same_email,
    same_phone, same_name_and_birth, similar_name_and_birth and their sum `match_count`.
    The system itself passes `user=cdm.access.SYSTEM` (every customer, every field).
    """
    qs = Customer.objects.restrict(user, "view")
    visible = access.visible_groups(user)
    try:
        region = normalize_country(country) or None
    except ValidationError:
        region = None
    try:
        birth = normalize_date_of_birth(date_of_birth)
    except ValidationError:
        birth = None
    name = search_name_for(given_name, family_name) if normalize_text(family_name) else ""
    reasons: dict[str, Q] = {}
    if access.FG.CONTACT in visible:
        email = _email_or_none(email)
        if email:
            reasons["same_email"] = Q(email=email)
        phone = _phone_or_none(phone, region)
        if phone:
            reasons["same_phone"] = Q(phone=phone)
    if name and birth:
        reasons["same_name_and_birth"] = Q(search_name=name, date_of_birth=birth)
        if connections[qs.db].vendor == "postgresql":
            from django.contrib.postgres.search import TrigramSimilarity

            reasons["similar_name_and_birth"] = Q(date_of_birth=birth) & Q(
                GreaterThan(TrigramSimilarity("search_name", name), DUPLICATE_NAME_SIMILARITY))
    if not reasons:
        return qs.none()
    return (
        qs.exclude(status__in=[Customer.Status.MERGED, Customer.Status.ERASED])
        .filter(reduce(operator.or_, reasons.values()))
        .select_related("team").defer(*SENSITIVE_FIELDS)
        .annotate(**{reason: ExpressionWrapper(condition, output_field=BooleanField())
                     for reason, condition in reasons.items()})
        .annotate(match_count=reduce(operator.add, (
            Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())
            for condition in reasons.values())))
        .order_by("-match_count", "family_name", "given_name", "pk")
    )


def customer_suspected_duplicates(*, customer: Customer, user, limit: int = 5) -> list[Customer]:
    """Other customers (within the user's rights) that look like the same person, for the 360° flag."""
    matches = customer_possible_duplicates(
        user=user, email=customer.email, phone=customer.phone, given_name=customer.given_name,
        family_name=customer.family_name, date_of_birth=customer.date_of_birth, country=str(customer.country or ""))
    return list(matches.exclude(pk=customer.pk)[:limit])
