"""What every customer service shares: re-reading within the acting user's rights (the gate), saving
with history, the field policy's edit check."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from cdm import access
from cdm.errors import NotFound
from cdm.querysets import perm_for
from customers.models import Customer

SENSITIVE_FIELDS = frozenset(access.SENSITIVE_FIELDS)
CREATE_FIELDS = frozenset(access.CREATE_FIELDS)
# Set by normalize_customer_data from other fields; a change reason names what the user changed.
DERIVED_FIELDS = frozenset({"address_status", "address_issues", "national_id_index", "search_name"})


def get_restricted(model, by, action: str, *, lock: bool = False, **lookup):
    """The one row of `model` matching `lookup` that `by` may `action`, through the gate
    (`restrict()`); outside their rights it does not exist: NotFound."""
    rows = model.objects.restrict(by, action)
    if lock:
        rows = rows.select_for_update()
    found = rows.filter(**lookup).first()
    if found is None:
        raise NotFound()
    return found


def _customer_for(by, customer: Customer, action: str, *, lock: bool = False) -> Customer:
    """Re-read the customer within `by`'s rights for `action`; outside them it does not exist (NotFound)."""
    return get_restricted(Customer, by, action, lock=lock, pk=customer.pk)


def require_perm(by, perm: str) -> None:
    if not by.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))


def customer_to_add_to(by, model, customer: Customer) -> Customer:
    """The customer a new `model` row (a note, a request...) will hang off, re-read for `by`: adding
    needs the model's add permission and the right to *change* the customer (a view grant lets one
    read a customer's rows, never add to them)."""
    require_perm(by, perm_for(model, "add"))
    return _customer_for(by, customer, "change")


def _full_clean(obj, **kwargs) -> None:
    obj.full_clean(**kwargs)


def _save_with_history(obj, *, by, reason: str) -> None:
    obj._history_user = access.user_or_none(by)
    obj._change_reason = reason
    try:
        obj.save()
    finally:
        # simple-history reads these on every later save of this instance: don't let them leak.
        del obj._history_user, obj._change_reason


def _check_editable(by, fields, *, creating: bool) -> None:
    if by is access.SYSTEM:
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
