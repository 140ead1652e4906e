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
