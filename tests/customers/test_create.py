"""Creating a customer without creating a duplicate.

Possible matches show while the agent types; creating anyway needs a confirmation and is recorded.
"""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cdm.access import SYSTEM
from cdm.models import AuditEvent
from customers import services
from customers.models import Customer
from tests.factories import CustomerFactory, TeamFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("customers:create")
MATCHES = reverse("customers:create_matches")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def ada(north):
    return CustomerFactory(team=north, given_name="Ada", family_name="Lovelace", email="ada@example.com",
                           phone="+1 202 555 0143", date_of_birth=datetime.date(1985, 4, 12))


def _form(team, **overrides):
    data = {"team": team.pk, "given_name": "Grace", "family_name": "Hopper", "date_of_birth": "1906-12-09",
            "email": "grace@example.com", "phone": "", "country": "US", "lifecycle_stage": "lead", "source": "phone"}
    return {**data, **overrides}


def _match_numbers(response) -> list[str]:
    return re.findall(r'<a href="/customers/(\d+)/">', response.content.decode())


def _team_choices(response) -> set[str]:
    select = re.search(r'<select name="team".*?</select>', response.content.decode(), re.DOTALL).group(0)
    return set(re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select))


# --- who may create, and where -------------------------------------------------------------------

@pytest.mark.parametrize(("username", "status", "teams"), [
    ("agent", 200, {"North"}),
    ("agent-south", 200, {"South"}),
    ("steward", 200, {"North", "South", "West"}),
    ("admin", 200, {"North", "South", "West"}),
    ("marketer", 403, None),  # marketing edits no identity or contact data
    ("nobody", 403, None),
])
def test_the_form_offers_only_the_teams_the_user_may_add_to(client, users, username, status, teams):
    TeamFactory(name="West")
    client.force_login(users[username])
    response = client.get(CREATE)
    assert response.status_code == status
    if teams is not None:
        assert _team_choices(response) == teams


def test_the_navigation_links_to_the_form_for_users_who_may_create(client, users):
    client.force_login(users["agent"])
    assert f'href="{CREATE}"' in client.get(reverse("customers:list")).content.decode()
    client.force_login(users["marketer"])
    assert f'href="{CREATE}"' not in client.get(reverse("customers:list")).content.decode()


def test_anonymous_users_are_sent_to_log_in(client):
    for url in (CREATE, MATCHES):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_an_agent_of_north_cannot_create_in_south(client, users, south):
    client.force_login(users["agent"])
    response = client.post(CREATE, _form(south))
    assert response.status_code == 200
    assert "Team: You cannot add customers to this team." in response.content.decode()
    assert not Customer.objects.filter(family_name="Hopper").exists()
    with pytest.raises(ValidationError) as refused:
        services.customer_create_checked(by=users["agent"], team=south, family_name="Hopper")
    assert "team" in refused.value.message_dict


def test_a_new_customer_is_created_normalised_and_recorded(client, users, north):
    client.force_login(users["agent"])
    response = client.post(CREATE, _form(north, given_name="  José ", family_name="García", email="Jose@Example.COM",
                                         phone="(202) 555-0199"))
    customer = Customer.objects.get(family_name="García")
    assert response.status_code == 302 and response["Location"] == customer.get_absolute_url()
    assert (customer.given_name, customer.email, customer.phone) == ("José", "jose@example.com", "+12025550199")
    assert customer.search_name == "jose garcia" and customer.team == north
    assert customer.history.get().history_user == users["agent"]
    assert not AuditEvent.objects.filter(action="customer.create_despite_match").exists()


def test_validation_errors_name_their_fields_and_nothing_is_saved(client, users, north):
    client.force_login(users["agent"])
    response = client.post(CREATE, _form(north, family_name="", email="not-an-address", phone="12"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_family_name-error"' in body and "Family name:" in body
    assert 'id="id_email-error"' in body and "E-mail: Enter a valid e-mail address" in body
    assert Customer.objects.count() == 0
    response = client.post(CREATE, _form(north, phone="12"))
    assert 'id="id_phone-error"' in response.content.decode() and "Phone:" in response.content.decode()
    assert Customer.objects.count() == 0


# --- possible duplicates ---------------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    {"email": "ADA@EXAMPLE.COM"},
    {"phone": "(202) 555-0143"},
    {"phone": "+1 202-555-0143"},
    {"given_name": "ADA", "family_name": "lovelace", "date_of_birth": "1985-04-12"},
])
def test_possible_existing_customers_appear_while_typing(client, users, ada, typed):
    client.force_login(users["agent"])
    response = client.get(MATCHES, typed, **HTMX)
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert _match_numbers(response) == [ada.customer_number]
    assert 'name="create_anyway"' in response.content.decode()


@pytest.mark.parametrize("typed", [
    {"given_name": "Ada", "family_name": "Lovelace"},  # a name alone: namesakes are not duplicates
    {"given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1990-01-01"},
    {"email": "ada@example.co"},  # still typing
    {"phone": "202"},
])
def test_no_match_for_a_name_alone_or_a_half_typed_value(client, users, ada, typed):
    client.force_login(users["agent"])
    response = client.get(MATCHES, typed, **HTMX)
    assert _match_numbers(response) == [] and "create_anyway" not in response.content.decode()


def test_matches_stay_within_the_users_rights(client, users, ada):
    client.force_login(users["agent-south"])
    response = client.get(MATCHES, {"email": "ada@example.com"}, **HTMX)
    assert response.status_code == 200 and ada.customer_number not in response.content.decode()


def test_merged_customers_are_no_match_but_archived_ones_are(client, users, ada):
    ada.status = Customer.Status.ARCHIVED
    services.customer_bulk_update(customers=[ada], fields=["status"], by=SYSTEM, reason="test set-up")
    client.force_login(users["agent"])
    response = client.get(MATCHES, {"email": "ada@example.com"}, **HTMX)
    assert _match_numbers(response) == [ada.customer_number] and "Archived" in response.content.decode()


def test_a_very_similar_name_with_the_same_birth_date_matches(client, users, ada):
    client.force_login(users["agent"])
    response = client.get(MATCHES, {"given_name": "Ada", "family_name": "Lovelase", "date_of_birth": "1985-04-12"},
                          **HTMX)
    assert _match_numbers(response) == [ada.customer_number]
    assert "same given name" in response.content.decode() and "family name 0.95 similar" in response.content.decode()


def test_the_form_looks_up_matches_as_the_agent_types(client, users):
    client.force_login(users["agent"])
    body = client.get(CREATE).content.decode()
    assert f'hx-get="{MATCHES}"' in body and 'hx-trigger="input changed delay:400ms from:.match-field"' in body
    for field in ("email", "phone", "given_name", "family_name", "date_of_birth"):
        tag = re.search(rf'<input[^>]*name="{field}"[^>]*>', body).group(0)
        assert 'class="match-field"' in tag, field
    assert not re.search(r"<script(?![^>]*\bsrc=)", body) and "style=" not in body


def test_creating_a_possible_duplicate_needs_a_confirmation(client, users, north, ada):
    client.force_login(users["agent"])
    response = client.post(CREATE, _form(north, given_name="Ada", family_name="Lovelace", email="ADA@example.com",
                                         date_of_birth="1990-01-01"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_create_anyway-error"' in body and f"Possibly already a customer: {ada.customer_number}" in body
    assert _match_numbers(response) == [ada.customer_number]  # with a link to the existing customer
    assert Customer.objects.count() == 1


def test_creating_anyway_is_saved_and_recorded(client, users, north, ada):
    client.force_login(users["agent"])
    response = client.post(CREATE, _form(north, given_name="Ada", family_name="Lovelace", email="ada@example.com",
                                         date_of_birth="1990-01-01", create_anyway="on"))
    created = Customer.objects.exclude(pk=ada.pk).get()
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()
    event = AuditEvent.objects.get(action="customer.create_despite_match")
    assert event.object_id == str(created.pk) and event.actor == users["agent"]
    assert ada.customer_number in event.reason  # the audit log, read by stewards and admins
    # The history is read by everyone who may see the new customer, who may not see Ada: it names no one.
    reason = created.history.get().history_change_reason
    assert ada.customer_number not in reason and "data stewards will check" in reason


def test_the_service_refuses_a_possible_duplicate_without_confirmation(users, north, ada):
    with pytest.raises(ValidationError) as refused:
        services.customer_create_checked(by=users["agent"], team=north, family_name="Someone", phone="202 555 0143")
    assert refused.value.error_dict["create_anyway"][0].code == "possible_duplicate"
    assert Customer.objects.count() == 1
