from cdm.access import SYSTEM
import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from customers import services
from customers.models import Customer
from customers.normalize import (
    normalize_country,
    normalize_customer_data,
    normalize_email,
    normalize_name,
    normalize_phone,
)
from tests.factories import CustomerFactory


@given(st.text(max_size=60))
def test_normalising_a_name_twice_changes_nothing(raw):
    once = normalize_name(raw)
    assert normalize_name(once) == once
    assert "  " not in once and once == once.strip()


def test_names_are_nfc_and_whitespace_collapsed():
    decomposed = "Jose\u0301\u00a0  Garci\u0301a "
    assert normalize_name(decomposed) == "José García"


@given(st.emails())
@settings(max_examples=200)
def test_normalising_an_email_twice_changes_nothing(raw):
    try:
        once = normalize_email(raw)
    except ValidationError:
        return
    assert normalize_email(once) == once


@pytest.mark.parametrize(("raw", "region", "expected"), [
    ("(202) 555-0143", "US", "+12025550143"),
    ("+1 202 555 0143", "DE", "+12025550143"),
    ("030 1234567", "DE", "+49301234567"),
    ("0049 30 1234567", "DE", "+49301234567"),
    ("020 7946 0958", "GB", "+442079460958"),
])
def test_phones_in_any_format_become_e164(raw, region, expected):
    assert normalize_phone(raw, region) == expected
    assert normalize_phone(expected, region) == expected


@given(st.from_regex(r"\+?[0-9 ()\-]{6,18}", fullmatch=True), st.sampled_from(["US", "DE", "GB", "FR"]))
@settings(max_examples=200)
def test_normalising_a_phone_twice_changes_nothing(raw, region):
    try:
        once = normalize_phone(raw, region)
    except ValidationError:
        return
    assert normalize_phone(once, region) == once


@pytest.mark.parametrize(("raw", "expected"), [("de", "DE"), ("DEU", "DE"), ("276", "DE"), ("Germany", "DE"), ("US", "US")])
def test_countries_become_iso_alpha2(raw, expected):
    assert normalize_country(raw) == expected
    assert normalize_country(expected) == expected


def test_invalid_input_names_every_bad_field_and_saves_nothing(north):
    before = Customer.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.customer_create(by=SYSTEM, team=north, family_name="  ", email="not-an-email",
                                 phone="12", country="Atlantis", date_of_birth=datetime.date(2999, 1, 1))
    assert set(exc.value.message_dict) == {"family_name", "email", "phone", "country", "date_of_birth"}
    assert "e-mail" in exc.value.message_dict["email"][0].lower()
    assert Customer.objects.count() == before


def test_a_failed_address_check_saves_but_marks_the_address_unverified(north):
    customer = CustomerFactory(team=north, country="DE", postal_code="1011", city="Berlin", region="",
                               address_line1="Invalidenstr. 1", phone="030 1234567")
    assert customer.pk
    assert customer.address_status == Customer.AddressStatus.UNVERIFIED
    assert customer.address_issues == {"postal_code": "invalid"}
    assert customer.phone == "+49301234567"  # the customer's country decides the phone's region


def test_a_good_address_is_verified_and_tidied(north):
    customer = CustomerFactory(team=north, country="gb", postal_code="sw1a 1aa", city="London", region="",
                               address_line1="10  Downing St", phone="020 7946 0958")
    assert customer.address_status == Customer.AddressStatus.VERIFIED
    assert (customer.country.code, customer.postal_code, customer.address_line1) == ("GB", "SW1A 1AA", "10 Downing St")


def test_customer_data_normalised_twice_is_unchanged():
    data = {"given_name": " Zoë ", "family_name": "O'Brien", "email": "Zoe.OBrien@Example.COM",
            "phone": "(202) 555-0143", "country": "usa", "address_line1": "1600  Pennsylvania Ave NW",
            "postal_code": "20500", "city": "Washington", "region": "dc"}
    once = normalize_customer_data(data)
    twice = normalize_customer_data({k: once[k] for k in data})
    assert {k: once[k] for k in data} == {k: twice[k] for k in data}
    assert once["email"] == "zoe.obrien@example.com" and once["region"] == "DC"
