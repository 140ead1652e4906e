import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from cdm.access import SYSTEM
from customers import services
from customers.models import Customer
from customers.normalize import (
    check_address,
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


# --- input that must not be stored as typed (issue 9, 1.10 and 5.5) -----------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("Evil\u202egnp.exe", "Evilgnp.exe"),  # right-to-left override: renders as "Evilexe.png"
    ("\u202aAnna\u202c \u2066Berg\u2069", "Anna Berg"),  # embeddings and isolates
    ("\u200eMüller\u200f", "Müller"),  # left-to-right and right-to-left marks
    ("\u061cسارا", "سارا"),  # Arabic letter mark
    ("Zero\u200bWidth\ufeff\u2060 Space\u00ad", "ZeroWidth Space"),  # zero-width space, BOM, word joiner, soft hyphen
    ("Bell\x07 Nul\x00", "Bell Nul"),  # control characters
    ("Tab\tand\nnewline", "Tab and newline"),
    ("می\u200cخواهم", "می\u200cخواهم"),  # Persian needs the zero-width non-joiner: kept
])
def test_invisible_format_and_control_characters_are_dropped(raw, expected):
    assert normalize_name(raw) == expected
    assert normalize_name(expected) == expected


def test_a_bidi_override_is_dropped_from_names_addresses_and_city():
    data = {"given_name": "Ev\u202eil", "family_name": "Ma\u2067llory\u2069", "company": "\u202dACME\u202c",
            "address_line1": "1 Main St\u202e", "city": "Evil\u202egnp.exe", "country": "US",
            "postal_code": "20500", "region": "DC"}
    out = normalize_customer_data(data)
    assert (out["given_name"], out["family_name"], out["company"]) == ("Evil", "Mallory", "ACME")
    assert (out["address_line1"], out["city"]) == ("1 Main St", "Evilgnp.exe")
    assert out["search_name"] == "evil mallory"


def test_a_bidi_override_never_reaches_the_database(north):
    customer = CustomerFactory(team=north, given_name="Evil", family_name="C\u202eorp", city="Evil\u202egnp.exe",
                               country="GB", postal_code="SW1A 1AA", address_line1="10 Downing St")
    customer.refresh_from_db()
    assert (customer.family_name, customer.city) == ("Corp", "Evilgnp.exe")


@pytest.mark.parametrize("raw", ["+1 202 555 0143 ext. 12", "202 555 0143 x12", "+1 202 555 0143;ext=12",
                                 "+1 (202) 555-0143 #12"])
def test_a_phone_extension_is_refused_with_a_message_not_dropped(raw):
    with pytest.raises(ValidationError) as exc:
        normalize_phone(raw, "US")
    assert exc.value.code == "extension"
    assert exc.value.messages == ["Enter the phone number without the extension “12”: CDM stores the direct "
                                  "number only. Put the extension in a note."]


def test_a_phone_with_an_extension_names_the_phone_field(north):
    with pytest.raises(ValidationError) as exc:
        services.customer_create(by=SYSTEM, team=north, family_name="Hopper", phone="+1 202 555 0143 x12")
    assert "extension" in exc.value.message_dict["phone"][0]


@pytest.mark.parametrize(("raw", "message"), [
    ("abc", "“abc” is not a phone number. Enter a phone number with its area code, e.g. +44 28 9099 3920."),
    ("+999 1234567", "The country code of “+999 1234567” does not exist. Enter the number with its country code, "
                     "e.g. +44 28 9099 3920."),
    ("+44 28 9099 3920 9999999999999", "“+44 28 9099 3920 9999999999999” is too long for a phone number. Enter one "
                                       "number with its area code, e.g. +44 28 9099 3920."),
    ("12", "“12” is not a phone number in United States of America. Check the digits, or enter the number with its "
           "country code, e.g. +44 28 9099 3920."),
])
def test_phone_errors_say_what_to_do_in_plain_words(raw, message):
    with pytest.raises(ValidationError) as exc:
        normalize_phone(raw, "US")
    assert exc.value.messages == [message]
    assert "(1)" not in message and "string supplied" not in message


@pytest.mark.parametrize(("field", "raw"), [
    ("email", "not-an-email"), ("phone", "The string"), ("country", "Atlantis"), ("date_of_birth", "8/12/1986"),
    ("bank_account", "GB82 WEST 1234 5698 7654 31"), ("bank_account", "GB82 WEST"), ("bank_account", "hello"),
    ("annual_income", "lots"),
])
def test_every_normalisation_error_says_what_to_enter(field, raw):
    with pytest.raises(ValidationError) as exc:
        normalize_customer_data({field: raw})
    (message,) = exc.value.message_dict[field]
    assert message.startswith(("Enter", "This", "“")), message
    assert ("e.g." in message or "such as" in message), message  # an example of what would be accepted
    for technical in ("(0)", "(1)", "string supplied", "checksum", "YYYY", "ISO"):
        assert technical not in message, message


EMAILS = ["Anna@Example.COM", "a..b@x.com", ".a@x.com", "a.@x.com", "a@localhost", "a@x", "a@x.test", "a@invalid",
          "a@-x.com", "a@x-.com", "a+b@gmail.com", "a%b@x.com", "a_b@x.co.uk", "a@x..com", "a@123.com", "a@[1.2.3.4]",
          "a@xn--bcher-kva.ch", "a@bücher.ch", "ä@x.com", "x" * 65 + "@x.com", "a@" + "x" * 250 + ".com",
          "a@@x.com", "a@x.c", "a@x.123", "a-@x.com", "-a@x.com", "a@x_y.com", "A@X.LOCAL", "a@x.onion"]


@pytest.mark.parametrize("raw", EMAILS)
def test_the_fast_email_check_says_what_the_full_check_says(raw):
    """Plain addresses skip email-validator's local-part rules and check each domain once: the outcome is the same
    (the normalised address, or refused)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        expected = validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        expected = None
    try:
        got = normalize_email(raw)
    except ValidationError:
        got = None
    assert got == expected


def test_an_address_checked_twice_in_a_row_of_one_country_is_checked_the_same_way():
    """The address rules are derived once per country (and region, city where the country lists them)."""
    first = check_address({"address_line1": "1 Main St", "postal_code": "20500", "city": "Washington", "region": "DC",
                           "country": "US"})
    again = check_address({"address_line1": "2 Main St", "postal_code": "20500", "city": "Washington", "region": "DC",
                           "country": "US"})
    assert first[1] == again[1] == Customer.AddressStatus.VERIFIED
    bad = check_address({"address_line1": "1 Main St", "postal_code": "ABCDE", "city": "Washington", "region": "DC",
                         "country": "US"})
    assert bad[1] == Customer.AddressStatus.UNVERIFIED and "postal_code" in bad[2]
