"""Reads of a customer's records for the API: rows of one customer, and an order by its number."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from customers.models import Activity, Customer, Note, Order, OrderLine, ProductHolding, ServiceRequest
from customers.normalize import normalize_text


def customer_orders(*, user, customer: Customer) -> QuerySet[Order]:
    return (Order.objects.of_customer(user, customer)
            .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk"))))


def order_by_number(*, order_number: str) -> Order | None:
    """The order of that number, whoever's it is: order numbers are unique across customers (the caller of
    this learns only that the number is taken, never whose it is)."""
    return (Order.objects.filter(order_number=normalize_text(order_number))
            .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk"))).first())


def customer_product_holdings(*, user, customer: Customer, action: str = "view") -> QuerySet[ProductHolding]:
    return ProductHolding.objects.of_customer(user, customer, action).select_related("product")


def customer_service_requests(*, user, customer: Customer, action: str = "view") -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.of_customer(user, customer, action).select_related("assignee")


def customer_notes(*, user, customer: Customer) -> QuerySet[Note]:
    return Note.objects.of_customer(user, customer).select_related("author")


def customer_activities(*, user, customer: Customer) -> QuerySet[Activity]:
    return Activity.objects.of_customer(user, customer)


def customer_by_external_id(*, user, system: str, external_id: str) -> Customer | None:
    """The customer another system knows by that id, followed to the survivor of a merge, if `user` may see it."""
    from customers.models import ExternalIdentity
    from customers.selectors.customers import customer_resolve_merged

    link = ExternalIdentity.objects.select_related("customer").filter(system=system.lower(),
                                                                      external_id=external_id).first()
    if link is None:
        return None
    customer = link.customer
    if customer.status == Customer.Status.MERGED:
        customer = customer_resolve_merged(user=user, customer=customer)
    if customer is None or not Customer.objects.restrict(user, "view").filter(pk=customer.pk).exists():
        return None
    return customer
