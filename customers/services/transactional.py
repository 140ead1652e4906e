"""Transactional rows that arrive from channels: orders, product holdings, activities, feedback;
and the catalog (products, attribute definitions)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cdm.use_cases import use_case
from customers.activity_schemas import validate_activity_properties
from customers.models import (
    Activity,
    Customer,
    Feedback,
    Order,
    OrderLine,
    ProductHolding,
    ServiceRequest,
)
from customers.normalize import normalize_text
from customers.services.base import _full_clean, _save_with_history, customer_to_add_to, get_restricted, require_perm
from customers.services.customers import customer_touch_activity


@use_case
def order_create(*, customer: Customer, by, order_number: str, placed_at, lines: list[dict],
                 status: str = Order.Status.PLACED, channel: str = Order.Channel.WEB, currency: str = "USD") -> Order:
    customer = customer_to_add_to(by, Order, customer)
    if not lines:
        raise ValidationError({"lines": _("An order needs at least one line.")}, code="required")
    order = Order(customer=customer, order_number=normalize_text(order_number), placed_at=placed_at,
                  status=status, channel=channel, currency=currency.upper())
    built = []
    for line in lines:
        quantity = int(line.get("quantity", 1))
        unit_price = Decimal(str(line["unit_price"]))
        built.append(OrderLine(order=order, product=line.get("product"), sku=line["sku"],
                               description=line.get("description") or line["sku"], quantity=quantity,
                               unit_price=unit_price, line_total=unit_price * quantity))
    order.total_amount = sum((line.line_total for line in built), Decimal("0"))
    _full_clean(order)
    order.save()
    for line in built:
        _full_clean(line, exclude=["order"])
    OrderLine.objects.bulk_create(built)
    customer_touch_activity(customer_id=customer.pk, at=placed_at)
    return order


@use_case
def product_holding_create(*, customer: Customer, product, started_on, by, quantity: int = 1,
                           status: str = ProductHolding.Status.ACTIVE, reason: str = "") -> ProductHolding:
    customer = customer_to_add_to(by, ProductHolding, customer)
    holding = ProductHolding(customer=customer, product=product, started_on=started_on, quantity=quantity, status=status)
    _full_clean(holding)
    _save_with_history(holding, by=by, reason=reason or _("Product added"))
    return holding


@use_case
def product_holding_change_status(*, holding: ProductHolding, status: str, by, reason: str = "",
                                  ended_on=None) -> ProductHolding:
    require_perm(by, "customers.change_productholding")
    holding = get_restricted(ProductHolding, by, "change", lock=True, pk=holding.pk)
    holding.status = status
    if status == ProductHolding.Status.CANCELLED:
        holding.ended_on = ended_on or timezone.localdate()
    _full_clean(holding)
    _save_with_history(holding, by=by, reason=reason or _("Status set to %(s)s") % {"s": holding.get_status_display()})
    return holding


@use_case
def activity_record(*, customer: Customer, kind: str, occurred_at=None, properties: dict | None = None,
                    source: str = "", by) -> Activity:
    customer = customer_to_add_to(by, Activity, customer)
    occurred_at = occurred_at or timezone.now()
    activity = Activity(customer=customer, kind=kind, occurred_at=occurred_at, source=source,
                        properties=validate_activity_properties(kind, properties or {}))
    _full_clean(activity)
    activity.save()
    customer_touch_activity(customer_id=customer.pk, at=occurred_at)
    return activity


@use_case
def feedback_record(*, customer: Customer, kind: str, score: int | None = None, comment: str = "",
                    service_request: ServiceRequest | None = None, channel: str = "", received_at=None,
                    by) -> Feedback:
    customer = customer_to_add_to(by, Feedback, customer)
    limits = {Feedback.Kind.CSAT: (1, 5), Feedback.Kind.NPS: (0, 10)}
    if kind in limits and (score is None or not limits[kind][0] <= int(score) <= limits[kind][1]):
        low, high = limits[kind]
        raise ValidationError({"score": _("Give a score from %(low)s to %(high)s.") % {"low": low, "high": high}})
    feedback = Feedback(customer=customer, kind=kind, score=score, comment=comment.strip(), channel=channel,
                        service_request=service_request, received_at=received_at or timezone.now())
    _full_clean(feedback)
    feedback.save()
    return feedback


@use_case(atomic=False)  # its own transaction: the admin calls it inside the admin's
def catalog_save(*, instance, by):
    """Create or change catalog rows (products, attribute definitions) from the admin."""
    require_perm(by, f"{instance._meta.app_label}.{'add' if instance._state.adding else 'change'}_{instance._meta.model_name}")
    with transaction.atomic():
        _full_clean(instance)
        try:
            instance.save()
        except IntegrityError as exc:  # a race past full_clean's uniqueness check
            raise ValidationError(str(exc)) from exc
    return instance
