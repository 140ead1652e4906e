"""Demo integrations: service accounts with API tokens, so a newcomer can call the API in the first minute.

Only with DEBUG on, like the demo logins. Every seed revokes the previous demo tokens and issues new ones,
printed once by seed_demo (tokens are stored only as hashes).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.translation import gettext as _

from cdm import access
from cdm.access import SYSTEM
from cdm.api.models import ApiToken
from cdm.api.tokens import api_token_issue, api_token_revoke
from customers.demo.setup import teams_ensure

DEMO_PREFIX = "Demo: "


@dataclass(frozen=True)
class DemoIntegration:
    username: str
    name: str
    role: str
    system: str
    team: str | None


DEMO_INTEGRATIONS = (
    DemoIntegration("svc-shop", "Shop", access.INTEGRATION, "shop", "North"),
    DemoIntegration("svc-crm", "CRM sync", access.DATA_STEWARD, "crm", None),
)


def api_demo_ensure() -> list[tuple[DemoIntegration, str]]:
    """(integration, raw token) per demo integration; nothing with DEBUG off."""
    if not settings.DEBUG:
        return []
    User = get_user_model()
    teams = teams_ensure()
    issued = []
    for spec in DEMO_INTEGRATIONS:
        user = User.objects.filter(username=spec.username).first() or User(username=spec.username)
        user.first_name, user.last_name = spec.name, _("(integration)")
        user.is_active, user.is_staff, user.is_superuser = True, False, False
        user.set_unusable_password()  # a service account never logs in to the pages
        user.save()
        groups = [Group.objects.get_or_create(name=spec.role)[0]]
        if spec.team:
            groups.append(teams[spec.team].group)
        user.groups.set(groups)
        for old in ApiToken.objects.live().filter(user=user, name__startswith=DEMO_PREFIX):
            api_token_revoke(by=SYSTEM, token=old)
        _token, raw = api_token_issue(by=SYSTEM, name=DEMO_PREFIX + spec.name, user=user, system=spec.system,
                                      default_team=teams[spec.team] if spec.team else None)
        issued.append((spec, raw))
    return issued


# Which system wins per field group in the demo: the CRM owns contact data, the shop identity; the old CRM's
# files never overwrite what a newer system set. Edits in CDM keep the default (50).
DEMO_SOURCE_SYSTEMS = (
    ("crm", "CRM sync", {"contact": 80, "identity": 60}),
    ("shop", "Web shop", {"contact": 40, "identity": 70, "products": 90}),
    ("legacy-crm", "Old CRM (files)", {"contact": 10, "identity": 10}),
)


def sync_demo_ensure(log=None) -> int:
    """The demo's source systems and their priorities (admin: Source systems), once; how many were added."""
    from customers import services
    from customers.models import SourceSystem

    added = 0
    for system, name, priorities in DEMO_SOURCE_SYSTEMS:
        if not SourceSystem.objects.filter(system=system).exists():
            services.catalog_save(instance=SourceSystem(system=system, name=name, priorities=priorities), by=SYSTEM)
            added += 1
    if added and log:
        log(f"Source systems for the two-way sync rules: {added} (see the admin's Source systems).")
    return added
