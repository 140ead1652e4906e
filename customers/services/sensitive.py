"""Revealing sensitive data: the one way a national ID, income or bank account reaches a screen."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from cdm import access
from cdm.services import audit_record
from cdm.use_cases import use_case
from customers.models import Customer
from customers.services.base import _customer_for


@use_case
def customer_reveal(*, customer: Customer, by, where: str, fields=access.SENSITIVE_FIELDS) -> dict:
    """The sensitive values of `customer` for `by`, and the audit event that says who saw which fields of
    whom and where (never the values). Every page, admin view, export or API path that shows a sensitive
    value gets it from here; without the permission, PermissionDenied."""
    fields = tuple(f for f in fields if f in access.SENSITIVE_FIELDS)
    if access.FG.SENSITIVE not in access.visible_groups(by):
        raise PermissionDenied(_("You may not see sensitive data."))
    current = _customer_for(by, customer, "view")
    audit_record(by=by, action="customer.reveal", obj=current, fields=fields, reason=where)
    return {f: getattr(current, f) for f in fields}
