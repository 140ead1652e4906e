"""How pages show phones, dates, statuses and people (issue 9, 5.4, 5.5, 5.10)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cdm.templatetags.cdm_format import day, moment, person, phone, shown
from consent.models import ConsentRecord, Purpose
from customers import services

pytestmark = pytest.mark.django_db

RAW_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")  # the old "2026-12-02" (datetime="..." attributes aside)


def _visible_text(response) -> str:
    body = response.content.decode()
    return re.sub(r'datetime="[^"]*"', "", body)


@pytest.mark.parametrize(("stored", "shown_as"), [
    ("+442890993920", "+44 28 9099 3920"),
    ("+12025550143", "+1 202-555-0143"),
    ("+49301234567", "+49 30 1234567"),
    ("", ""),
    ("+1202", "+1202"),  # not a valid number: shown as stored, never an error
])
def test_phones_are_shown_as_read_back_on_a_call(stored, shown_as):
    assert phone(stored) == shown_as


def test_dates_and_moments_have_one_format():
    assert day(datetime.date(2026, 12, 2)) == "2 Dec 2026"
    at = datetime.datetime(2026, 12, 2, 14, 5, tzinfo=datetime.timezone.utc)
    assert moment(at) == "2 Dec 2026, 14:05"
    assert day(at) == "2 Dec 2026"
    assert moment(datetime.date(2026, 12, 2)) == "2 Dec 2026"
    assert (shown(datetime.date(1986, 12, 8)), shown("+442890993920"), shown("Berlin")) == \
        ("8 Dec 1986", "+44 28 9099 3920", "Berlin")


def test_the_360_page_shows_the_phone_and_dates_in_the_display_format(client, users, customer):
    services.customer_update(customer=customer, by=users["agent"], version=customer.version, phone="+44 28 9099 3920",
                             country="GB", date_of_birth=datetime.date(1986, 12, 8))
    services.service_request_create(customer=customer, by=users["agent"], subject="Router keeps rebooting",
                                    opened_at=timezone.make_aware(datetime.datetime(2026, 11, 28, 10, 58)))
    client.force_login(users["agent"])
    response = client.get(customer.get_absolute_url())
    text = _visible_text(response)
    assert "+44 28 9099 3920" in text and "+442890993920" not in text
    assert "8 Dec 1986" in text and "Dec. 8, 1986" not in text
    assert "28 Nov 2026, 10:58" in text
    assert not RAW_DATE.search(text), RAW_DATE.search(text)


def test_the_timeline_shows_status_labels_not_codes(client, users, customer):
    request = services.service_request_create(customer=customer, by=users["agent"], subject="Router keeps rebooting")
    services.service_request_update(request=request, by=users["agent"], status="in_progress")
    client.force_login(users["agent"])
    body = client.get(reverse("customers:timeline", args=[customer.customer_number])).content.decode()
    assert "In progress" in body and "in_progress" not in body


def test_search_results_show_the_phone_formatted(client, users, north):
    from tests.factories import CustomerFactory

    CustomerFactory(team=north, given_name="Grace", family_name="Hopper", phone="+44 28 9099 3920")
    client.force_login(users["agent"])
    body = client.get(reverse("customers:list"), {"q": "hopper"}).content.decode()
    assert "+44 28 9099 3920" in body and "+442890993920" not in body


def test_consents_name_who_recorded_them_by_full_name_when_loaded(users, customer):
    purpose, _ = Purpose.objects.get_or_create(key="email-marketing", defaults={"name": "E-mail marketing",
                                                                                "short_name": "E-mail"})
    agent = users["agent"]
    agent.first_name, agent.last_name = "Sam", "Carter"
    agent.save()
    from consent import services as consent_services

    consent_services.consent_record(customer=customer, purpose=purpose, granted=True, by=agent,
                                    method=ConsentRecord.Method.VERBAL, note="Said yes on the phone.")
    loaded = ConsentRecord.objects.select_related("recorded_by").get(customer=customer)
    assert person(loaded, "recorded_by") == "Sam Carter"
    plain = ConsentRecord.objects.get(customer=customer)
    assert person(plain, "recorded_by") == "agent"  # not loaded: the stored user name, without a query


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.ico")


def test_every_page_links_its_icon(client, users):
    client.force_login(users["agent"])
    body = client.get(reverse("customers:list")).content.decode()
    assert 'rel="icon"' in body and "favicon.svg" in body
