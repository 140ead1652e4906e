"""Users' and groups' rights: who may give which rights to whom.

Every path that changes rights (the admin today, the API later) calls these services, so the rule
lives once: only a superuser grants the sensitive permissions, superuser status or staff status; anyone
else may give only rights they hold themselves (directly, through a group, or on a team), and may not
touch a superuser's account. Each change is one audit event (who, whom, what). Changes made outside
the services (a shell, a data migration, guardian's `assign_perm`) are audited by cdm.audit_receivers.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from guardian.models import GroupObjectPermissionBase

from cdm import access
from cdm.access import SYSTEM
from cdm.services import audit_record

SENSITIVE_PERMISSIONS = frozenset({access.VIEW_SENSITIVE, access.CHANGE_SENSITIVE})
FLAGS = ("is_active", "is_staff", "is_superuser")

# Set while a service writes rights it audits itself, so the signal receivers do not audit them twice.
_service_audits: ContextVar[bool] = ContextVar("cdm_users_service_audits", default=False)


def service_is_auditing() -> bool:
    return _service_audits.get()


@contextmanager
def audited_here():
    """Inside, the rights receivers stay quiet: for a service that writes its own audit event."""
    token = _service_audits.set(True)
    try:
        yield
    finally:
        _service_audits.reset(token)


def perm_label(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


# --- what an actor holds and may give --------------------------------------------------------

@dataclass
class _Actor:
    """The acting user's rights, read once per call from the database (never a stale cache)."""

    user: object
    superuser: bool
    perms: frozenset = field(default_factory=frozenset)

    @classmethod
    def of(cls, by) -> _Actor:
        if by is None or not getattr(by, "is_authenticated", False):
            raise PermissionDenied(_("You do not have permission to do this."))
        if by is SYSTEM:
            return cls(user=by, superuser=True)
        fresh = get_user_model()._default_manager.get(pk=by.pk)
        if not fresh.is_active:
            raise PermissionDenied(_("You do not have permission to do this."))
        return cls(user=fresh, superuser=fresh.is_superuser, perms=frozenset(fresh.get_all_permissions()))

    def may_give(self, label: str) -> bool:
        return self.superuser or (label in self.perms and label not in SENSITIVE_PERMISSIONS)

    def holds_on(self, permission: Permission, obj) -> bool:
        """Does the actor hold `permission` on `obj` (a guardian object right, e.g. a team's)?"""
        if self.superuser:
            return True
        label = perm_label(permission)
        if label in SENSITIVE_PERMISSIONS or obj is None:
            return False
        model = type(obj)
        action = permission.codename.split("_", 1)[0]
        restrict = getattr(model._default_manager, "restrict", None)
        if restrict is not None and permission.codename == f"{action}_{model._meta.model_name}":
            # A model right on a scoped model (a grant on one customer): held if the row is in the
            # actor's scope for that action, as every page decides it.
            return restrict(self.user, action).filter(pk=obj.pk).exists()
        # A global permission covers every object (the Admin role's cdm.view_team_customers covers
        # every team); otherwise the actor's own object right (a team member's right on their team).
        return label in self.perms or self.user.has_perm(label, obj)


def _object_rights(groups) -> dict[int, list[tuple[Permission, object]]]:
    """Each group's guardian rows on objects (team rights, per-customer grants...), every such model,
    one query per model."""
    ids = [g.pk for g in groups if g.pk is not None]
    found: dict[int, list] = {pk: [] for pk in ids}
    if not ids:
        return found
    for model in apps.get_models():
        if not issubclass(model, GroupObjectPermissionBase):
            continue
        rows = model.objects.filter(group_id__in=ids).select_related("permission__content_type")
        rows = rows.prefetch_related("content_object")  # a foreign key, or guardian's generic one
        for row in rows:
            found[row.group_id].append((row.permission, row.content_object))
    return found


def _group_excess(actor: _Actor, group: Group, object_rights=None) -> list[str]:
    """What `group` gives beyond the actor's own rights, in words; empty when the actor may give it."""
    if actor.superuser:
        return []
    excess = [perm_label(p) for p in group.permissions.all() if not actor.may_give(perm_label(p))]
    if object_rights is None:
        object_rights = _object_rights([group])[group.pk] if group.pk else []
    for permission, obj in object_rights:
        if not actor.holds_on(permission, obj):
            excess.append(_("%(perm)s on %(obj)s") % {"perm": perm_label(permission), "obj": obj})
    return sorted(excess)


def object_right_givable(*, by, permission: Permission, obj) -> bool:
    """May `by` give `permission` on `obj` (e.g. a per-customer grant)? Only if they hold it there themselves."""
    return _Actor.of(by).holds_on(permission, obj)


def grantable_permissions(by):
    """The permissions `by` may give to a user or a group."""
    actor = _Actor.of(by)
    permissions = Permission.objects.select_related("content_type")
    if actor.superuser:
        return permissions
    allowed = [p.pk for p in permissions if actor.may_give(perm_label(p))]
    return Permission.objects.filter(pk__in=allowed).select_related("content_type")


def grantable_groups(by):
    """The groups `by` may add a user to: those whose rights (model and object rights) `by` holds."""
    actor = _Actor.of(by)
    if actor.superuser:
        return Group.objects.all()
    groups = list(Group.objects.prefetch_related("permissions__content_type"))
    object_rights = _object_rights(groups)
    allowed = [g.pk for g in groups if not _group_excess(actor, g, object_rights[g.pk])]
    return Group.objects.filter(pk__in=allowed)


# --- describing a change ---------------------------------------------------------------------------

def _names(items, limit: int = 20) -> str:
    items = sorted(items)
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else _("%(shown)s and %(more)d more") % {"shown": shown,
                                                                                 "more": len(items) - limit}


def describe_rights_change(*, groups_added=(), groups_removed=(), perms_added=(), perms_removed=(),
                           flags: dict | None = None) -> str:
    """One line naming what changed, e.g. "added to group Marketing; removed permission auth.change_user"."""
    parts = []
    if groups_added:
        parts.append(_("added to group %(names)s") % {"names": _names(str(g) for g in groups_added)})
    if groups_removed:
        parts.append(_("removed from group %(names)s") % {"names": _names(str(g) for g in groups_removed)})
    if perms_added:
        parts.append(_("added permission %(names)s") % {"names": _names(perms_added)})
    if perms_removed:
        parts.append(_("removed permission %(names)s") % {"names": _names(perms_removed)})
    labels = {"is_active": (_("reactivated"), _("deactivated")),
              "is_staff": (_("staff status granted"), _("staff status removed")),
              "is_superuser": (_("superuser status granted"), _("superuser status removed"))}
    for flag, value in (flags or {}).items():
        parts.append(labels[flag][0 if value else 1])
    return "; ".join(parts)


# --- users -------------------------------------------------------------------------------------------

@dataclass
class RightsChange:
    groups_added: list = field(default_factory=list)
    groups_removed: list = field(default_factory=list)
    perms_added: list = field(default_factory=list)  # Permission objects
    perms_removed: list = field(default_factory=list)
    flags: dict = field(default_factory=dict)  # flag -> new value, only those that change

    @property
    def fields(self) -> list[str]:
        names = list(self.flags)
        if self.groups_added or self.groups_removed:
            names.append("groups")
        if self.perms_added or self.perms_removed:
            names.append("user_permissions")
        return sorted(names)

    def describe(self) -> str:
        return describe_rights_change(
            groups_added=self.groups_added, groups_removed=self.groups_removed,
            perms_added=[perm_label(p) for p in self.perms_added],
            perms_removed=[perm_label(p) for p in self.perms_removed], flags=self.flags)


def user_rights_check(*, by, user, groups=None, permissions=None, is_staff=None, is_superuser=None,
                      is_active=None) -> RightsChange:
    """What the change would do, or a ValidationError keyed by the field whose value `by` may not give.

    `groups` and `permissions` are the complete new sets (None: unchanged); a flag left None is unchanged.
    """
    actor = _Actor.of(by)
    if not actor.user.has_perm("auth.change_user"):
        raise PermissionDenied(_("You do not have permission to change users."))
    stored = get_user_model()._default_manager.get(pk=user.pk) if user.pk else None
    change = RightsChange()
    wanted = {"is_active": is_active, "is_staff": is_staff, "is_superuser": is_superuser}
    for flag, value in wanted.items():
        if value is not None and bool(value) != bool(getattr(stored, flag, False)):
            change.flags[flag] = bool(value)
    if groups is not None:
        current = set(stored.groups.all()) if stored else set()
        groups = set(groups)
        change.groups_added = sorted(groups - current, key=str)
        change.groups_removed = sorted(current - groups, key=str)
    if permissions is not None:
        current = set(stored.user_permissions.select_related("content_type")) if stored else set()
        permissions = set(permissions)
        change.perms_added = sorted(permissions - current, key=perm_label)
        change.perms_removed = sorted(current - permissions, key=perm_label)
    if actor.superuser:
        return change

    errors: dict[str, list] = {}
    if stored is not None and stored.is_superuser:
        errors["is_superuser"] = [_("Only a superuser can change a superuser's account.")]
    elif change.flags.get("is_superuser"):
        errors["is_superuser"] = [_("Only a superuser can make someone a superuser.")]
    if change.flags.get("is_staff"):
        errors["is_staff"] = [_("Only a superuser can give access to the admin site (staff status).")]
    sensitive = [perm_label(p) for p in change.perms_added if perm_label(p) in SENSITIVE_PERMISSIONS]
    beyond = [perm_label(p) for p in change.perms_added
              if perm_label(p) not in SENSITIVE_PERMISSIONS and not actor.may_give(perm_label(p))]
    if sensitive:
        errors.setdefault("user_permissions", []).append(
            _("Only a superuser can give %(perms)s.") % {"perms": ", ".join(sensitive)})
    if beyond:
        errors.setdefault("user_permissions", []).append(
            _("You cannot give permissions you do not hold yourself: %(perms)s.") % {"perms": _names(beyond)})
    for group in change.groups_added:
        excess = _group_excess(actor, group)
        if excess:
            errors.setdefault("groups", []).append(
                _("You cannot add someone to “%(group)s”: it gives rights you do not hold yourself "
                  "(%(rights)s).") % {"group": group, "rights": _names(excess, 5)})
    if change.flags.get("is_active") and stored is not None and "is_superuser" not in errors:
        # Reactivating an account gives its rights back: no more than the actor's own.
        kept_groups = (set(stored.groups.all()) - set(change.groups_removed)) - set(change.groups_added)
        kept_perms = {perm_label(p) for p in stored.user_permissions.select_related("content_type")}
        kept_perms -= {perm_label(p) for p in change.perms_removed}
        if any(_group_excess(actor, g) for g in kept_groups) or any(not actor.may_give(p) for p in kept_perms):
            errors["is_active"] = [_("Only a superuser can reactivate this account: it holds rights you do not "
                                     "hold yourself.")]
    if errors:
        raise ValidationError(errors, code="rights")
    return change


@transaction.atomic
def user_rights_change(*, by, user, groups=None, permissions=None, is_staff=None, is_superuser=None,
                       is_active=None):
    """Change a user's groups, permissions and status flags, if `by` may; one audit event names the change."""
    change = user_rights_check(by=by, user=user, groups=groups, permissions=permissions, is_staff=is_staff,
                               is_superuser=is_superuser, is_active=is_active)
    if not change.fields:
        return user
    with audited_here():
        for flag, value in change.flags.items():
            setattr(user, flag, value)
        if change.flags:
            user.save(update_fields=list(change.flags))
        if change.groups_removed:
            user.groups.remove(*change.groups_removed)
        if change.groups_added:
            user.groups.add(*change.groups_added)
        if change.perms_removed:
            user.user_permissions.remove(*change.perms_removed)
        if change.perms_added:
            user.user_permissions.add(*change.perms_added)
        audit_record(by=by, action="user.rights_change", obj=user, fields=change.fields, reason=change.describe())
    for cached in ("_perm_cache", "_user_perm_cache", "_group_perm_cache", "_cdm_roles", "_cdm_rights"):
        user.__dict__.pop(cached, None)
    return user


# --- groups ------------------------------------------------------------------------------------------

def group_permissions_check(*, by, group, permissions) -> tuple[list, list]:
    """(added, removed) Permission lists, or a ValidationError on "permissions" naming what `by` may not give."""
    actor = _Actor.of(by)
    if not actor.user.has_perm("auth.change_group" if group.pk else "auth.add_group"):
        raise PermissionDenied(_("You do not have permission to change groups."))
    current = set(group.permissions.select_related("content_type")) if group.pk else set()
    permissions = set(permissions)
    added = sorted(permissions - current, key=perm_label)
    removed = sorted(current - permissions, key=perm_label)
    if actor.superuser:
        return added, removed
    sensitive = [perm_label(p) for p in added if perm_label(p) in SENSITIVE_PERMISSIONS]
    beyond = [perm_label(p) for p in added if perm_label(p) not in SENSITIVE_PERMISSIONS
              and not actor.may_give(perm_label(p))]
    messages = []
    if sensitive:
        messages.append(_("Only a superuser can give %(perms)s.") % {"perms": ", ".join(sensitive)})
    if beyond:
        messages.append(_("You cannot give permissions you do not hold yourself: %(perms)s.")
                        % {"perms": _names(beyond)})
    if messages:
        raise ValidationError({"permissions": messages}, code="rights")
    return added, removed


@transaction.atomic
def group_permissions_change(*, by, group, permissions) -> Group:
    """Set a group's permissions (every member's rights change with it), if `by` may; audited once."""
    added, removed = group_permissions_check(by=by, group=group, permissions=permissions)
    if not (added or removed):
        return group
    with audited_here():
        if removed:
            group.permissions.remove(*removed)
        if added:
            group.permissions.add(*added)
        audit_record(by=by, action="group.rights_change", obj=group, fields=["permissions"],
                     reason=describe_rights_change(perms_added=[perm_label(p) for p in added],
                                                   perms_removed=[perm_label(p) for p in removed]))
    return group
