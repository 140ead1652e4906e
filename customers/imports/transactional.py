"""Orders and activities from files, each row keyed by its customer's id in the source system.

A row whose customer the source never sent (no external identity) is rejected with that reason. Rows recorded before
(the same order number for that customer; the same kind and time of activity from that source) are "unchanged", so a
file imported twice adds nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from cdm.use_cases import use_case
from customers import services
from customers.activity_schemas import SCHEMAS
from customers.imports.mapping import CUSTOMER_ID, PROPERTY
from customers.models import Activity, Customer, Order
from customers.selectors.customers import customer_by_external_id
from customers.normalize import normalize_text

_DATE_FORMATS = ("%d/%m/%Y", "%d.%m.%Y", "%d/%m/%Y %H:%M", "%d.%m.%Y %H:%M", "%Y/%m/%d")


def _when(text: str, target: str) -> datetime.datetime:
    value = parse_datetime(text) or None
    if value is None:
        day = parse_date(text)
        if day is None:
            for fmt in _DATE_FORMATS:
                try:
                    value = datetime.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        else:
            value = datetime.datetime.combine(day, datetime.time())
    if value is None:
        raise ValidationError({target: _("Not a date or time (write 2024-05-31 or 2024-05-31 14:30).")})
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _customer(values: dict, columns: dict[str, str], source: str) -> Customer:
    external_id = normalize_text(values.get(columns[CUSTOMER_ID], ""))
    if not external_id:
        raise ValidationError({CUSTOMER_ID: _("No customer id.")})
    customer = customer_by_external_id(system=source, external_id=external_id)
    if customer is None:
        raise ValidationError({CUSTOMER_ID: _("No customer has the id %(id)s in %(source)s: import the customers "
                                              "first.") % {"id": external_id, "source": source}})
    return customer


@use_case
def order_import_row(*, values: dict, columns: dict[str, str], source: str, by) -> str:
    """One order of one line; `columns`: target -> the file's column."""
    get = lambda target: normalize_text(values.get(columns.get(target, ""), ""))  # noqa: E731
    customer = _customer(values, columns, source)
    number = get("order_number")
    if not number:
        raise ValidationError({"order_number": _("No order number.")})
    existing = Order.objects.filter(order_number=number).values_list("customer_id", flat=True).first()
    if existing is not None:
        if existing == customer.pk:
            return "unchanged"
        raise ValidationError({"order_number": _("Order %(number)s belongs to another customer.") % {"number": number}})
    placed_at = _when(get("placed_at"), "placed_at")
    try:
        quantity = int(get("quantity") or 1)
    except ValueError:
        raise ValidationError({"quantity": _("Not a whole number.")}) from None
    try:
        unit_price = Decimal(get("unit_price").replace(",", "."))
    except InvalidOperation:
        raise ValidationError({"unit_price": _("Not a price (write 12.50).")}) from None
    extra = {k: get(k).lower() for k in ("status", "channel") if get(k)}
    if get("currency"):
        extra["currency"] = get("currency")
    services.order_create(customer=customer, by=by, order_number=number, placed_at=placed_at,
                          lines=[{"sku": get("sku"), "description": get("description"), "quantity": quantity,
                                  "unit_price": unit_price}], **extra)
    return "created"


def _property(kind: str, name: str, text: str, column: str):
    expected = SCHEMAS.get(kind, {}).get(name, (str,))[0]
    try:
        return expected(text) if expected in (int, float) else text
    except ValueError:
        raise ValidationError({column: _("Must be a number.")}) from None


@use_case
def activity_import_row(*, values: dict, columns: dict[str, str], properties: list[str], source: str, by) -> str:
    """One behavioural event; `properties`: the columns kept as properties, named like the column."""
    get = lambda target: normalize_text(values.get(columns.get(target, ""), ""))  # noqa: E731
    customer = _customer(values, columns, source)
    kind = get("kind").lower()
    occurred_at = _when(get("occurred_at"), "occurred_at")
    props = {column: _property(kind, column, normalize_text(values.get(column, "")), column)
             for column in properties if normalize_text(values.get(column, ""))}
    if Activity.objects.filter(customer=customer, kind=kind, occurred_at=occurred_at, source=source).exists():
        return "unchanged"
    try:
        services.activity_record(customer=customer, kind=kind, occurred_at=occurred_at, properties=props,
                                 source=source, by=by)
    except ValidationError as exc:  # "properties.url" -> the column "url"
        raise ValidationError({k.removeprefix("properties."): v for k, v in exc.message_dict.items()}) from None
    return "created"


__all__ = ["PROPERTY", "activity_import_row", "order_import_row"]
