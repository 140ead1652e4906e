"""The one gate (issue 9, section 2): restrict() for every action and model, fail closed, rights that
follow their changes, roles synced whatever the app order, and services that always know who acts."""

import importlib
import inspect
import pkgutil

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse

from cdm import access
from cdm.access import SYSTEM
from cdm.models import Team
from cdm.querysets import ACTIONS, GlobalScopeQuerySet, RestrictedQuerySet
from cdm.use_cases import ActorRequired
from customers.models import Customer, Note
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("username", ["agent", "agent-south", "marketer", "steward", "admin", "nobody"])
def test_restrict_answers_every_action_for_every_role(users, north, south, username, action):
    """`restrict(steward, "add")` used to raise KeyError; now every role gets an answer for every action."""
    CustomerFactory(team=north), CustomerFactory(team=south)
    rows = Customer.objects.restrict(users[username], action)
    assert rows.count() in (0, 1, 2)


def test_adding_follows_the_teams_one_may_add_to(users, north, south):
    own, other = CustomerFactory(team=north), CustomerFactory(team=south)
    assert set(Customer.objects.restrict(users["agent"], "add")) == {own}
    assert set(Customer.objects.restrict(users["steward"], "add")) == {own, other}
    assert not Customer.objects.restrict(users["marketer"], "add").exists()  # marketing adds no customers


def test_a_row_hanging_off_a_customer_is_added_to_only_with_the_change_right(users, north):
    customer = CustomerFactory(team=north)
    from customers import services

    services.customer_grant(customer=customer, action="view", by=SYSTEM, user=users["agent-south"])
    note = services.note_create(customer=customer, by=users["agent"], body="Called back")
    assert list(Note.objects.restrict(users["agent-south"], "view")) == [note]
    assert not Note.objects.restrict(users["agent-south"], "add").exists()


def test_a_model_that_declares_no_scope_shows_nothing(users):
    """Fail closed: a queryset without a scope hook is refused, not shown whole."""
    Team.objects.get_or_create(name="West", slug="west", group=Group.objects.create(name="Team West"))
    undeclared = RestrictedQuerySet(model=Team)
    assert users["admin"].has_perm("cdm.view_team")
    assert not undeclared.restrict(users["admin"], "view").exists()
    assert undeclared.restrict(SYSTEM, "view").exists()  # the system (and superusers) see everything


def test_every_model_declares_its_scope():
    missing = [model._meta.label for model in apps.get_models()
               if isinstance(model._default_manager.all(), RestrictedQuerySet)
               and type(model._default_manager.all()).scope_q is RestrictedQuerySet.scope_q]
    assert missing == []
    assert isinstance(Team.objects.all(), GlobalScopeQuerySet)


def test_rights_cached_on_a_user_object_are_dropped_when_they_change(users, north, south):
    agent = users["agent"]
    other = CustomerFactory(team=south)
    assert not Customer.objects.restrict(agent, "view").filter(pk=other.pk).exists()  # rights now cached
    agent.groups.add(south.group)
    assert Customer.objects.restrict(agent, "view").filter(pk=other.pk).exists()
    agent.groups.remove(south.group)
    assert not Customer.objects.restrict(agent, "view").filter(pk=other.pk).exists()
    from customers import services

    services.customer_grant(customer=other, action="view", by=SYSTEM, user=agent)
    assert Customer.objects.restrict(agent, "view").filter(pk=other.pk).exists()


def test_role_sync_runs_whatever_the_app_order_and_twice_changes_nothing():
    from cdm.apps import _after_migrate

    agents = Group.objects.get(name=access.CUSTOMER_SERVICE)
    agents.permissions.clear()
    configs = [c for c in apps.get_app_configs() if c.models_module is not None]
    # The signal for a late app alone does nothing; the first app's syncs every role, consent included
    # (an app after cdm in INSTALLED_APPS, whose permissions do not exist yet at cdm's turn).
    _after_migrate(sender=configs[-1], using=connection.alias)
    assert not agents.permissions.exists()
    _after_migrate(sender=configs[0], using=connection.alias)
    synced = set(agents.permissions.values_list("codename", flat=True))
    assert {"add_consentrecord", "add_note", "view_customer"} <= synced
    _after_migrate(sender=configs[0], using=connection.alias)
    assert set(agents.permissions.values_list("codename", flat=True)) == synced


def _service_modules():
    import consent.services
    import customers.services

    yield consent.services
    yield importlib.import_module("cdm.services")
    for info in pkgutil.iter_modules(customers.services.__path__):
        yield importlib.import_module(f"customers.services.{info.name}")


def test_every_service_that_takes_an_actor_requires_one():
    """No service defaults `by` to None any more (which silently skipped the rights checks)."""
    lax = []
    for module in _service_modules():
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or name.startswith("_"):
                continue
            by = inspect.signature(getattr(fn, "__wrapped__", fn)).parameters.get("by")
            if by is not None and by.default is not inspect.Parameter.empty and name != "customer_conflict":
                lax.append(f"{module.__name__}.{name}")
            if by is not None and by.kind is inspect.Parameter.KEYWORD_ONLY and name not in (
                    "audit_record", "customer_conflict") and not getattr(fn, "is_use_case", False):
                lax.append(f"{module.__name__}.{name} is no use case")
    assert lax == []


def test_a_use_case_called_without_its_actor_is_refused(north):
    from customers import services

    with pytest.raises(ActorRequired):
        services.customer_create(team=north, family_name="Nobody", by=None)
    assert not Customer.objects.exists()


def test_nested_use_cases_join_the_callers_transaction(transactional_db, users):
    """The outermost use case is durable; the ones it calls (create inside create-checked) join it."""
    from customers import services

    north = Team.objects.get(name="North")
    created = services.customer_create_checked(by=SYSTEM, team=north, family_name="Durable", given_name="Dora")
    assert Customer.objects.filter(pk=created.pk).exists()


def _rights_queries(ctx) -> int:
    return sum("auth_group" in q["sql"] and "UNION" in q["sql"] for q in ctx.captured_queries)


def test_rights_are_read_once_per_session_and_a_change_reaches_open_sessions(client, users, north, south):
    """issue 9, 6: the per-request floor. Rights live in the session under a version every change bumps."""
    from django.test.utils import CaptureQueriesContext

    agent = users["agent"]
    other = CustomerFactory(team=south)
    client.force_login(agent)  # the login reads the rights once
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(other.get_absolute_url()).status_code == 404
        assert client.get(reverse("customers:list")).status_code == 200
    assert _rights_queries(ctx) == 0
    agent.groups.add(south.group)  # e.g. in the admin, by someone else: the open session learns of it
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(other.get_absolute_url()).status_code == 200
    assert _rights_queries(ctx) == 1
    agent.groups.remove(south.group)
    assert client.get(other.get_absolute_url()).status_code == 404
