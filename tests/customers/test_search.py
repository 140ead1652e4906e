"""Finding a caller: search as you type over every identifier, ranked, within the user's rights."""

import dataclasses
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from cdm import access
from cdm.access import SYSTEM
from customers import selectors, services
from customers.models import Customer, history_tracked_bulk_writes
from customers.normalize import search_key, search_name_for
from customers.views import SEARCH_PAGE_SIZE
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("customers:list")
HTMX = {"HTTP_HX_REQUEST": "true"}
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="typo tolerance needs pg_trgm (PostgreSQL); SQLite matches fragments only")


@pytest.fixture
def ada(north):
    ada = CustomerFactory(team=north, given_name="Ada", family_name="Lovelace", email="Ada.Lovelace@Example.com",
                          phone="+1 202 555 0143", city="London", country="GB", address_line1="", postal_code="",
                          region="")
    services.external_identity_link(customer=ada, system="crm", external_id="CRM-00042", by=SYSTEM)
    return ada


@pytest.fixture
def jose(north):
    return CustomerFactory(team=north, given_name="José", family_name="García", phone="", city="Madrid", country="ES",
                           address_line1="", postal_code="", region="")


def _results(response) -> list[str]:
    """Customer numbers of the result links, in the order shown."""
    return re.findall(r'href="/customers/(\d+)/" data-result-link', response.content.decode())


def _search(client, user, q, **params):
    client.force_login(user)
    return client.get(LIST, {"q": q, **params}, **HTMX)


def _set(customer, **values):
    """Change system-owned fields (status, merged_into) the way the services' bulk path does."""
    for field, value in values.items():
        setattr(customer, field, value)
    services.customer_bulk_update(customers=[customer], fields=list(values), by=SYSTEM, reason="test set-up")
    return Customer.objects.get(pk=customer.pk)


# --- each identifier finds the customer, first -----------------------------------------------

@pytest.mark.parametrize("query", [
    "(202) 555-0143", "+1 202-555-0143", "2025550143",  # phone, typed as callers say it
    "ADA.LOVELACE@EXAMPLE.COM",  # e-mail in capitals
    "ada.lovelace",  # e-mail fragment
    "lovelace", "LOVELACE ada", "Ada Love",  # name, any case and order
    "CRM-00042",  # external ID
])
def test_each_identifier_finds_the_customer_first(client, users, ada, jose, query):
    assert _results(_search(client, users["agent"], query))[0] == ada.customer_number


@pytest.mark.parametrize("query", ["028 9099 3920", "02890993920", "+44 28 9099 3920", "0044 28 9099 3920"])
def test_a_phone_of_another_country_is_found_as_the_caller_says_it(client, users, north, ada, query):
    """Belfast number, default region US: the national form is tried in each country customers live in."""
    belfast = CustomerFactory(team=north, given_name="Siobhan", family_name="Kelly", country="GB",
                              phone="028 9099 3920")
    assert belfast.phone == "+442890993920"
    assert _results(_search(client, users["agent"], query)) == [belfast.customer_number]


def test_a_prefix_of_the_customer_number_finds_the_customer(client, users, ada, jose):
    assert _results(_search(client, users["agent"], ada.customer_number[:5])) == [ada.customer_number]
    spaced = f"{ada.customer_number[:3]} {ada.customer_number[3:6]} {ada.customer_number[6:]}"
    assert _results(_search(client, users["agent"], spaced)) == [ada.customer_number]


@pytest.mark.parametrize("query", ["jose garcia", "GARCIA", "garcía josé", "Jose"])
def test_names_match_without_accents_or_case(client, users, ada, jose, query):
    assert _results(_search(client, users["agent"], query)) == [jose.customer_number]


def test_national_id_is_found_only_by_users_allowed_to_see_sensitive_data(client, users, ada, customer):
    steward = users["steward"]
    assert customer.customer_number not in _results(_search(client, steward, "ab-123-456-c"))
    steward.user_permissions.add(Permission.objects.get(codename="view_sensitive_data"))
    assert _results(_search(client, steward, "ab-123-456-c")) == [customer.customer_number]


def test_the_exact_identifier_ranks_before_prefixes_and_fragments(client, users, north, monkeypatch):
    numbers = iter(["1234567890", "123456789"])
    monkeypatch.setattr(services.customers, "customer_number_new", lambda: next(numbers))
    # Created in the "wrong" order, so name order would put the prefix match first.
    prefixed = CustomerFactory(team=north, given_name="Aaron", family_name="Aalto", phone="")
    exact = CustomerFactory(team=north, given_name="Zoe", family_name="Zwick", phone="")
    assert _results(_search(client, users["agent"], "123456789")) == [exact.customer_number, prefixed.customer_number]


def test_the_start_of_a_name_ranks_before_a_fragment_inside_it(client, users, north):
    nadal = CustomerFactory(team=north, given_name="Rafael", family_name="Nadal", phone="", email="")
    ada = CustomerFactory(team=north, given_name="Ada", family_name="Zylinski", phone="", email="")
    assert _results(_search(client, users["agent"], "ada")) == [ada.customer_number, nadal.customer_number]


def test_an_exact_email_ranks_before_a_longer_one_and_is_marked(client, users, north):
    longer = CustomerFactory(team=north, given_name="Aa", family_name="Aa", email="ada@example.community", phone="")
    exact = CustomerFactory(team=north, given_name="Zz", family_name="Zz", email="ada@example.com", phone="")
    response = _search(client, users["agent"], "ADA@example.com")
    assert _results(response) == [exact.customer_number, longer.customer_number]
    assert response.content.decode().count("exact match") == 1


@postgres_only
@pytest.mark.parametrize(("query", "who"), [
    ("lovelase", "ada"), ("ada lovelcae", "ada"), ("Lovlace", "ada"), ("jose garsia", "jose"), ("hose garcia", "jose"),
])
def test_typos_still_find_the_customer_on_postgres(client, users, ada, jose, query, who):
    expected = {"ada": ada, "jose": jose}[who]
    assert _results(_search(client, users["agent"], query)) == [expected.customer_number]


@postgres_only
def test_a_typo_ranks_after_real_matches_on_postgres(client, users, ada, north):
    exact_name = CustomerFactory(team=north, given_name="Bob", family_name="Lovelase", phone="", email="")
    assert _results(_search(client, users["agent"], "lovelase")) == [exact_name.customer_number, ada.customer_number]


@postgres_only
def test_near_misses_are_left_out_when_real_matches_fill_the_page_on_postgres(client, users, north):
    typo = CustomerFactory(team=north, given_name="Ada", family_name="Lovelase", phone="", email="")
    assert _results(_search(client, users["agent"], "lovelace")) == [typo.customer_number]
    for i in range(SEARCH_PAGE_SIZE):
        CustomerFactory(team=north, given_name=f"Byron{i:02d}", family_name="Lovelace", phone="", email="")
    assert typo.customer_number not in _results(_search(client, users["agent"], "lovelace"))
    CustomerFactory(team=north, given_name="Byron99", family_name="Lovelace", phone="", email="")
    with CaptureQueriesContext(connection) as more:  # a page and more match as typed: no corrections looked up
        assert typo.customer_number not in _results(_search(client, users["agent"], "lovelace"))
    assert not [q for q in more.captured_queries if "customers_searchword" in q["sql"]]


def test_a_common_name_ranks_a_bounded_set_and_an_exact_identifier_is_still_found_first(client, users, north,
                                                                                      monkeypatch):
    """Thousands of Smiths (issue 9, 6): the page ranks NAME_CANDIDATES of them; identifiers are not bounded."""
    from customers.selectors import search

    monkeypatch.setattr(search, "NAME_CANDIDATES", 3)
    namesakes = {CustomerFactory(team=north, given_name=f"Mary{i:02d}", family_name="Godwin", phone="",
                                 email="").customer_number for i in range(10)}
    elsewhere = CustomerFactory(team=north, given_name="Zoe", family_name="Zwick", phone="", email="")
    services.external_identity_link(customer=elsewhere, system="crm", external_id="godwin", by=SYSTEM)
    found = _results(_search(client, users["agent"], "godwin"))
    assert found[0] == elsewhere.customer_number  # the external ID typed in full, outside the name's candidates
    assert len(found) == 4 and set(found[1:]) <= namesakes
    monkeypatch.setattr(search, "NAME_CANDIDATES", 500)
    assert len(_results(_search(client, users["agent"], "godwin"))) == 11


@postgres_only
def test_a_typo_of_a_common_name_is_bounded_too_on_postgres(client, users, north, monkeypatch):
    """"smiht" is corrected to every Smith: the corrected names are bounded like the name as typed."""
    from customers.selectors import search

    monkeypatch.setattr(search, "NAME_CANDIDATES", 3)
    namesakes = {CustomerFactory(team=north, given_name=f"Mary{i:02d}", family_name="Lovelace", phone="",
                                 email="").customer_number for i in range(10)}
    found = _results(_search(client, users["agent"], "lovelase"))
    assert len(found) == 3 and set(found) <= namesakes


def test_a_common_name_is_bounded_within_the_users_scope_not_the_whole_table(client, users, north, south,
                                                                            monkeypatch):
    """The bound counts the customers the agent may see: another team's namesakes cannot crowd them out."""
    from customers.selectors import search

    monkeypatch.setattr(search, "NAME_CANDIDATES", 3)
    for i in range(6):
        CustomerFactory(team=south, given_name=f"Percy{i}", family_name="Godwin", phone="", email="")
    mine = {CustomerFactory(team=north, given_name=f"Mary{i}", family_name="Godwin", phone="",
                            email="").customer_number for i in range(2)}
    assert set(_results(_search(client, users["agent"], "godwin"))) == mine


# --- page, partial, keyboard --------------------------------------------------------------------

def test_htmx_gets_the_results_alone_and_a_plain_get_the_whole_page(client, users, ada):
    client.force_login(users["agent"])
    partial = client.get(LIST, {"q": "lovelace"}, **HTMX)
    page = client.get(LIST, {"q": "lovelace"})
    restore = client.get(LIST, {"q": "lovelace"}, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    assert "<html" not in partial.content.decode() and _results(partial) == [ada.customer_number]
    assert "<html" in page.content.decode() and _results(page) == [ada.customer_number]
    assert "<html" in restore.content.decode()  # htmx rebuilding the page from history needs all of it
    assert "HX-Request" in partial["Vary"] and "HX-Request" in page["Vary"]


def test_the_search_box_searches_as_you_type_and_works_without_javascript(client, users, ada):
    client.force_login(users["agent"])
    body = client.get(LIST).content.decode()
    search_input = re.search(r'<input id="q"[^>]*>', body, re.S).group(0)
    assert 'hx-get="/customers/"' in search_input and 'hx-target="#customer-results"' in search_input
    assert 'hx-trigger="input changed delay:250ms, search"' in search_input and 'hx-push-url="true"' in search_input
    assert 'name="q"' in search_input and '<form class="search" method="get" action="/customers/"' in body
    # Strict CSP: no inline script or style anywhere on the page.
    assert not re.search(r"<script(?![^>]*\bsrc=)", body) and "style=" not in body


def test_every_result_row_has_one_link_for_the_arrow_keys(client, users, north):
    for i in range(3):
        CustomerFactory(team=north, given_name=f"Mary{i}", family_name="Shelley", phone="")
    body = _search(client, users["agent"], "shelley").content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody")[1], re.S)
    assert len(rows) == 3 and all(row.count("data-result-link") == 1 for row in rows)


def test_the_full_page_is_paginated(client, users, north):
    for i in range(30):
        CustomerFactory(team=north, given_name=f"Percy{i:02d}", family_name="Shelley", phone="")
    client.force_login(users["agent"])
    first = client.get(LIST, {"q": "shelley"})
    second = client.get(LIST, {"q": "shelley", "page": 2})
    assert len(_results(first)) == 25 and len(_results(second)) == 5
    assert not set(_results(first)) & set(_results(second))
    assert "page=2" in first.content.decode()
    # Never a count over the whole table: the first page says there are more, the last one how many.
    assert "More than 25 customers match “shelley”: type more to narrow the search." in first.content.decode()
    assert "30 customers match “shelley” · showing 26–30." in second.content.decode()
    number = _results(first)[0]
    assert f"1 customer matches “{number}”." in client.get(LIST, {"q": number}).content.decode()


@pytest.mark.parametrize("htmx", [False, True])
def test_the_number_of_queries_does_not_grow_with_the_results(client, users, north, htmx):
    client.force_login(users["agent"])
    headers = HTMX if htmx else {}
    for i in range(5):
        CustomerFactory(team=north, given_name=f"Claire{i:02d}", family_name="Clairmont", phone="")
    with CaptureQueriesContext(connection) as five:
        assert len(_results(client.get(LIST, {"q": "clairmont"}, **headers))) == 5
    for i in range(5, 30):
        CustomerFactory(team=north, given_name=f"Claire{i:02d}", family_name="Clairmont", phone="")
    with CaptureQueriesContext(connection) as thirty:
        assert len(_results(client.get(LIST, {"q": "clairmont"}, **headers))) == 25
    # Fewer, if anything: with a full page the near misses are not looked for (PostgreSQL).
    assert len(thirty.captured_queries) <= len(five.captured_queries)


# --- archived and merged ----------------------------------------------------------------------

def test_archived_customers_are_hidden_unless_the_status_filter_asks(client, users, ada):
    _set(ada, status=Customer.Status.ARCHIVED)
    agent = users["agent"]
    hidden = _search(client, agent, "lovelace")
    assert _results(hidden) == []
    assert "1 archived customer matches" in hidden.content.decode()  # and a link to them
    assert _results(_search(client, agent, "lovelace", status="archived")) == [ada.customer_number]
    assert _results(_search(client, agent, "lovelace", status="all")) == [ada.customer_number]


@pytest.fixture
def merged(ada, north):
    survivor = CustomerFactory(team=north, given_name="Ada", family_name="King", phone="")
    absorbed = _set(ada, status=Customer.Status.MERGED, merged_into=survivor)
    return absorbed, survivor


def test_a_merged_customers_page_redirects_to_the_survivor(client, users, merged):
    absorbed, survivor = merged
    client.force_login(users["agent"])
    response = client.get(absorbed.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == survivor.get_absolute_url()
    page = client.get(response["Location"])
    assert page.status_code == 200 and "King" in page.content.decode()
    assert f"{absorbed.customer_number} was merged into {survivor.customer_number}" in page.content.decode()
    edit = client.get(reverse("customers:edit", args=[absorbed.customer_number]))
    assert edit["Location"] == reverse("customers:edit", args=[survivor.customer_number])


def test_a_post_to_a_merged_customer_saves_nothing_and_says_why(client, users, merged):
    absorbed, survivor = merged
    client.force_login(users["agent"])
    response = client.post(reverse("customers:edit", args=[absorbed.customer_number]),
                           {"version": absorbed.version, "family_name": "Changed"}, follow=True)
    assert response.redirect_chain[0][0] == survivor.get_absolute_url()
    assert "so nothing was saved" in response.content.decode()
    assert not Customer.objects.filter(family_name="Changed").exists()
    restore = client.post(reverse("customers:restore", args=[absorbed.customer_number]))
    assert restore["Location"] == survivor.get_absolute_url()


def test_merges_of_merges_redirect_to_the_last_survivor(client, users, merged, north):
    absorbed, survivor = merged
    final = CustomerFactory(team=north, given_name="Ada", family_name="Byron", phone="")
    _set(survivor, status=Customer.Status.MERGED, merged_into=final)
    client.force_login(users["agent"])
    assert client.get(absorbed.get_absolute_url())["Location"] == final.get_absolute_url()


def test_a_merged_customer_is_not_found_when_the_survivor_is_out_of_reach(client, users, merged, south):
    absorbed, survivor = merged
    _set(survivor, team=south)
    client.force_login(users["agent"])
    response = client.get(absorbed.get_absolute_url())
    assert response.status_code == 404 and survivor.customer_number not in response.content.decode()


def test_merged_customers_stay_out_of_the_search_and_can_still_be_read_for_a_merge_review(client, users, merged):
    absorbed, survivor = merged
    assert absorbed.customer_number not in _results(_search(client, users["agent"], "ada"))
    assert selectors.customer_get(user=users["steward"], customer_number=absorbed.customer_number,
                                  follow_merged=False) == absorbed


# --- rights: rows and columns -------------------------------------------------------------------

@pytest.mark.parametrize(("username", "sees"), [
    ("agent", {"north"}), ("agent-south", {"south"}), ("marketer", {"north", "south"}),
    ("steward", {"north", "south"}), ("admin", {"north", "south"}), ("nobody", set()),
])
def test_search_shows_only_the_customers_the_user_may_see(client, users, north, south, username, sees):
    namesakes = {team.slug: CustomerFactory(team=team, given_name="Mary", family_name="Godwin", phone="")
                 for team in (north, south)}
    assert set(_results(_search(client, users[username], "godwin"))) == {namesakes[t].customer_number for t in sees}
    for team, namesake in namesakes.items():
        found = set(_results(_search(client, users[username], namesake.customer_number)))
        assert found == ({namesake.customer_number} if team in sees else set())


def test_namesakes_can_be_told_apart_by_city_birth_year_and_last_activity(client, users, north):
    import datetime

    CustomerFactory(team=north, given_name="John", family_name="Smith", phone="", city="Boston", region="MA",
                    postal_code="02108", date_of_birth=datetime.date(1970, 1, 2))
    CustomerFactory(team=north, given_name="John", family_name="Smith", phone="", city="Denver", region="CO",
                    postal_code="80202", date_of_birth=datetime.date(1991, 5, 6))
    body = _search(client, users["agent"], "john smith").content.decode()
    for text in ("Boston", "Denver", "1970", "1991", "Last activity", "Born", "City"):
        assert text in body


def test_columns_follow_the_role(client, users, ada, monkeypatch):
    marketing = access.ROLES[access.MARKETING]
    monkeypatch.setitem(access.ROLES, access.MARKETING,
                        dataclasses.replace(marketing, see=marketing.see - {access.FG.CONTACT}))
    agent_view = _search(client, users["agent"], "lovelace").content.decode()
    marketer_view = _search(client, users["marketer"], "lovelace").content.decode()
    assert "E-mail" in agent_view and "ada.lovelace@example.com" in agent_view and "London" in agent_view
    assert "E-mail" not in marketer_view and "ada.lovelace@example.com" not in marketer_view
    assert "London" not in marketer_view and "+12025550143" not in marketer_view
    assert "Lovelace" in marketer_view
    # A field the role may not see cannot be searched either: no probing for an address.
    assert _results(_search(client, users["marketer"], "ada.lovelace@example.com")) == []


def test_sensitive_fields_never_show_in_the_results(client, users, customer):
    steward = users["steward"]
    steward.user_permissions.add(Permission.objects.get(codename="view_sensitive_data"))
    body = _search(client, steward, "lovelace").content.decode()
    assert _results(_search(client, steward, "lovelace")) == [customer.customer_number]
    assert "AB123456C" not in body and "85000" not in body


# --- the derived search name ------------------------------------------------------------------

@pytest.mark.parametrize(("given", "family", "expected"), [
    ("José", "García", "jose garcia"),
    ("  Zoë ", "O’Brien-Ødegård", "zoe obrien odegard"),
    ("", "STRAßE", "strasse"),
    ("Łukasz", "Żółć", "lukasz zolc"),
])
def test_search_name_is_accent_free_and_case_folded(given, family, expected):
    assert search_name_for(given, family) == expected


@given(st.text(max_size=40))
def test_search_key_is_idempotent(text):
    assert search_key(search_key(text)) == search_key(text)


def test_services_keep_the_search_name_in_step_with_the_names(users, jose):
    assert jose.search_name == "jose garcia"
    services.customer_update(customer=jose, by=users["agent"], version=jose.version, family_name="Márquez")
    updated = Customer.objects.get(pk=jose.pk)
    assert updated.search_name == "jose marquez"
    assert updated.history.first().history_change_reason == "Updated family_name"


def test_the_backfill_migration_fills_missing_search_names(ada, jose):
    import importlib
    from types import SimpleNamespace

    from django.db.migrations.loader import MigrationLoader

    with history_tracked_bulk_writes():
        Customer.objects.filter(pk__in=[ada.pk, jose.pk]).update(search_name="")
    migration = importlib.import_module("customers.migrations.0003_customer_search_name_backfill")
    # The models as the migration sees them (plain managers: no update guard).
    historical = MigrationLoader(connection).project_state(("customers", "0002_customer_search_name")).apps
    migration.backfill_search_name(historical, SimpleNamespace(connection=connection))
    assert dict(Customer.objects.values_list("pk", "search_name")) == {ada.pk: "ada lovelace", jose.pk: "jose garcia"}


def test_the_admin_search_uses_the_same_matching(client, users, jose):
    client.force_login(users["steward"])
    response = client.get(reverse("admin:customers_customer_changelist"), {"q": "jose garcia"})
    assert jose.customer_number in response.content.decode()


def test_a_user_without_any_role_finds_nothing(client, ada):
    assert _results(_search(client, UserFactory(), "lovelace")) == []


# --- the lexicon of name words behind near misses (PostgreSQL) --------------------------------

def _lexicon() -> set[str]:
    from customers.models import SearchWord

    return set(SearchWord.objects.values_list("word", flat=True))


@postgres_only
def test_every_writer_keeps_the_lexicon_and_the_clean_up_forgets_old_names(users, north):
    """Triggers add the words of inserted and updated names; the customers app's nightly clean-up drops orphans."""
    from customers.tasks import search_words_prune

    customer = services.customer_create(by=users["agent"], team=north, given_name="Ottilie",
                                        family_name="Quennell", email="oq@example.com")
    assert {"ottilie", "quennell"} <= _lexicon()
    services.customer_update(customer=customer, by=users["agent"], version=customer.version,
                             family_name="Quenell-Barrow")
    assert {"quenell", "barrow"} <= _lexicon()
    assert "quennell" in _lexicon()  # until the clean-up
    assert search_words_prune() >= 1
    assert "quennell" not in _lexicon() and {"ottilie", "quenell", "barrow"} <= _lexicon()


@postgres_only
def test_a_misspelt_record_is_found_by_the_right_spelling_among_many_namesakes(client, users, north):
    """The usual case at the desk: the record was keyed with a typo, the agent types the name right."""
    misspelt = CustomerFactory(team=north, given_name="Kathrin", family_name="Wojciechowsky", phone="", email="")
    namesakes = [CustomerFactory(team=north, given_name=f"Anna{i}", family_name="Wojciechowski", phone="", email="")
                 for i in range(3)]
    found = _results(_search(client, users["agent"], "wojciechowski ka"))
    assert found == [misspelt.customer_number]  # "ka" rules out the namesakes; the typo is forgiven
    found = _results(_search(client, users["agent"], "wojciechowski"))
    assert set(found[:3]) == {n.customer_number for n in namesakes}
    assert found[3:] == [misspelt.customer_number]  # exact matches first, the near miss after


def test_a_pasted_wall_of_text_is_searched_by_its_first_words_not_a_500(client, users, ada):
    """A 4 kB query of ~1000 words (issue 9, 1.7): the first words are searched and the page says so."""
    client.force_login(users["agent"])
    query = "lovelace " + " ".join(f"word{i}" for i in range(1000))
    response = client.get(reverse("customers:list"), {"q": query})
    assert response.status_code == 200
    assert "Only the first 8 words were searched" in response.content.decode()
    assert _results(client.get(reverse("customers:list"), {"q": "ada lovelace"}, headers={"HX-Request": "true"})) \
        == [ada.customer_number]


def test_a_timeline_page_out_of_range_is_a_page_not_a_500(client, users, ada):
    client.force_login(users["agent"])
    for page in ("99999999999999999999", "²", "-1", "abc"):
        for url in (ada.get_absolute_url(), reverse("customers:timeline", args=[ada.customer_number])):
            assert client.get(url, {"page": page}).status_code == 200, (url, page)


@pytest.mark.parametrize(("query", "invites"), [
    ("123456789", False), ("nobody@example.com", False), ("Zebedee Quirk", True)])
def test_an_identifier_that_finds_no_one_does_not_invite_a_new_customer(client, users, north, query, invites):
    """A number or e-mail that matches nothing may be another team's customer or a typo: no "New customer"."""
    client.force_login(users["agent"])
    body = client.get(reverse("customers:list"), {"q": query}, headers={"HX-Request": "true"}).content.decode()
    assert ("New customer</a>" in body) is invites  # the results as the agent types (the menu always has one)
    if query.isdigit():
        assert "Check the number with the caller" in body


def test_a_bounded_name_search_says_at_least_on_its_last_page(client, users, north, monkeypatch):
    from customers.selectors import search

    monkeypatch.setattr(search, "NAME_CANDIDATES", 3)
    monkeypatch.setattr("customers.views.customers.selectors.NAME_CANDIDATES", 3)
    for given in ("Ann", "Bea", "Cat", "Dot"):
        CustomerFactory(team=north, given_name=given, family_name="Boundsworth")
    client.force_login(users["agent"])
    body = client.get(reverse("customers:list"), {"q": "boundsworth"}).content.decode()
    assert "At least 3 customers match" in body
