"""The service desk's reads: open requests, my requests, assignees, notes, feedback."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from cdm import access
from customers.models import Customer
from customers.querysets import checked_actions


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


# How "My open requests" can be sorted: urgent first (then oldest), oldest first, newest first.
MY_REQUESTS_SORTS = {"priority": ("-priority_rank", "opened_at", "pk"), "age": ("opened_at", "pk"),
                     "-age": ("-opened_at", "-pk")}


def service_requests_mine(*, user, sort: str = "priority") -> QuerySet:
    """The user's open requests across the customers they may see: assigned to them, or logged by them
    and assigned to no one. Urgent first unless `sort` (MY_REQUESTS_SORTS) says otherwise."""
    from customers.models import ServiceRequest

    rank = Case(*(When(priority=p, then=Value(i)) for i, p in enumerate(ServiceRequest.Priority.values)),
                default=Value(0), output_field=IntegerField())
    return (ServiceRequest.objects.restrict(user, "view")
            .filter(status__in=ServiceRequest.OPEN_STATUSES)
            .filter(Q(assignee=user) | Q(assignee__isnull=True, created_by=user))
            .annotate(priority_rank=rank)
            .select_related("customer", "assignee").order_by(*MY_REQUESTS_SORTS.get(sort, MY_REQUESTS_SORTS["priority"])))


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
