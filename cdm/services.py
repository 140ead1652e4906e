"""Platform writes: the audit log and teams."""

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.text import slugify
from guardian.shortcuts import assign_perm
from simple_history.models import HistoricalRecords

from cdm.models import AuditEvent, Team

TEAM_PERMISSIONS = ("view_team_customers", "change_team_customers", "add_team_customers")


def _request_ip() -> str | None:
    # simple-history's middleware keeps the current request; reuse it instead of threading `request`
    # through every service.
    request = getattr(HistoricalRecords.context, "request", None)
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return (forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR")) or None


def audit_record(*, by, action: str, obj, fields=(), reason: str = "") -> AuditEvent:
    """Append one audit event: who did what to which object, naming fields, never values."""
    return AuditEvent.objects.create(
        actor=by if getattr(by, "pk", None) else None,
        actor_username=getattr(by, "username", "") or "system",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        fields=sorted(fields),
        reason=reason,
        ip_address=_request_ip(),
    )


@transaction.atomic
def team_create(*, name: str, slug: str = "", by=None) -> Team:
    """A team, its members' group, and the group's rights on the team's customers."""
    slug = slug or slugify(name)
    group, _ = Group.objects.get_or_create(name=f"Team {name}")
    team = Team(name=name, slug=slug, group=group)
    team.full_clean()
    team.save()
    for codename in TEAM_PERMISSIONS:
        assign_perm(f"cdm.{codename}", group, team)
    audit_record(by=by, action="team.create", obj=team)
    return team


@transaction.atomic
def team_update(*, team: Team, name: str, by=None) -> Team:
    team.name = name
    team.full_clean()
    team.save()
    audit_record(by=by, action="team.update", obj=team, fields=["name"])
    return team
