"""Rights changed outside cdm.users (a shell, a data migration, role sync, guardian's assign_perm) are audited too.

The actor is the user of the current request (simple-history's middleware keeps it) or "system".
Changes made by cdm.users' services are audited there, once, and skipped here.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from simple_history.models import HistoricalRecords

from cdm import users
from cdm.models import Team, TeamGroupObjectPermission, TeamUserObjectPermission
from cdm.services import audit_record

User = get_user_model()

# through model -> (owner model, owner column, target model, target column, owner's field name)
_THROUGH = {
    User.groups.through: (User, "user", Group, "group", "groups"),
    User.user_permissions.through: (User, "user", Permission, "permission", "user_permissions"),
    Group.permissions.through: (Group, "group", Permission, "permission", "permissions"),
}


def _actor():
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def _action(owner) -> str:
    return "group.rights_change" if isinstance(owner, Group) else "user.rights_change"


def _record(owner, field_name: str, verb: str, targets) -> None:
    if field_name == "groups":
        kwargs = {f"groups_{verb}": targets}
    else:
        kwargs = {f"perms_{verb}": [users.perm_label(p) for p in targets]}
    audit_record(by=_actor(), action=_action(owner), obj=owner, fields=[field_name],
                 reason=users.describe_rights_change(**kwargs))


def _m2m_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "pre_clear", "post_clear") or users.service_is_auditing():
        return
    owner_model, owner_column, target_model, target_column, field_name = _THROUGH[sender]
    mine, theirs = (target_column, owner_column) if reverse else (owner_column, target_column)
    if action == "pre_clear":  # clear() names no ids: remember which rows go
        instance._cdm_cleared = set(sender.objects.filter(**{f"{mine}_id": instance.pk})
                                    .values_list(f"{theirs}_id", flat=True))
        return
    if action == "post_clear":
        pk_set = instance.__dict__.pop("_cdm_cleared", set())
    if not pk_set:
        return
    verb = "added" if action == "post_add" else "removed"
    if reverse:  # group.user_set.add(user), permission.group_set.add(group)
        for owner in owner_model._default_manager.filter(pk__in=pk_set):
            _record(owner, field_name, verb, [instance])
    else:
        targets = target_model._default_manager.filter(pk__in=pk_set)
        if target_model is Permission:
            targets = targets.select_related("content_type")
        _record(instance, field_name, verb, list(targets))


def _user_flags_before(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or users.service_is_auditing() or (update_fields is not None and not set(update_fields) & set(users.FLAGS)):
        return
    stored = sender._default_manager.filter(pk=instance.pk).values(*users.FLAGS).first() if instance.pk else None
    before = stored or {"is_active": True, "is_staff": False, "is_superuser": False}
    instance._cdm_flags_changed = {f: getattr(instance, f) for f in users.FLAGS
                                   if bool(getattr(instance, f)) != bool(before[f])}


def _user_flags_after(sender, instance, raw=False, **kwargs):
    changed = instance.__dict__.pop("_cdm_flags_changed", None)
    if changed and not raw:
        audit_record(by=_actor(), action="user.rights_change", obj=instance, fields=list(changed),
                     reason=users.describe_rights_change(flags=changed))


def _team_right(instance, verb: str) -> None:
    holder = getattr(instance, "user", None) or instance.group
    team = Team.objects.filter(pk=instance.content_object_id).first()
    audit_record(by=_actor(), action=_action(holder), obj=holder, fields=["team_permissions"],
                 reason=f"{verb} {users.perm_label(instance.permission)} on team {team or instance.content_object_id}")


def _team_right_saved(sender, instance, created, raw=False, **kwargs):
    if not raw:
        _team_right(instance, "granted" if created else "changed")


def _team_right_deleted(sender, instance, **kwargs):
    _team_right(instance, "revoked")


def connect() -> None:
    for through in _THROUGH:
        m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"cdm.audit.m2m.{through._meta.label}")
    pre_save.connect(_user_flags_before, sender=User, dispatch_uid="cdm.audit.user_flags_before")
    post_save.connect(_user_flags_after, sender=User, dispatch_uid="cdm.audit.user_flags_after")
    for model in (TeamUserObjectPermission, TeamGroupObjectPermission):
        post_save.connect(_team_right_saved, sender=model, dispatch_uid=f"cdm.audit.saved.{model._meta.label}")
        post_delete.connect(_team_right_deleted, sender=model, dispatch_uid=f"cdm.audit.deleted.{model._meta.label}")
