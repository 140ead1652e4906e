"""Reads of consent data: every one starts from ConsentRecord.objects.restrict()."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _

from cdm import access
from consent.models import ConsentRecord, Purpose

STATE_LABELS = {"granted": _("granted"), "withdrawn": _("withdrawn"), "unknown": _("no record")}
STATE_SYMBOLS = {"granted": "✓", "withdrawn": "✗", "unknown": "?"}


@dataclass(frozen=True)
class PurposeStatus:
    """The current state of one purpose for one customer: its latest record, if any."""

    purpose: Purpose
    record: ConsentRecord | None

    @property
    def state(self) -> str:
        if self.record is None:
            return "unknown"
        return "granted" if self.record.granted else "withdrawn"

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def symbol(self) -> str:
        return STATE_SYMBOLS[self.state]


def consent_visible(user) -> bool:
    """May `user` read consents at all (field policy and model permission)?"""
    return access.can_see_model(user, ConsentRecord) and user.has_perm("consent.view_consentrecord")


def consent_status(*, customer, user) -> list[PurposeStatus]:
    """Every active purpose with the customer's latest record for it (two queries).

    `customer` comes from customers.selectors.customer_get for this user. Empty when the user may not
    read consents.
    """
    if not consent_visible(user):
        return []
    purposes = list(Purpose.objects.active())
    latest = (
        ConsentRecord.objects.of_customer(user, customer)
        .filter(purpose__active=True)
        .select_related("recorded_by")
        .annotate(rank=Window(RowNumber(), partition_by=[F("purpose_id")],
                              order_by=[F("recorded_at").desc(), F("id").desc()]))
        .filter(rank=1)
    )
    by_purpose = {record.purpose_id: record for record in latest}
    for purpose in purposes:
        if purpose.pk in by_purpose:
            by_purpose[purpose.pk].purpose = purpose  # saves a query per row in templates
    return [PurposeStatus(purpose=p, record=by_purpose.get(p.pk)) for p in purposes]


def consent_history(*, customer, user) -> QuerySet[ConsentRecord]:
    """Every record of the customer, newest first; empty when the user may not read consents."""
    if not consent_visible(user):
        return ConsentRecord.objects.none()
    return (ConsentRecord.objects.of_customer(user, customer)
            .select_related("purpose", "notice", "recorded_by").order_by("-recorded_at", "-id"))
