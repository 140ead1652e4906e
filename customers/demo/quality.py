"""Demo data for the quality work: an attribute vocabulary with synonyms, some verified contact data, today's
scores and a fortnight of quality history, so `make run` shows the dashboard's figures and a trend line.

Idempotent: the attribute, the values, the verifications and the past days are made only where missing;
the scores and today's figures are recomputed (as the nightly task would)."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from cdm.access import SYSTEM
from customers.models import AttributeDefinition, Customer, CustomerAttribute, QualitySnapshot
from customers.services import (
    catalog_save,
    customer_attribute_set,
    customer_bulk_update,
    customer_quality_refresh,
    quality_snapshot_record,
)

INDUSTRY = {
    "key": "industry", "label": "Industry",
    "allowed_values": ["Information technology", "Retail", "Banking and finance", "Energy", "Healthcare",
                       "Public sector"],
    "synonyms": {"Information technology": ["IT", "Tech", "Software", "Informatique"],
                 "Banking and finance": ["Banking", "Finance", "Financial services"],
                 "Healthcare": ["Health", "Health care", "Medical"],
                 "Public sector": ["Government", "Public administration"]},
}
# As people type them: each is stored as its allowed value (customers.services.vocabulary).
TYPED = ["IT", "information technology", "Tech", "retail", "Banking", "finance", "ENERGY", "Health care",
         "Government", "Software", "Retail", "Healthcare"]
ATTRIBUTE_CUSTOMERS = 300
VERIFIED_MAX = 2000
HISTORY_DAYS = 14


def industry_ensure() -> AttributeDefinition:
    definition = AttributeDefinition.objects.filter(key=INDUSTRY["key"]).first()
    if definition is None:
        definition = catalog_save(instance=AttributeDefinition(field_group="demographics", data_type="choice",
                                                               description="The customer's line of business.",
                                                               **INDUSTRY), by=SYSTEM)
    return definition


def industry_values_ensure(definition: AttributeDefinition) -> int:
    have = set(CustomerAttribute.objects.filter(definition=definition).values_list("customer_id", flat=True))
    customers = Customer.objects.active().exclude(company="").order_by("pk")[:ATTRIBUTE_CUSTOMERS]
    made = 0
    for customer in customers:
        if customer.pk not in have:
            typed = TYPED[customer.pk % len(TYPED)]
            customer_attribute_set(customer=customer, definition=definition, value=typed, by=SYSTEM)
            made += 1
    return made


def verifications_ensure() -> int:
    """About one customer in eight has verified their e-mail, one in twelve their phone (with history)."""
    if Customer.objects.filter(email_verified_at__isnull=False).exists():
        return 0
    rows = list(Customer.objects.active().filter(email__gt="").order_by("pk")[:VERIFIED_MAX * 8:8])
    for customer in rows:
        customer.email_verified_at = customer.created_at + datetime.timedelta(hours=1)
        if customer.phone and customer.pk % 3 == 0:
            customer.phone_verified_at = customer.created_at + datetime.timedelta(hours=2)
    customer_bulk_update(customers=rows, fields=["email_verified_at", "phone_verified_at"], by=SYSTEM,
                         reason="Verified when they signed up (demo)")
    return len(rows)


def history_ensure(today_figures: dict, days: int = HISTORY_DAYS) -> int:
    """Past days that have no snapshot get one: more problems and a lower average further back."""
    today = timezone.localdate()
    have = set(QualitySnapshot.objects.filter(day__gte=today - datetime.timedelta(days=days)).values_list("day", flat=True))
    made = 0
    for back in range(days, 0, -1):
        day = today - datetime.timedelta(days=back)
        if day in have:
            continue
        r = random.Random(f"demo-quality:{day.isoformat()}")
        figures = {}
        for key, value in today_figures.items():
            if key == "average_score" and value is not None:
                figures[key] = round(max(0.0, value - 0.35 * back + r.uniform(-0.3, 0.3)), 1)
            elif isinstance(value, int) and not isinstance(value, bool) and key != "customers":
                figures[key] = max(0, round(value * (1 + 0.025 * back) + r.uniform(-0.02, 0.02) * value))
        quality_snapshot_record(by=SYSTEM, day=day, figures=figures)
        made += 1
    return made


def quality_demo_ensure(log=None) -> dict:
    log = log or (lambda message: None)
    definition = industry_ensure()
    result = {"industry_values": industry_values_ensure(definition), "verified": verifications_ensure()}
    report = customer_quality_refresh(by=SYSTEM)
    result["scored"] = report.scored
    result["history_days"] = history_ensure(report.figures)
    log(f"Data quality: {report.scored} customers scored in {report.seconds:.1f} s (average "
        f"{report.figures.get('average_score')}), {result['verified']} verified contacts, "
        f"{result['industry_values']} industry values, {result['history_days']} past days of history.")
    return result
