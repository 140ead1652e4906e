"""Typed properties for each kind of behavioural event.

A property not in the kind's schema, or of the wrong type, is rejected with the property named.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# kind -> {property: (type, required)}
SCHEMAS: dict[str, dict[str, tuple[type, bool]]] = {
    "visit": {"url": (str, True), "referrer": (str, False), "utm_campaign": (str, False), "duration_s": (int, False)},
    "page_view": {"url": (str, True), "title": (str, False)},
    "email_open": {"campaign": (str, True)},
    "email_click": {"campaign": (str, True), "url": (str, True)},
    "cart_add": {"sku": (str, True), "quantity": (int, True), "price": (float, False)},
    "form_submit": {"form": (str, True)},
    "app_open": {"platform": (str, False), "app_version": (str, False)},
    "login": {"method": (str, False)},
}


def validate_activity_properties(kind: str, properties: dict) -> dict:
    schema = SCHEMAS.get(kind)
    if schema is None:
        raise ValidationError({"kind": _("Unknown activity kind “%(kind)s”.") % {"kind": kind}})
    errors = {}
    for name, value in properties.items():
        if name not in schema:
            errors[f"properties.{name}"] = _("“%(kind)s” events have no property “%(name)s”.") % {"kind": kind, "name": name}
            continue
        expected = schema[name][0]
        ok = isinstance(value, expected) and not isinstance(value, bool) or (expected is float and isinstance(value, int) and not isinstance(value, bool))
        if not ok:
            errors[f"properties.{name}"] = _("Must be a %(type)s.") % {"type": {str: "text", int: "whole number", float: "number"}[expected]}
    for name, (_type, required) in schema.items():
        if required and name not in properties:
            errors[f"properties.{name}"] = _("This property is required.")
    if errors:
        raise ValidationError(errors)
    return properties
