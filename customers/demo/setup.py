"""What every run makes sure of first: the demo catalog, the teams and one demo login per role."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.urls import reverse

from cdm import access
from cdm.access import SYSTEM
from cdm.models import Team
from cdm.services import team_create
from customers.demo.constants import TEAM_NAMES, demo_password
from customers.models import Product
from customers.services import catalog_save

CATALOG = (
    # code, name, kind, unit price (USD)
    ("basic", "Basic plan", Product.Kind.PLAN, "9.99"),
    ("plus", "Plus plan", Product.Kind.PLAN, "19.99"),
    ("premium", "Premium plan", Product.Kind.PLAN, "39.99"),
    ("wifi-router", "Wi-Fi router", Product.Kind.PRODUCT, "89.00"),
    ("mesh-extender", "Mesh extender", Product.Kind.PRODUCT, "59.00"),
    ("tv-box", "TV box 4K", Product.Kind.PRODUCT, "129.00"),
    ("headset", "Wireless headset", Product.Kind.PRODUCT, "49.00"),
    ("smart-plug", "Smart plug (2-pack)", Product.Kind.PRODUCT, "24.99"),
    ("installation", "Home installation", Product.Kind.SERVICE, "79.00"),
    ("extended-warranty", "Extended warranty (2 years)", Product.Kind.SERVICE, "39.00"),
)
PLAN_CODES = ("basic", "plus", "premium")
PLAN_WEIGHTS = (45, 35, 20)


def catalog_ensure() -> dict[str, Product]:
    """The demo catalog; creates only the missing products (through the catalog service)."""
    existing = {p.code: p for p in Product.objects.filter(code__in=[c[0] for c in CATALOG])}
    for code, name, kind, price in CATALOG:
        if code not in existing:
            existing[code] = catalog_save(instance=Product(code=code, name=name, kind=kind, unit_price=Decimal(price)), by=SYSTEM)
    return {code: existing[code] for code, *_rest in CATALOG}  # catalog order: generation depends on it


def teams_ensure() -> dict[str, Team]:
    teams = {t.name: t for t in Team.objects.filter(name__in=TEAM_NAMES).select_related("group")}
    for name in TEAM_NAMES:
        if name not in teams:
            teams[name] = team_create(name=name, by=SYSTEM)
    return teams


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    team: str | None = None


DEMO_USERS = (
    DemoUser("admin", "Alex", "Morgan", access.ADMIN),
    DemoUser("agent", "Sam", "Carter", access.CUSTOMER_SERVICE, "North"),
    DemoUser("agent-south", "Lucía", "Romero", access.CUSTOMER_SERVICE, "South"),
    DemoUser("marketer", "Maya", "Patel", access.MARKETING),
    DemoUser("steward", "Daniel", "Weber", access.DATA_STEWARD),
)


def demo_users_ensure() -> list[DemoUser]:
    """One login per role (agents in their team), only with DEBUG on; re-running resets them.

    With DEBUG off nothing is created: demo users with a published password must never exist on
    a production system.
    """
    if not settings.DEBUG:
        return []
    User = get_user_model()
    teams = teams_ensure()
    # One hash for all five (hashing is deliberately slow); the password is public anyway.
    password_hash = make_password(demo_password())
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first() or User(username=spec.username)
        user.first_name, user.last_name = spec.first_name, spec.last_name
        user.email = f"{spec.username}@example.com"
        user.is_active = True
        user.is_superuser = False
        user.is_staff = access.ROLES[spec.role].staff
        user.password = password_hash
        user.save()
        groups = [Group.objects.get_or_create(name=spec.role)[0]]
        if spec.team:
            groups.append(teams[spec.team].group)
        user.groups.set(groups)
    return list(DEMO_USERS)


def team_agents(teams: dict[str, Team]) -> dict[int, object]:
    """team id -> the demo agent working that team's customers (none with DEBUG off)."""
    if not settings.DEBUG:
        return {}
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[d.username for d in DEMO_USERS])}
    agents = {}
    for spec in DEMO_USERS:
        if spec.team and spec.username in users and spec.role == access.CUSTOMER_SERVICE:
            agents[teams[spec.team].pk] = users[spec.username]
    return agents


def start_url(role: str) -> str:
    """Where a login of `role` starts: the admin for the roles that work there (stewards, admins),
    the service pages for the others (agents, marketers)."""
    base = getattr(settings, "CDM_PUBLIC_BASE_URL", "") or "http://127.0.0.1:8000"
    return base.rstrip("/") + reverse("admin:index" if access.ROLES[role].staff else "home")
