"""A user's rights, read in one query and kept for the request (on the user object) or the session.

Groups (roles), Django's model permissions and the object rights apps register (team rights, per-
customer grants): `restrict()` (cdm.querysets, through each model's scope) and the permission backend
(cdm.auth_backends) read them from here. Imports no app: apps register their object-rights models.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- rights: roles and object permissions, loaded once per request -------------------------

# Object rights beyond this many ids stay a subquery rather than a list of ids in the SQL.
SCOPE_GRANTS_INLINE = 500


@dataclass(frozen=True)
class ObjectRights:
    """Where guardian keeps one kind of object right (direct-FK permission models, DESIGN "Access").

    `target`: the object model ("cdm.team"); `user_model` / `group_model`: its user and group
    permission models ("app_label.ModelName"); `codename_suffix`: the codenames that count
    ("_team_customers" for view_team_customers, change_team_customers, ...).
    """

    target: str
    user_model: str
    group_model: str
    codename_suffix: str


_OBJECT_RIGHTS: dict[str, ObjectRights] = {}


def register_object_rights(rights: ObjectRights) -> None:
    """Apps declare their object rights here (AppConfig.ready): cdm needs no edit for a new kind."""
    _OBJECT_RIGHTS[rights.target] = rights


def object_rights_sources() -> list[ObjectRights]:
    return list(_OBJECT_RIGHTS.values())


# A team's group holds rights on the team, i.e. on its portfolio of customers (cdm.Team).
TEAM_RIGHTS = ObjectRights(target="cdm.team", user_model="cdm.TeamUserObjectPermission",
                           group_model="cdm.TeamGroupObjectPermission", codename_suffix="_team_customers")
register_object_rights(TEAM_RIGHTS)


# Attributes of the user object that hold rights for the length of one request.
_RIGHTS_CACHES = ("_cdm_rights", "_cdm_roles", "_cdm_rights_version", "_perm_cache", "_user_perm_cache",
                  "_group_perm_cache")


def forget_rights(user) -> None:
    """Drop every right cached on this user object (after their groups, permissions or grants change)."""
    for name in _RIGHTS_CACHES:
        if hasattr(user, name):
            delattr(user, name)
    # guardian caches object permissions per checker on the user object too.
    for name in [n for n in vars(user) if n.startswith("_guardian")]:
        delattr(user, name)


_MODEL_PERMISSION = "<model permission>"  # the third column's marker for rows that are model permissions


def _load_rights(user) -> dict:
    """The user's groups (roles), model permissions and object rights, in one query, kept on the user
    object (one request).

    "perms": {"app_label.codename"}, the user's and their groups' (Django's ModelBackend would read them
    in two more queries: cdm.auth_backends.RightsBackend answers from here).
    "objects": {(target, codename): ids, or None when there are too many to list: see object_ids}.
    Lists, not subqueries: a customer query carrying the permission subqueries takes PostgreSQL 2-3 ms
    to plan, and Django as long to compile, for every query of every page.
    """
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission
    from django.db.models import CharField, IntegerField, Value
    from django.db.models.functions import Concat

    cached = getattr(user, "_cdm_rights", None)
    if cached is not None:
        return cached
    columns = ("permission__codename", "content_object_id")
    zero, perm = Value(0, IntegerField()), Value(_MODEL_PERMISSION, CharField())
    label = Concat("content_type__app_label", Value("."), "codename", output_field=CharField())
    parts = [Group.objects.filter(user=user).values_list("name", zero, Value("", CharField())),
             # order_by(): Permission's default ordering is not allowed inside a UNION.
             Permission.objects.filter(user=user).order_by().values_list(label, zero, perm),
             Permission.objects.filter(group__user=user).order_by().values_list(label, zero, perm)]
    for source in _OBJECT_RIGHTS.values():
        where = {"permission__codename__endswith": source.codename_suffix}
        parts.append(apps.get_model(source.user_model).objects.filter(user=user, **where)
                     .values_list(*columns, Value(source.target, CharField())))
        parts.append(apps.get_model(source.group_model).objects.filter(group__user=user, **where)
                     .values_list(*columns, Value(source.target, CharField())))
    groups: set[str] = set()
    perms: set[str] = set()
    objects: dict[tuple[str, str], set[int]] = {}
    for name, object_id, target in parts[0].union(*parts[1:], all=True):
        if not target:
            groups.add(name)
        elif target == _MODEL_PERMISSION:
            perms.add(name)
        else:
            objects.setdefault((target, name), set()).add(object_id)
    user._cdm_rights = cached = {
        "_version": getattr(user, "_cdm_rights_version", None),
        "groups": groups,
        "perms": perms,
        "objects": {key: sorted(ids) if len(ids) <= SCOPE_GRANTS_INLINE else None for key, ids in objects.items()},
    }
    return cached


# --- rights kept in the session between requests ---------------------------------------------

# Bumped by every change of groups, permissions, object rights or user flags (cdm.apps receivers,
# sync_roles): a session's copy of its user's rights is valid only under the version it was read at.
RIGHTS_VERSION_KEY = "cdm:rights-version"
_RIGHTS_SESSION_KEY = "_cdm_rights"


def rights_version() -> int:
    from django.core.cache import cache

    return cache.get_or_set(RIGHTS_VERSION_KEY, 1)


def rights_changed() -> None:
    """Every session reads its user's rights afresh on its next request."""
    from django.core.cache import cache

    try:
        cache.incr(RIGHTS_VERSION_KEY)
    except ValueError:  # not set yet (or evicted): any new value differs from what sessions hold
        cache.set(RIGHTS_VERSION_KEY, rights_version() + 1)


def rights_to_session(session, user) -> None:
    """Keep the rights read during this request in the session, under the current version."""
    rights = getattr(user, "_cdm_rights", None)
    if rights is None or rights.get("_version") is None \
            or session.get(_RIGHTS_SESSION_KEY, {}).get("version") == rights["_version"]:
        return
    session[_RIGHTS_SESSION_KEY] = {
        "user": user.pk, "version": rights["_version"], "groups": sorted(rights["groups"]),
        "perms": sorted(rights["perms"]),
        "objects": [[target, codename, ids] for (target, codename), ids in rights["objects"].items()],
    }


def rights_from_session(session, user) -> bool:
    """Adopt the session's copy of the user's rights if it is theirs and current; True if adopted."""
    kept = session.get(_RIGHTS_SESSION_KEY)
    version = rights_version()
    if not kept or kept.get("user") != user.pk or kept.get("version") != version:
        user._cdm_rights_version = version  # what a fresh read will be valid under
        return False
    user._cdm_rights = {"groups": set(kept["groups"]), "perms": set(kept["perms"]), "_version": version,
                        "objects": {(target, codename): ids for target, codename, ids in kept["objects"]}}
    return True


def object_ids(user, target: str, codename: str):
    """Ids of the `target` objects on which `user` (or one of their groups) holds `codename`: a list,
    or a subquery when there are more than SCOPE_GRANTS_INLINE."""
    from django.apps import apps

    ids = _load_rights(user)["objects"].get((target, codename), [])
    if ids is not None:
        return ids
    source = _OBJECT_RIGHTS[target]
    where = {"permission__codename": codename}
    return (apps.get_model(source.user_model).objects.filter(user=user, **where).values("content_object_id")
            .union(apps.get_model(source.group_model).objects.filter(group__user=user, **where)
                   .values("content_object_id")))
