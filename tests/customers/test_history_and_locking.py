import pytest
from django.urls import reverse

from cdm.access import SYSTEM
from cdm.errors import ConflictError
from customers import services
from customers.models import Customer, HistoryBypassError, ProductHolding, ServiceRequest
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_an_update_records_who_changed_what_and_why(customer, users):
    agent = users["agent"]
    services.customer_update(customer=customer, by=agent, version=customer.version, reason="Customer moved house",
                             address_line1="350 Fifth Avenue", postal_code="10118", city="New York", region="NY")
    latest, previous = customer.history.order_by("-history_date", "-history_id")[:2]
    assert latest.history_user == agent
    assert latest.history_change_reason == "Customer moved house"
    delta = latest.diff_against(previous)
    assert {c.field for c in delta.changes} >= {"address_line1", "postal_code", "city", "region", "version"}
    assert previous.address_line1 == "1600 Pennsylvania Ave NW"  # the old address is still there


def test_the_detail_page_shows_the_old_and_new_address(client, customer, users):
    services.customer_update(customer=customer, by=users["agent"], version=customer.version,
                             reason="Customer moved house", address_line1="350 Fifth Avenue", city="New York",
                             postal_code="10118", region="NY")
    client.force_login(users["agent"])
    body = client.get(customer.get_absolute_url()).content.decode()
    assert "Customer moved house" in body
    assert "1600 Pennsylvania Ave NW" in body and "350 Fifth Avenue" in body


def test_saving_nothing_new_writes_no_history_and_keeps_the_version(customer, users):
    rows = customer.history.count()
    same = services.customer_update(customer=customer, by=users["agent"], version=customer.version,
                                    email=customer.email.upper())
    assert same.version == customer.version and customer.history.count() == rows


def test_queryset_update_on_customers_is_refused(customer):
    with pytest.raises(HistoryBypassError):
        Customer.objects.filter(pk=customer.pk).update(family_name="Bypass")
    with pytest.raises(HistoryBypassError):
        Customer.objects.bulk_update([customer], ["family_name"])
    customer.refresh_from_db()
    assert customer.family_name == "Lovelace"


def test_bulk_update_through_the_service_writes_history_for_each_row(customer, north, users):
    from tests.factories import CustomerFactory

    other = CustomerFactory(team=north)
    for c in (customer, other):
        c.lifecycle_stage = Customer.LifecycleStage.FORMER
    services.customer_bulk_update(customers=[customer, other], fields=["lifecycle_stage"], by=users["steward"],
                                  reason="Contracts ended")
    for c in (customer, other):
        latest = c.history.latest()
        assert (latest.lifecycle_stage, latest.history_user, latest.history_change_reason) == (
            "former", users["steward"], "Contracts ended")
        c.refresh_from_db()
        assert c.version == 2  # open editors of these records now get a conflict


def test_service_request_and_holding_status_changes_are_in_history(customer, users):
    agent = users["agent"]
    request = services.service_request_create(customer=customer, by=agent, subject="Router broken",
                                              kind=ServiceRequest.Kind.COMPLAINT)
    services.service_request_update(request=request, by=agent, status=ServiceRequest.Status.CLOSED,
                                    resolution="Replaced the router", reason="Closed on call")
    latest = request.history.latest()
    assert (latest.status, latest.history_user, latest.history_change_reason) == ("closed", agent, "Closed on call")
    holding = services.product_holding_create(customer=customer, product=ProductFactory(code="premium"),
                                              started_on="2024-01-01", by=SYSTEM)
    services.product_holding_change_status(holding=holding, status=ProductHolding.Status.CANCELLED,
                                           by=users["steward"], reason="Customer cancelled")
    assert [h.status for h in holding.history.order_by("history_date")] == ["active", "cancelled"]
    assert holding.history.latest().history_user == users["steward"]


def test_closing_a_request_needs_a_resolution(customer, users):
    from django.core.exceptions import ValidationError

    request = services.service_request_create(customer=customer, by=users["agent"], subject="Where is my parcel?")
    with pytest.raises(ValidationError) as exc:
        services.service_request_update(request=request, by=users["agent"], status=ServiceRequest.Status.CLOSED)
    assert "resolution" in exc.value.message_dict


def test_a_stale_version_is_refused_with_who_and_when(customer, users):
    loaded_version = customer.version
    services.customer_update(customer=customer, by=users["agent"], version=loaded_version, email="first@example.com")
    with pytest.raises(ConflictError) as exc:
        services.customer_update(customer=customer, by=users["steward"], version=loaded_version,
                                 email="second@example.com")
    message = exc.value.message
    assert users["agent"].get_full_name() in message and "version 2" in message
    customer.refresh_from_db()
    assert customer.email == "first@example.com"  # nothing overwritten


def test_the_edit_page_shows_the_conflict_and_keeps_the_users_input(client, customer, users):
    url = reverse("customers:edit", args=[customer.customer_number])
    client.force_login(users["steward"])
    loaded = _form_data(client.get(url))
    services.customer_update(customer=customer, by=users["agent"], version=customer.version, email="agent@example.com")
    response = client.post(url, loaded | {"email": "mine@example.com"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "was changed by" in body and users["agent"].get_full_name() in body
    assert 'value="mine@example.com"' in body
    customer.refresh_from_db()
    assert customer.email == "agent@example.com"


def _form_data(response) -> dict:
    """What the browser would send back: the form as loaded."""
    form = response.context["form"]
    return {name: ("" if form[name].value() is None else form[name].value()) for name in form.fields}


def test_the_edit_page_names_the_bad_field_and_saves_nothing(client, customer, users):
    url = reverse("customers:edit", args=[customer.customer_number])
    client.force_login(users["agent"])
    response = client.post(url, {"version": customer.version, "given_name": "Ada", "family_name": "Lovelace",
                                 "email": "not-an-address", "phone": "12", "country": "US"})
    form = response.context["form"]
    assert set(form.errors) >= {"email", "phone"}
    customer.refresh_from_db()
    assert customer.email.startswith("customer") and customer.version == 1


def test_the_edit_page_saves_normalised_data(client, customer, users):
    url = reverse("customers:edit", args=[customer.customer_number])
    client.force_login(users["agent"])
    response = client.post(url, {"version": customer.version, "given_name": " Ada ", "family_name": "Lovelace",
                                 "email": "Ada@Example.org", "phone": "(202) 555-0199", "country": "US",
                                 "change_reason": "Caller gave new contact data"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.given_name, customer.email, customer.phone) == ("Ada", "ada@example.org", "+12025550199")
    assert customer.history.latest().history_change_reason == "Caller gave new contact data"


def test_a_role_cannot_change_fields_outside_its_policy(customer, users):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.customer_update(customer=customer, by=users["agent"], version=customer.version, national_id="X1")
    assert "national_id" in exc.value.message_dict


def test_every_field_error_shows_on_the_first_submit(client, users, customer):
    """A date that is no date must not hide the phone's error (issue 9, 1.10)."""
    client.force_login(users["agent"])
    url = reverse("customers:edit", args=[customer.customer_number])
    response = client.post(url, {"version": customer.version, "family_name": "Lovelace", "date_of_birth": "31.02.",
                                 "phone": "abc", "country": "US"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_date_of_birth-error"' in body and 'id="id_phone-error"' in body
    customer.refresh_from_db()
    assert customer.phone != "abc"


@pytest.mark.parametrize("version", ["", "abc"])
def test_a_tampered_version_says_so_above_the_form(client, users, customer, version):
    client.force_login(users["agent"])
    url = reverse("customers:edit", args=[customer.customer_number])
    response = client.post(url, {"version": version, "family_name": "Byron"})
    assert response.status_code == 200 and "lost the version of the record" in response.content.decode()
    customer.refresh_from_db()
    assert customer.family_name == "Lovelace"


def test_a_conflict_names_the_fields_they_changed_and_shows_their_value_beside_yours(client, users, customer):
    client.force_login(users["agent"])
    url = reverse("customers:edit", args=[customer.customer_number])
    loaded = customer.version
    services.customer_update(customer=customer, by=users["steward"], version=loaded, city="Boston")
    response = client.post(url, {"version": loaded, "family_name": "Lovelace", "city": "Chicago", "country": "US",
                                 "change_reason": "moved"})
    body = response.content.decode()
    assert "They changed: city." in body and "Boston" in body and "Chicago" in body
    # Saving again (the form now carries the version they saw) applies the agent's input on top.
    again = client.post(url, {"version": customer.version + 1, "family_name": "Lovelace", "city": "Chicago",
                              "country": "US"})
    assert again.status_code == 302
    customer.refresh_from_db()
    assert customer.city == "Chicago"
