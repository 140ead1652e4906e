"""The service desk's reads: open requests, my requests, assignees, notes, feedback."""

from __future__ import annotations
from django.db.models import (
    Q,
    QuerySet,
)
from django.shortcuts import get_object_or_404
from cdm import access
from customers.querysets import checked_actions
from customers.models import Customer


def service_requests_open(*, user, customer: Customer) -> QuerySet:
    """The customer's open requests and complaints, newest first."""
    from customers.models import ServiceRequest

    return (ServiceRequest.objects.of_customer(user, customer)
            .filter(status__in=ServiceRequest.OPEN_STATUSES)
            .select_related("assignee").order_by("-opened_at", "-pk"))


def service_request_get(*, user, customer: Customer, reference: str, action: str = "view"):
    """One request of `customer` by reference; outside the user's rights it does not exist (404)."""
    from customers.models import ServiceRequest

    return get_object_or_404(ServiceRequest.objects.of_customer(user, customer, action).select_related("customer"),
                             reference=reference)


def service_requests_mine(*, user) -> QuerySet:
    """The user's open requests across their customers, oldest first: assigned to them, or logged by
    them and assigned to no one."""
    from customers.models import ServiceRequest

    return (ServiceRequest.objects.restrict(user, "view")
            .filter(status__in=ServiceRequest.OPEN_STATUSES)
            .filter(Q(assignee=user) | Q(assignee__isnull=True, created_by=user))
            .select_related("customer", "assignee").order_by("opened_at", "pk"))


def service_request_assignees(*, customer: Customer, user) -> QuerySet:
    """Who a request of `customer` can be assigned to: active agents of the customer's team, and the user."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    agents = (User.objects.filter(is_active=True, groups__name=access.CUSTOMER_SERVICE)
              .filter(groups=customer.team.group_id).values("pk"))
    return User.objects.filter(Q(pk__in=agents) | Q(pk=user.pk, is_active=True)).order_by(
        "first_name", "last_name", "username")


def service_request_can_update(*, user, customer: Customer) -> bool:
    """May the user change the status of (and close) this customer's requests?"""
    if not user.has_perm("customers.change_servicerequest"):
        return False
    checked = checked_actions(customer, user)  # customer_get checked "change" with its own query
    if checked is not None:
        return "change" in checked
    return Customer.objects.restrict(user, "change").filter(pk=customer.pk).exists()


def notes_latest(*, user, customer: Customer, limit: int = 20) -> list:
    """The customer's latest notes, pinned ones first."""
    from customers.models import Note

    return list(Note.objects.of_customer(user, customer)
                .select_related("author").order_by("-pinned", "-created_at", "-pk")[:limit])


def feedback_list(*, user, customer: Customer, limit: int = 20) -> list:
    """Feedback the customer gave, newest first, with the request it is about."""
    from customers.models import Feedback

    return list(Feedback.objects.of_customer(user, customer)
                .select_related("service_request").order_by("-received_at", "-pk")[:limit])
