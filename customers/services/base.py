"""What every customer service shares: re-reading within the acting user's rights, saving with
history, the field policy's edit check."""

from __future__ import annotations
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from cdm import access
from customers.models import (
    Customer,
)

# Fields a user sets when creating a customer besides those their role edits.
CREATE_FIELDS = frozenset({"source", "source_detail", "lifecycle_stage", "owner"})
SENSITIVE_FIELDS = frozenset(access.CUSTOMER_FIELDS[access.FG.SENSITIVE])
# Set by normalize_customer_data from other fields; a change reason names what the user changed.
DERIVED_FIELDS = frozenset({"address_status", "address_issues", "national_id_index", "search_name"})


def _customer_for(by, customer: Customer, action: str, *, lock: bool = False) -> Customer:
    """Re-read the customer within `by`'s rights; outside them it does not exist (404)."""
    qs = Customer.objects.all() if by is None else Customer.objects.restrict(by, action)
    if lock:
        qs = qs.select_for_update()
    return qs.get(pk=customer.pk)


def _require_perm(by, perm: str) -> None:
    if by is not None and not by.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))


def _full_clean(obj, **kwargs) -> None:
    obj.full_clean(**kwargs)


def _save_with_history(obj, *, by, reason: str) -> None:
    obj._history_user = by
    obj._change_reason = reason
    try:
        obj.save()
    finally:
        # simple-history reads these on every later save of this instance: don't let them leak.
        del obj._history_user, obj._change_reason


def _check_editable(by, fields, *, creating: bool) -> None:
    if by is None:
        return
    allowed = set(access.customer_fields(by, "edit"))
    if creating:
        allowed |= CREATE_FIELDS
    forbidden = sorted(set(fields) - allowed)
    if forbidden:
        raise ValidationError(
            {f: _("Your role may not change this field.") for f in forbidden}, code="forbidden"
        )


def _stored_values(customer: Customer) -> dict:
    return {f.name: getattr(customer, f.attname) for f in Customer._meta.concrete_fields}


# --- transactional data ----------------------------------------------------------------------

def _transactional(by, perm: str, customer: Customer) -> Customer:
    _require_perm(by, perm)
    return _customer_for(by, customer, "view")


def _restricted(model, by, action):
    return model.objects.all() if by is None else model.objects.restrict(by, action)
