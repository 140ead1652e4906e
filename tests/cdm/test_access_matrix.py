"""Row scopes behind every entry point: restrict(), grants, the admin for a team-scoped staff user.

The pages themselves, for every role × scope, are in the entry-point matrix (tests/entry_points/).
"""

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from cdm import access
from cdm.access import SYSTEM
from customers.models import Customer
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(north, south):
    return {
        "north": CustomerFactory(team=north, given_name="Nora", family_name="Northwood"),
        "south": CustomerFactory(team=south, given_name="Sam", family_name="Southgate"),
    }


def _urls(customer):
    return {
        "admin_change": reverse("admin:customers_customer_change", args=[customer.pk]),
        "admin_history": reverse("admin:customers_customer_history", args=[customer.pk]),
    }


def test_a_missing_id_looks_exactly_like_another_teams_customer(client, users, pair):
    client.force_login(users["agent"])
    other = client.get(pair["south"].get_absolute_url())
    missing = client.get(reverse("customers:detail", args=["000000000"]))
    assert other.status_code == missing.status_code == 404
    assert other.content == missing.content


@pytest.mark.parametrize(("username", "sees"), [
    ("agent", {"north"}), ("agent-south", {"south"}), ("marketer", {"north", "south"}),
    ("steward", {"north", "south"}), ("admin", {"north", "south"}), ("nobody", set()),
])
def test_customer_list_and_search_show_only_the_users_customers(client, users, pair, username, sees):
    client.force_login(users[username])
    body = client.get(reverse("customers:list")).content.decode()
    for which, customer in pair.items():
        searched = client.get(reverse("customers:list"), {"q": customer.family_name[:4]}).content.decode()
        assert (customer.family_name in body) == (which in sees)
        assert (customer.family_name in searched) == (which in sees)


@pytest.fixture
def staff_agent(north):
    """A team-scoped user who may use the admin: the admin must apply the team scope too."""
    return UserFactory(username="lead", roles=[access.CUSTOMER_SERVICE], teams=[north], is_staff=True)


def test_admin_changelist_lists_only_the_users_team(client, staff_agent, pair):
    client.force_login(staff_agent)
    response = client.get(reverse("admin:customers_customer_changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    assert pair["north"].customer_number in body and pair["south"].customer_number not in body


@pytest.mark.parametrize("page", ["admin_change", "admin_history"])
def test_admin_pages_of_another_teams_customer_are_404(client, staff_agent, pair, page):
    client.force_login(staff_agent)
    response = client.get(_urls(pair["south"])[page])
    assert response.status_code == 404
    assert pair["south"].family_name not in response.content.decode()


def test_a_grant_on_one_customer_opens_that_customer_only(users, pair):
    agent_south = users["agent-south"]
    assign_perm("customers.view_customer", agent_south, pair["north"])
    assert set(Customer.objects.restrict(agent_south, "view")) == {pair["north"], pair["south"]}
    assert set(Customer.objects.restrict(agent_south, "change")) == {pair["south"]}  # a view grant is not a change grant


def test_a_grant_to_a_group_works_like_a_grant_to_a_user(users, pair):
    from django.contrib.auth.models import Group

    helpers = Group.objects.create(name="Escalations")
    users["agent-south"].groups.add(helpers)
    assign_perm("customers.change_customer", helpers, pair["north"])
    assert pair["north"] in Customer.objects.restrict(users["agent-south"], "change")


def test_restrict_costs_one_scope_query_per_request_whatever_the_number_of_teams_and_grants(
        users, pair, north, south, django_assert_num_queries):
    agent = users["agent"]
    agent.groups.add(south.group)  # two teams
    assign_perm("customers.view_customer", agent, pair["south"])
    assign_perm("customers.change_customer", agent, pair["north"])
    agent = type(agent).objects.get(pk=agent.pk)  # a fresh request's user
    with django_assert_num_queries(1):  # groups, model permissions and the scope of every action, at once
        assert agent.has_perm("customers.view_customer")
    with django_assert_num_queries(1):  # then the rows
        assert set(Customer.objects.restrict(agent, "view")) == {pair["north"], pair["south"]}
    with django_assert_num_queries(1):  # the rest of the request: the rows only
        assert set(Customer.objects.restrict(agent, "change")) == {pair["north"], pair["south"]}
        assert "objectpermission" not in str(Customer.objects.restrict(agent, "view").query)


def test_very_many_grants_stay_a_subquery(users, pair, monkeypatch):
    from cdm import rights

    monkeypatch.setattr(rights, "SCOPE_GRANTS_INLINE", 0)
    agent_south = users["agent-south"]
    assign_perm("customers.view_customer", agent_south, pair["north"])
    restricted = Customer.objects.restrict(agent_south, "view")
    assert "objectpermission" in str(restricted.query)
    assert set(restricted) == {pair["north"], pair["south"]}


def test_transactional_rows_follow_their_customers_scope(users, pair):
    from customers import services
    from customers.models import ServiceRequest

    for customer in pair.values():
        services.service_request_create(customer=customer, subject=f"Help {customer.family_name}", by=SYSTEM)
    assert {r.customer for r in ServiceRequest.objects.restrict(users["agent"])} == {pair["north"]}
    assert ServiceRequest.objects.restrict(users["steward"]).count() == 2
    # Marketing never sees service-request texts.
    assert ServiceRequest.objects.restrict(users["marketer"]).count() == 0


@pytest.mark.parametrize(("username", "which", "may_change"), [
    ("agent", "north", True), ("agent-south", "south", True), ("marketer", "north", True),  # attributes
    ("steward", "south", True), ("admin", "north", True),
])
def test_a_fetched_customer_knows_whether_the_user_may_change_it(users, pair, username, which, may_change):
    from customers.selectors import customer_get

    customer = customer_get(user=users[username], customer_number=pair[which].customer_number)
    assert customer.user_may_change is may_change


def test_a_view_grant_fetches_the_customer_but_not_the_right_to_change_it(users, pair):
    from customers.selectors import customer_get

    assign_perm("customers.view_customer", users["agent-south"], pair["north"])
    customer = customer_get(user=users["agent-south"], customer_number=pair["north"].customer_number)
    assert customer.user_may_change is False


def test_rows_of_a_fetched_customer_follow_the_user_who_fetched_it(users, pair):
    """of_customer() skips the scope subquery only for the user whose query checked the customer."""
    from customers import services
    from customers.models import Note, ServiceRequest
    from customers.selectors import customer_get

    north = pair["north"]
    services.note_create(customer=north, by=users["agent"], body="Call back on Monday")
    services.service_request_create(customer=north, subject="Broken router", by=SYSTEM)
    fetched = customer_get(user=users["agent"], customer_number=north.customer_number)
    assert [n.body for n in Note.objects.of_customer(users["agent"], fetched)] == ["Call back on Monday"]
    assert "objectpermission" not in str(Note.objects.of_customer(users["agent"], fetched).query)
    # The same object in another user's hands is checked again: another team's agent sees nothing.
    assert not Note.objects.of_customer(users["agent-south"], fetched).exists()
    assert not Note.objects.of_customer(users["agent-south"], north).exists()
    # The field policy still holds: marketing never reads service texts, even of a customer it may see.
    for_marketing = customer_get(user=users["marketer"], customer_number=north.customer_number)
    assert not Note.objects.of_customer(users["marketer"], for_marketing).exists()
    assert not ServiceRequest.objects.of_customer(users["marketer"], for_marketing).exists()
    # "change" follows the customer's change right.
    assert ServiceRequest.objects.of_customer(users["agent"], fetched, "change").count() == 1
    assert not ServiceRequest.objects.of_customer(users["marketer"], for_marketing, "change").exists()
