"""Display filters: how CDM shows phones, dates and people on every page (`{% load cdm_format %}`).

One format each, everywhere: phones as a person reads them back on a call ("+44 28 9099 3920",
international, so a number reads the same whatever the viewer's country), days as "2 Dec 2026",
moments as "2 Dec 2026, 14:05" in the site's time zone. Platform code: imports no app.
"""

from __future__ import annotations

import datetime
import re

import phonenumbers
from django import template
from django.utils import dateformat, timezone

register = template.Library()

DAY_FORMAT = "j M Y"
MOMENT_FORMAT = "j M Y, H:i"
_E164 = re.compile(r"\+[1-9]\d{5,14}")


@register.filter
def phone(value) -> str:
    """E.164 (+442890993920) → "+44 28 9099 3920"; anything that is not a valid number unchanged."""
    if not value:
        return value
    try:
        number = phonenumbers.parse(str(value), None)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_valid_number(number):
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.filter
def day(value) -> str:
    """A date (or the day of a datetime, in the site's time zone): "2 Dec 2026"."""
    if not isinstance(value, datetime.date):
        return value
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return dateformat.format(value, DAY_FORMAT)


@register.filter
def moment(value) -> str:
    """A datetime in the site's time zone: "2 Dec 2026, 14:05" (a date alone: its day)."""
    if not isinstance(value, datetime.datetime):
        return day(value)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, MOMENT_FORMAT)


@register.filter
def shown(value):
    """A value of a label/value list whose field the template does not know (the 360° page's rows):
    dates and datetimes in the one format, an E.164 number as a phone, anything else unchanged."""
    if isinstance(value, datetime.date):
        return moment(value)
    if isinstance(value, str) and _E164.fullmatch(value):
        return phone(value)
    return value


@register.filter
def person(obj, field: str) -> str:
    """The full name of the user in `obj.<field>` when it is loaded (select_related), else the
    user name stored beside it (`<field>_username`), without a query per row."""
    descriptor = getattr(type(obj), field, None)
    cached = descriptor is not None and hasattr(descriptor, "is_cached") and descriptor.is_cached(obj)
    user = getattr(obj, field) if cached else None
    if user is not None:
        return user.get_full_name() or user.get_username()
    return getattr(obj, f"{field}_username", "") or ""
