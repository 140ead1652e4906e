"""The one field policy and the row scopes: who sees and edits what.

Forms, admin, serializers, templates, exports and segment rules read this module;
there is no second list. Role permissions are *derived* from it by `sync_roles()`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class FieldGroup(models.TextChoices):
    IDENTITY = "identity", _("Identity")
    CONTACT = "contact", _("Contact data")
    GOVERNANCE = "governance", _("Governance")
    PRODUCTS = "products", _("Products and orders")
    SERVICE = "service", _("Service requests, notes and feedback")
    BEHAVIOUR = "behaviour", _("Behaviour")
    PREFERENCES = "preferences", _("Preferences and psychographics")
    DEMOGRAPHICS = "demographics", _("Demographics")
    CONSENT = "consent", _("Consents")
    SENSITIVE = "sensitive", _("Sensitive")


FG = FieldGroup
ALL_GROUPS = frozenset(FG.values)
# Groups an admin-defined attribute may belong to.
ATTRIBUTE_GROUPS = (FG.DEMOGRAPHICS, FG.PREFERENCES)
ATTRIBUTE_CHOICES = [(g.value, g.label) for g in ATTRIBUTE_GROUPS]

# Customer master-data fields by group (model field names).
CUSTOMER_FIELDS: dict[str, tuple[str, ...]] = {
    FG.IDENTITY: ("customer_number", "given_name", "family_name", "date_of_birth"),
    FG.CONTACT: (
        "email", "phone", "company", "job_title",
        "address_line1", "address_line2", "postal_code", "city", "region", "country",
        "address_status", "address_issues",
    ),
    FG.GOVERNANCE: (
        "team", "owner", "source", "source_detail", "lifecycle_stage", "status", "merged_into",
        "version", "created_at", "updated_at", "last_activity_at",
    ),
    FG.SENSITIVE: ("national_id", "annual_income", "bank_account"),
}
# Encrypted at rest and shown only through the audited reveal: lists and history never load them.
SENSITIVE_FIELDS: tuple[str, ...] = CUSTOMER_FIELDS[FG.SENSITIVE]
# Fields a user sets when creating a customer besides those their role edits.
CREATE_FIELDS: tuple[str, ...] = ("lifecycle_stage", "source", "source_detail", "owner")
# Fields no user edits directly: the services own them.
SYSTEM_FIELDS = frozenset({
    "customer_number", "address_status", "address_issues", "status", "merged_into", "version",
    "created_at", "updated_at", "last_activity_at",
})

# Transactional models live in one group each ("app_label.model").
MODEL_GROUPS: dict[str, str] = {
    "customers.order": FG.PRODUCTS,
    "customers.orderline": FG.PRODUCTS,
    "customers.productholding": FG.PRODUCTS,
    "customers.servicerequest": FG.SERVICE,
    "customers.note": FG.SERVICE,
    "customers.feedback": FG.SERVICE,
    "customers.activity": FG.BEHAVIOUR,
    "customers.externalidentity": FG.GOVERNANCE,
    "consent.consentrecord": FG.CONSENT,
}

# Explicit permissions for sensitive data; no role holds them by default.
VIEW_SENSITIVE = "customers.view_sensitive_data"
CHANGE_SENSITIVE = "customers.change_sensitive_data"


@dataclass(frozen=True)
class Role:
    name: str
    see: frozenset
    edit: frozenset
    scope: str  # "team": the user's teams (and grants); "all": every customer
    staff: bool = False  # may log in to the Django admin
    extra_perms: tuple[str, ...] = ()  # "app_label.codename"; "*" means every permission


CUSTOMER_SERVICE = "Customer service"
MARKETING = "Marketing"
DATA_STEWARD = "Data steward"
ADMIN = "Admin"

_NOT_SENSITIVE = ALL_GROUPS - {FG.SENSITIVE}

ROLES: dict[str, Role] = {
    CUSTOMER_SERVICE: Role(
        name=CUSTOMER_SERVICE,
        see=frozenset({FG.IDENTITY, FG.CONTACT, FG.GOVERNANCE, FG.PRODUCTS, FG.SERVICE, FG.CONSENT}),
        # Agents record what a caller says about consent ("verbal"); they cannot edit past records.
        edit=frozenset({FG.IDENTITY, FG.CONTACT, FG.SERVICE, FG.CONSENT}),
        scope="team",
    ),
    # Marketing reads contact data (country, city) because segment rules need it, but edits none;
    # it never sees service-request texts, notes or feedback.
    MARKETING: Role(
        name=MARKETING,
        see=frozenset({FG.IDENTITY, FG.CONTACT, FG.GOVERNANCE, FG.PRODUCTS, FG.BEHAVIOUR, FG.PREFERENCES,
                       FG.DEMOGRAPHICS, FG.CONSENT}),
        edit=frozenset({FG.PREFERENCES, FG.DEMOGRAPHICS}),
        scope="all",
    ),
    DATA_STEWARD: Role(
        name=DATA_STEWARD,
        see=_NOT_SENSITIVE,
        edit=_NOT_SENSITIVE,
        scope="all",
        staff=True,
        extra_perms=("cdm.view_auditevent", "cdm.view_team", "customers.view_attributedefinition",
                     "customers.view_product", "customers.view_historicalcustomer",
                     "customers.change_customer_status"),
    ),
    ADMIN: Role(name=ADMIN, see=_NOT_SENSITIVE, edit=_NOT_SENSITIVE, scope="all", staff=True, extra_perms=("*",)),
}


# --- the system as an actor ----------------------------------------------------------------

class SystemActor:
    """The system acting on its own: seeding, scheduled tasks, a customer answering through a signed
    link. Holds every right; history and audit name no user ("system")."""

    pk = id = None
    username = "system"
    is_active = is_authenticated = is_superuser = True
    is_staff = is_anonymous = False

    def has_perm(self, perm, obj=None) -> bool:
        return True

    def has_perms(self, perms, obj=None) -> bool:
        return True

    def get_full_name(self) -> str:
        return "system"

    def __str__(self) -> str:
        return "system"

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()


def user_or_none(by):
    """The user to store in a user column (history, author, created by): None for the system."""
    return None if by is SYSTEM or getattr(by, "pk", None) is None else by


# --- who sees what -----------------------------------------------------------------

def user_roles(user) -> list[Role]:
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_cdm_roles", None)
    if cached is None:
        names = _load_rights(user)["groups"]
        cached = [role for name, role in ROLES.items() if name in names]
        user._cdm_roles = cached
    return cached


def visible_groups(user) -> frozenset:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if user.is_superuser:
        return ALL_GROUPS
    groups = set().union(*(r.see for r in user_roles(user))) - {FG.SENSITIVE}
    if user.has_perm(VIEW_SENSITIVE):
        groups.add(FG.SENSITIVE)
    return frozenset(groups)


def editable_groups(user) -> frozenset:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if user.is_superuser:
        return ALL_GROUPS
    groups = set().union(*(r.edit for r in user_roles(user))) - {FG.SENSITIVE}
    if user.has_perm(CHANGE_SENSITIVE) and user.has_perm(VIEW_SENSITIVE):
        groups.add(FG.SENSITIVE)
    return frozenset(groups & visible_groups(user))


def customer_fields(user, mode: str = "view") -> list[str]:
    """Customer field names `user` may see (mode="view") or edit (mode="edit"), in display order."""
    groups = visible_groups(user) if mode == "view" else editable_groups(user)
    fields = [f for g, names in CUSTOMER_FIELDS.items() if g in groups for f in names]
    if mode == "edit":
        fields = [f for f in fields if f not in SYSTEM_FIELDS]
    return fields


def field_group_of(field_name: str) -> str | None:
    for group, names in CUSTOMER_FIELDS.items():
        if field_name in names:
            return group
    return None


def can_see_model(user, model) -> bool:
    group = MODEL_GROUPS.get(model._meta.label_lower)
    return group is None or group in visible_groups(user)


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


# --- roles as groups -------------------------------------------------------------------

def role_permissions(role: Role) -> set[str]:
    """The model permissions ("app_label.codename") a role's group holds, derived from the policy."""
    from django.apps import apps
    from django.contrib.auth.models import Permission

    if "*" in role.extra_perms:
        return {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Permission.objects.select_related("content_type")
        } - {VIEW_SENSITIVE, CHANGE_SENSITIVE}
    perms = set(role.extra_perms)
    perms.add("customers.view_customer")
    perms.add("cdm.view_team")
    customer_edit = role.edit & set(CUSTOMER_FIELDS)
    if role.edit:
        perms.add("customers.change_customer")
    if {FG.IDENTITY, FG.CONTACT} <= customer_edit:
        perms.add("customers.add_customer")
    if role.scope == "all":
        perms.add("customers.view_all_customers")
        if role.edit:
            perms.add("customers.change_all_customers")
    for label, group in MODEL_GROUPS.items():
        app_label, model_name = label.split(".")
        if group in role.see:
            perms.add(f"{app_label}.view_{model_name}")
        if group in role.edit:
            perms.update({f"{app_label}.add_{model_name}", f"{app_label}.change_{model_name}"})
    attribute_groups = set(ATTRIBUTE_GROUPS)
    if role.see & attribute_groups:
        perms.update({"customers.view_customerattribute", "customers.view_attributedefinition"})
    if role.edit & attribute_groups:
        perms.update({"customers.add_customerattribute", "customers.change_customerattribute"})
    # Drop names of models that do not exist (yet): the policy may run before all apps migrate.
    existing = {m._meta.label_lower for m in apps.get_models()}
    return {p for p in perms if _perm_model(p) in existing or _perm_model(p) is None}


def _perm_model(perm: str) -> str | None:
    app_label, codename = perm.split(".")
    for action in ("view_", "add_", "change_", "delete_"):
        if codename.startswith(action) and "_" not in codename[len(action):]:
            return f"{app_label}.{codename[len(action):]}"
    return None


def sync_roles(**kwargs) -> None:
    """Give each role's group exactly the permissions the policy derives (runs after migrate)."""
    from django.contrib.auth.models import Group, Permission

    index = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
    }
    for role in ROLES.values():
        group, _created = Group.objects.get_or_create(name=role.name)
        wanted = [index[p] for p in role_permissions(role) if p in index]
        group.permissions.set(wanted)
    rights_changed()
