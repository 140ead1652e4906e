"""The one field policy and the row scopes: who sees and edits what.

Forms, admin, serializers, templates, exports and segment rules read this module;
there is no second list. Role permissions are *derived* from it by `sync_roles()`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

# A user's rights (groups, model permissions, object rights), loaded once per request or session, live
# in cdm/rights.py; the names stay importable from here.
from cdm.rights import (  # noqa: F401
    RIGHTS_VERSION_KEY,
    SCOPE_GRANTS_INLINE,
    TEAM_RIGHTS,
    ObjectRights,
    _load_rights,
    forget_rights,
    object_ids,
    object_rights_sources,
    register_object_rights,
    rights_changed,
    rights_from_session,
    rights_to_session,
    rights_version,
)


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
        "address_status", "address_issues", "email_verified_at", "phone_verified_at",
    ),
    FG.GOVERNANCE: (
        "team", "owner", "source", "source_detail", "lifecycle_stage", "status", "merged_into",
        "version", "created_at", "updated_at", "last_activity_at", "quality_score",
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
    "created_at", "updated_at", "last_activity_at", "email_verified_at", "phone_verified_at", "quality_score",
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
INTEGRATION = "Integration"

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
                     "customers.change_customer_status", "customers.merge_customers",
                     "customers.view_duplicatecandidate", "customers.change_duplicatecandidate",
                     "customers.view_merge", "customers.view_qualitysnapshot", "customers.view_matchmodel",
                     "customers.view_automergerule", "customers.view_sourcesystem",
                     "customers.view_skippedchange", "customers.import_customers", "customers.view_importjob"),
    ),
    ADMIN: Role(name=ADMIN, see=_NOT_SENSITIVE, edit=_NOT_SENSITIVE, scope="all", staff=True, extra_perms=("*",)),
    # The service account of a shop or web integration (an API token acts as it): its team's customers, their
    # orders, holdings, behavioural events and consents in and out; no service texts, no staff pages.
    INTEGRATION: Role(
        name=INTEGRATION,
        see=frozenset({FG.IDENTITY, FG.CONTACT, FG.GOVERNANCE, FG.PRODUCTS, FG.BEHAVIOUR, FG.CONSENT}),
        edit=frozenset({FG.IDENTITY, FG.CONTACT, FG.PRODUCTS, FG.BEHAVIOUR, FG.CONSENT}),
        scope="team",
    ),
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
