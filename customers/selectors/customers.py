"""Customers by number and as lists, within the user's rights; merged customers; counts."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.http import Http404
from django.shortcuts import get_object_or_404

from cdm import access
from cdm.access import SENSITIVE_FIELDS
from customers.models import Customer
from customers.normalize import (
    normalize_text,
)
from customers.querysets import customer_add_teams, mark_checked
from customers.selectors.search import customer_search


def customer_list(*, user, status: str = Customer.Status.ACTIVE, query: str = "") -> QuerySet[Customer]:
    """Customers the user may see; active ones unless `status` asks for another status or "all".

    With a `query`, only the customers matching it, best match first (see customer_search);
    without, in name order.
    """
    qs = Customer.objects.restrict(user, "view").select_related("team").defer(*SENSITIVE_FIELDS)
    if status != "all":
        qs = qs.filter(status=status if status in Customer.Status.values else Customer.Status.ACTIVE)
    if normalize_text(query):
        return customer_search(queryset=qs, user=user, query=query)
    return qs.order_by("family_name", "given_name", "pk")


def customers_inactive(*, cutoff) -> QuerySet[Customer]:
    """Active customers with no activity, order, service request or edit since `cutoff` (set-based)."""
    from customers.models import Activity, Order, ServiceRequest

    recent = {
        Order: Q(placed_at__gte=cutoff),
        Activity: Q(occurred_at__gte=cutoff),
        ServiceRequest: Q(opened_at__gte=cutoff) | Q(updated_at__gte=cutoff),
    }
    qs = Customer.objects.filter(status=Customer.Status.ACTIVE, created_at__lt=cutoff, updated_at__lt=cutoff).filter(
        Q(last_activity_at__lt=cutoff) | Q(last_activity_at__isnull=True))
    # last_activity_at is derived; the NOT EXISTS checks keep a stale value from archiving a live customer.
    for model, condition in recent.items():
        qs = qs.exclude(Exists(model.objects.filter(condition, customer=OuterRef("pk"))))
    return qs


class CustomerMerged(Http404):
    """The customer was merged into `survivor` (None: the user may not see the survivor).

    A 404 wherever nothing catches it; views wrapped in customers.views.follow_merged redirect instead.
    """

    def __init__(self, customer: Customer, survivor: Customer | None):
        super().__init__("No customer matches the given query.")  # never names the survivor
        self.customer = customer
        self.survivor = survivor


def customer_get(*, user, customer_number: str, action: str = "view", follow_merged: bool = True) -> Customer:
    """One customer by public number; outside the user's rights it does not exist (404).

    A merged customer raises CustomerMerged (a 404 naming the survivor, for follow_merged views to
    redirect); `follow_merged=False` returns it as it is (merge review, undo). The customer carries
    `user_may_change`, folded into the same query.
    """
    customers = Customer.objects.restrict(user, action).select_related("team", "owner")
    if access.FG.SENSITIVE not in access.visible_groups(user):
        customers = customers.defer(*SENSITIVE_FIELDS)  # never decrypted for a user who may not see them
    if action != "change":
        customers = customers.with_right(user, "change", "user_may_change")
    customer = get_object_or_404(customers, customer_number=customer_number)
    if action == "change":
        customer.user_may_change = True
    # The rows hanging off this customer need no second scope check (CustomerRowQuerySet.of_customer).
    mark_checked(customer, user, {action, "change"} if customer.user_may_change else {action})
    if follow_merged and customer.status == Customer.Status.MERGED:
        raise CustomerMerged(customer, customer_resolve_merged(user=user, customer=customer))
    return customer


def customer_version_get(*, user, customer_number: str) -> Customer:
    """What the open page's poll needs every few seconds: the customer's version, in one narrow query
    (no team, owner or 40 columns, nothing decrypted); outside the user's rights a 404 as everywhere."""
    return get_object_or_404(Customer.objects.restrict(user, "view").only("pk", "customer_number", "version"),
                             customer_number=customer_number)


def customer_resolve_merged(*, user, customer: Customer, max_hops: int = 10) -> Customer | None:
    """The customer a merged customer lives on in (following merges of merges), if `user` may see it."""
    visible = Customer.objects.restrict(user, "view").only("pk", "customer_number", "status", "merged_into")
    seen, current = {customer.pk}, customer
    for _hop in range(max_hops):
        if current.status != Customer.Status.MERGED or current.merged_into_id is None:
            break
        current = visible.filter(pk=current.merged_into_id).first()
        if current is None or current.pk in seen:
            return None
        seen.add(current.pk)
    return None if current is customer or current.status == Customer.Status.MERGED else current




def customer_by_external_id(*, system: str, external_id: str, user=None, lock: bool = False) -> Customer | None:
    """The live customer `system` knows as `external_id`: a merged record's id leads to its survivor (following
    merges of merges). With `user`, only within their view rights (None outside them); `lock`: the row locked."""
    from customers.models import ExternalIdentity

    link = (ExternalIdentity.objects.filter(system=(system or "").lower(), external_id=external_id)
            .select_related("customer").first())
    if link is None:
        return None
    customer, seen = link.customer, set()
    while customer.status == Customer.Status.MERGED and customer.merged_into_id and customer.pk not in seen:
        seen.add(customer.pk)
        customer = Customer.objects.get(pk=customer.merged_into_id)
    rows = Customer.objects.restrict(user, "view") if user is not None else Customer.objects.all()
    if lock:
        rows = rows.select_for_update()
    return rows.filter(pk=customer.pk).first()


def customer_resolve(*, user, value: str) -> Customer | None:
    """The live customer a customer number, e-mail or phone names, within `user`'s rights: a merged
    record's number, e-mail or phone leads to its survivor (following merges of merges); None if none."""
    from customers.normalize import normalize_email, normalize_phone
    from customers.selectors.search import search_query_kind

    value = normalize_text(value)
    kind = search_query_kind(value)
    try:
        if kind == "email":
            lookup = {"email": normalize_email(value)}
        elif kind == "number":
            lookup = {"customer_number": "".join(ch for ch in value if ch.isdigit())}
        else:
            lookup = {"phone": normalize_phone(value)}
    except ValidationError:
        return None
    if not next(iter(lookup.values())):
        return None
    found = list(Customer.objects.restrict(user, "view").filter(**lookup).exclude(status=Customer.Status.ERASED)
                 .order_by("created_at", "pk")[:20])
    live = [c for c in found if c.status != Customer.Status.MERGED]
    if live:
        return live[0]
    for customer in found:
        survivor = customer_resolve_merged(user=user, customer=customer)
        if survivor is not None:
            return survivor
    return None


def customer_create_teams(*, user):
    """The teams `user` may add customers to (the gate's rule for adding a customer)."""
    from cdm.models import Team

    return customer_add_teams(user, Team.objects.order_by("name"))


def _user_label(user) -> str:
    return (user.get_full_name() or user.username) if user else "system"


def customer_stats(*, user) -> dict:
    """Counts for the home page, within the user's rights (one grouped query)."""
    from django.db.models import Count

    rows = Customer.objects.restrict(user, "view").values("status").annotate(n=Count("pk")).order_by()
    by_status = {row["status"]: row["n"] for row in rows}
    unverified = Customer.objects.restrict(user, "view").filter(
        status=Customer.Status.ACTIVE, address_status=Customer.AddressStatus.UNVERIFIED).count()
    return {"active": by_status.get("active", 0), "archived": by_status.get("archived", 0),
            "unverified_addresses": unverified}
