"""The comparisons a person reads as reasons: each level on its edge cases, and the same level whether the
real-time check (Python) or the batch scan (DuckDB) computes it."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.identity import duck
from customers.identity.compare import COMPARISONS, levels
from customers.identity.features import fold, name_group, profile_values

D = datetime.date


def p(**values):
    return profile_values(**values)


@pytest.mark.parametrize("a, b, level", [
    ("Robert", "Bob", "nickname"), ("William", "Bill", "nickname"), ("Robert", "William", "different"),
    ("Jon", "John", "nickname"), ("Katherine", "Kathrine", "jw92"), ("J", "John", "initial"),
    ("Jürgen", "Jurgen", "exact"), ("Łukasz", "Lukasz", "exact"), ("Anna", "Maria", "different"),
    # Short forms no nickname list holds: the long name cut, or its inner part.
    ("Katharina", "Kathi", "short"), ("Concepción", "Concha", "short"), ("Παναγιώτης", "Πάνος", "short"),
    ("Antonella", "Nella", "short"), ("Elisabeth", "Lisa", "short"),
    # A typo keeps the first letter; twins' rhyming names do not, gendered pairs are no short forms.
    ("Jeremy", "Jhremy", "typo"), ("Fiona", "Fihna", "typo"), ("Heather", "Deather", "jw80"),
    ("Paul", "Paula", "jw92"), ("Luciano", "Luciana", "jw92"), ("Stanisław", "Staszek", "different"),
])
def test_given_names_with_nicknames_typos_initials_and_accents(a, b, level):
    assert levels(p(given_name=a, family_name="X"), p(given_name=b, family_name="X"))["given"] == level


def test_names_in_other_scripts_are_compared_in_latin_letters():
    assert fold("Юрий Ковальчук") == "yuriy kovalchuk"
    assert levels(p(given_name="Юрий", family_name="Ковальчук"), p(given_name="Yuriy", family_name="Kovalchuk")) == {
        "given": "exact", "family": "exact", "dob": "missing", "email": "missing", "phone": "missing",
        "national_id": "missing", "address": "missing"}


def test_given_and_family_name_written_the_other_way_round():
    found = levels(p(given_name="Kim", family_name="Lee"), p(given_name="Lee", family_name="Kim"))
    assert (found["given"], found["family"]) == ("exact", "exact")


@pytest.mark.parametrize("a, b, level", [
    (D(1980, 3, 4), D(1980, 3, 4), "exact"), (D(1980, 3, 4), D(1980, 4, 3), "swapped"),
    (D(1980, 3, 4), D(1981, 3, 4), "one_part"), (D(1980, 3, 4), D(1980, 3, 14), "one_part"),
    (D(1980, 3, 4), D(1975, 9, 20), "near"), (D(1980, 3, 4), D(1952, 9, 20), "different"),
    (D(1980, 3, 4), None, "missing"),
])
def test_birth_dates_swapped_day_and_month_and_typos(a, b, level):
    assert levels(p(family_name="X", date_of_birth=a), p(family_name="X", date_of_birth=b))["dob"] == level


@pytest.mark.parametrize("a, b, level", [
    ("ada@example.com", "ada@example.com", "exact"), ("ada.love@example.com", "ada.love@other.org", "local"), ("ada.lovelace@example.com", "ada.lovelace@other.org", "different"),
    ("ada.love+shop@example.com", "ada.love@other.org", "local"), ("ada@example.com", "adb@example.com", "typo"),
    ("info@example.com", "info@other.org", "different"),  # a shared mailbox name is no evidence
])
def test_emails(a, b, level):
    # "ada.lovelace" is Ada Lovelace's name: another Ada Lovelace writes it too, so it is no evidence.
    assert levels(p(given_name="Ada", family_name="Lovelace", email=a),
                  p(given_name="Ada", family_name="Lovelace", email=b))["email"] == level


@pytest.mark.parametrize("a, b, level", [
    ("+442071234567", "+442071234567", "exact"), ("+447400123456", "+447400123456", "mobile"),
    ("+12015550123", "+12015550123", "exact"),  # a North American number does not tell if it is a mobile
    ("+442071234567", "+4402071234567", "tail"),
    ("+442071234567", "+442071234576", "typo"), ("+442071234567", "+33612345678", "different"),
])
def test_phones(a, b, level):
    assert levels(p(phone=a), p(phone=b))["phone"] == level


def test_address_levels():
    home = dict(address_line1="12 High Street", postal_code="SW1A 1AA", city="London")
    assert levels(p(**home), p(**home | {"address_line1": "12 high st"}))["address"] == "exact"
    assert levels(p(**home), p(**home | {"address_line1": "12 High Street Flat 2"}))["address"] == "street"
    assert levels(p(**home), p(**home | {"address_line1": "99 Other Road"}))["address"] == "postcode"
    assert levels(p(**home), p(**home | {"address_line1": "", "postal_code": "E1 6AN"}))["address"] == "city"


def test_a_formal_name_is_not_every_name_a_nickname_joins():
    assert "william" not in name_group("robert") or "robert" not in name_group("william")


names = st.sampled_from(["", "Bob", "Robert", "Rob", "Anna", "Anne", "J", "John", "Jon", "Jhon", "María", "Marie", "Kim",
                         "Lee", "O'Brien", "OBrien", "Smith", "Smyth", "Schmidt", "Юрий", "Katharina", "Kathi",
                         "Antonella", "Nella", "Al", "Alexandra"])
dates = st.one_of(st.none(), st.dates(min_value=D(1970, 1, 1), max_value=D(1972, 12, 31)),
                  st.dates(min_value=D(1940, 1, 1), max_value=D(1945, 12, 31)))
emails = st.sampled_from(["", "bob.smith@x.com", "bob.smith@y.com", "bob.smiht@x.com", "info@x.com"])
phones = st.sampled_from(["", "+441234567890", "+441234567809", "+331234567890", "+4401234567890", "+447400123456"])
records = st.builds(profile_values, given_name=names, family_name=names, date_of_birth=dates, email=emails,
                    phone=phones, national_id_index=st.sampled_from(["", "abc", "abd"]),
                    postal_code=st.sampled_from(["", "W1 1AA", "W11AA", "E2"]),
                    city=st.sampled_from(["", "London", "london", "Paris"]),
                    address_line1=st.sampled_from(["", "1 High Street", "1 High St", "2 Low Road", "1 High Street 2"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records, min_size=2, max_size=12))
def test_the_scan_and_the_real_time_check_give_the_same_levels(profiles):
    rows = [{"id": i + 1, "team_id": 1, **prof} for i, prof in enumerate(profiles)]
    con = duck.connect(1)
    duck.load_rows(con, rows)
    con.execute("CREATE TEMP TABLE everything AS SELECT x.id a, y.id b FROM profiles x, profiles y WHERE x.id < y.id")
    names_ = [c.name for c in COMPARISONS]
    got = con.execute(f"SELECT a, b, {', '.join('l_' + n for n in names_)} FROM ({duck._levels_sql('everything')})"
                      ).fetchall()
    by_id = {r["id"]: r for r in rows}
    for a, b, *sql_levels in got:
        assert dict(zip(names_, sql_levels)) == levels(by_id[a], by_id[b])


def test_names_written_the_other_way_round_are_compared_without_a_birth_date():
    rows = [{"id": 1, "team_id": 1, **p(given_name="Sotirios", family_name="Todoris", postal_code="82852")},
            {"id": 2, "team_id": 1, **p(given_name="Todoris", family_name="Sotirios", postal_code="10115")},
            {"id": 3, "team_id": 1, **p(given_name="Maria", family_name="Todoris", postal_code="10115")}]
    con = duck.connect(1)
    duck.load_rows(con, rows)
    duck.block(con)
    # No birth date, other postcodes: only the turned names bring 1 and 2 together.
    assert con.execute("SELECT a, b FROM pairs ORDER BY a, b").fetchall() == [(1, 2)]
