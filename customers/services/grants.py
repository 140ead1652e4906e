"""Per-customer grants: the exceptions to team rights, each one audited."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cdm.services import audit_record
from cdm.use_cases import use_case
from cdm.users import object_right_givable
from customers.models import (
    Customer,
)
from customers.services.base import require_perm

GRANT_ACTIONS = ("view", "change")


@use_case
def customer_grant(*, customer: Customer, action: str, by, user=None, group=None):
    """Let one user or group view or change one customer outside their teams (audited)."""
    from guardian.shortcuts import assign_perm

    if action not in GRANT_ACTIONS:
        raise ValidationError({"permission": _("Grant “view” or “change”.")})
    if (user is None) == (group is None):
        raise ValidationError({"user": _("Grant to exactly one user or one group.")})
    require_perm(by, "customers.add_customeruserobjectpermission")
    permission = Permission.objects.get(content_type__app_label="customers", codename=f"{action}_customer")
    # Nobody gives a right they do not hold themselves (cdm.users: the same rule as for users and groups).
    if not object_right_givable(by=by, permission=permission, obj=customer):
        raise ValidationError({"permission": _("You cannot give a right on %(customer)s that you do not hold "
                                               "yourself.") % {"customer": customer}}, code="forbidden")
    row = assign_perm(permission, user or group, customer)
    audit_record(by=by, action="customer.grant", obj=customer, fields=[action],
                 reason=f"to {'user ' + user.username if user else 'group ' + group.name}")
    return row


@use_case
def customer_grant_revoke(*, grant, by) -> None:
    require_perm(by, "customers.delete_customeruserobjectpermission")
    holder = getattr(grant, "user", None) or grant.group
    audit_record(by=by, action="customer.grant_revoke", obj=grant.content_object,
                 fields=[grant.permission.codename.split("_")[0]], reason=f"from {holder}")
    grant.delete()
