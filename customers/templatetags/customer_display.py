"""Labels people read instead of stored codes (`{% load customer_display %}`)."""

from __future__ import annotations

from django import template

from customers.models import Order, ServiceRequest

register = template.Library()

_STATUS_LABELS = {
    "order": dict(Order.Status.choices),
    ServiceRequest.Kind.REQUEST: dict(ServiceRequest.Status.choices),
    ServiceRequest.Kind.COMPLAINT: dict(ServiceRequest.Status.choices),
}


@register.filter
def entry_detail(entry) -> str:
    """The detail of a timeline entry (customers.selectors.customer_timeline) in words: an order's or a
    request's status by its label ("In progress", not "in_progress"), a feedback score as "score 4"."""
    detail = entry.get("detail") or ""
    kind = entry.get("kind")
    if kind in _STATUS_LABELS:
        return _STATUS_LABELS[kind].get(detail, detail)
    if kind == "feedback" and detail:
        return f"score {detail}"
    return detail

