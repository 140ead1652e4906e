"""`manage.py seed_demo`: realistic, normalised, idempotent demo data and the demo logins.

On PostgreSQL the same tests exercise the COPY writer (CI runs the suite there too); elsewhere
bulk_create. No timings here: see bench/.
"""

import random
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Max
from django.test import override_settings

from cdm import access
from cdm.crypto import blind_index
from customers import demo
from customers.activity_schemas import validate_activity_properties
from customers.models import (
    Activity,
    Customer,
    ExternalIdentity,
    Feedback,
    Order,
    OrderLine,
    ProductHolding,
    ServiceRequest,
)
from customers.normalize import normalize_customer_data, normalize_national_id, normalize_phone
from customers.services import customer_number_is_valid

N = 60
pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY writer is PostgreSQL's")


def _seed(customers=N, batch_size=25, debug=True):
    with override_settings(DEBUG=debug):
        return demo.seed(customers=customers, batch_size=batch_size)


def _command(*args, debug=True):
    out = StringIO()
    with override_settings(DEBUG=debug):
        call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded():
    return _seed()


def _counts():
    User = get_user_model()
    return {model.__name__: model.objects.count()
            for model in (Customer, ExternalIdentity, Order, OrderLine, Activity, ServiceRequest, ProductHolding,
                          Feedback, User, Customer.history.model)}


# --- idempotency and determinism -------------------------------------------------------------

def test_running_twice_adds_nothing(seeded):
    before = _counts()
    assert before["Customer"] == N and before["Order"] > 0 and before["Activity"] > 0
    again = _seed()
    assert (again.created, again.skipped, again.moved) == (0, N, 0)
    assert _counts() == before


def test_a_larger_number_adds_only_the_missing_customers(seeded):
    more = _seed(customers=N + 20, batch_size=7)
    assert (more.created, more.skipped) == (20, N)
    ids = ExternalIdentity.objects.filter(system=demo.DEMO_SYSTEM).values_list("external_id", flat=True)
    assert sorted(ids) == sorted(demo.demo_external_id(i) for i in range(N + 20))


def test_the_same_number_gives_the_same_people_whatever_the_batch_size():
    def people():
        return {
            link.external_id: (c.given_name, c.family_name, c.email, c.phone, c.date_of_birth, c.postal_code, c.national_id,
                               c.orders.count(), c.activities.count())
            for link in ExternalIdentity.objects.filter(system=demo.DEMO_SYSTEM).select_related("customer")
            for c in [link.customer]
        }

    _seed(customers=30, batch_size=7, debug=False)
    first = people()
    Customer.objects.all().delete()
    _seed(customers=30, batch_size=30, debug=False)
    assert people() == first


# --- master data ---------------------------------------------------------------------------------

def test_customers_come_from_several_countries_and_both_teams(seeded):
    assert Customer.objects.values("country").distinct().count() >= 5
    assert set(Customer.objects.values_list("team__name", flat=True)) == {"North", "South"}
    assert Customer.objects.exclude(region="").filter(country__in=["US", "CA", "ES", "IT"]).exists()
    assert Customer.objects.exclude(company="").exists() and Customer.objects.filter(company="").exists()
    assert Customer.objects.exclude(national_id_index="").exists()


def test_contact_data_is_stored_normalised(seeded):
    customers = list(Customer.objects.all())
    assert sum(1 for c in customers if c.phone) > N * 0.7
    for c in customers:
        stored = {"email": c.email, "phone": c.phone, "country": c.country.code, "address_line1": c.address_line1,
                  "address_line2": c.address_line2, "postal_code": c.postal_code, "city": c.city, "region": c.region}
        again = normalize_customer_data(stored)
        assert {k: again[k] for k in stored} == stored, c
        assert (again["address_status"], again["address_issues"]) == (c.address_status, c.address_issues)
        assert c.phone == "" or c.phone.startswith("+")
        assert c.email == "" or c.email.split("@")[1] in demo.MAIL_DOMAINS  # never a real mailbox
        if c.national_id:
            assert c.national_id_index == blind_index(normalize_national_id(c.national_id))
    assert Customer.objects.filter(address_status=Customer.AddressStatus.VERIFIED).count() > N * 0.8


def test_every_customer_has_a_history_row(seeded):
    created = Customer.history.filter(history_type="+", history_change_reason=demo.HISTORY_REASON)
    assert set(created.values_list("id", flat=True)) == set(Customer.objects.values_list("id", flat=True))


def test_some_customers_moved_house_with_user_and_reason(seeded):
    moves = Customer.history.filter(history_change_reason=demo.MOVED_REASON).select_related("history_user")
    assert moves.count() == seeded.moved >= 3
    for move in moves:
        assert move.history_user is not None
        assert move.history_user.username in {"agent", "agent-south"}
        before = move.prev_record
        assert before is not None and before.history_type == "+"
        assert (before.address_line1, before.postal_code) != (move.address_line1, move.postal_code)
        current = Customer.objects.get(pk=move.id)
        assert (current.address_line1, current.version) == (move.address_line1, 2)


def test_the_generators_shortcuts_store_what_the_normaliser_stores():
    """The generator normalises cheaply (pools, caches); the result must be normalize_customer_data's."""
    gen = demo.Generator(teams=demo.teams_ensure(), products=demo.catalog_ensure(), agents={})
    raws = [gen.person(i) for i in range(400)]
    raws += [gen.duplicate(i, raws[j]) for i in range(400) if (j := demo.duplicate_source(i)) is not None]
    for raw in raws:
        expected, dropped = _normalise_dropping_invalid(raw)
        got_dropped = {}
        assert gen.normalised(raw, got_dropped) == expected, raw
        assert got_dropped == dropped


def _normalise_dropping_invalid(raw):
    raw, dropped = dict(raw), {}
    while True:
        try:
            return normalize_customer_data(raw), dropped
        except ValidationError as exc:
            for name in exc.message_dict:
                dropped[name] = 1
                raw.pop(name)


def test_customer_numbers_are_valid_and_unique(seeded):
    numbers = list(Customer.objects.values_list("customer_number", flat=True))
    assert len(set(numbers)) == len(numbers) == N
    assert all(customer_number_is_valid(n) for n in numbers)


def test_encrypted_fields_read_back_through_the_orm(seeded):
    customers = list(Customer.objects.all())
    with_id = [c for c in customers if c.national_id]
    assert with_id and len(with_id) < len(customers)
    for c in customers:
        assert isinstance(c.national_id, str) and isinstance(c.bank_account, str)
        assert c.national_id_index == blind_index(c.national_id)  # "" for "", as the services store it
        assert c.annual_income is None or (isinstance(c.annual_income, Decimal) and c.annual_income > 0)
    assert any(c.annual_income for c in customers)
    history = {h.id: h for h in Customer.history.filter(history_type="+")}
    for c in with_id:
        assert history[c.pk].national_id == c.national_id
    for c in customers:
        assert (history[c.pk].bank_account, history[c.pk].annual_income) == (c.bank_account, c.annual_income)


def test_holdings_and_requests_have_history_rows(seeded):
    for model in (ProductHolding, ServiceRequest):
        created = model.history.filter(history_type="+", history_change_reason=demo.HISTORY_REASON)
        assert set(created.values_list("id", flat=True)) == set(model.objects.values_list("id", flat=True))
    request = ServiceRequest.objects.order_by("pk").first()
    row = ServiceRequest.history.get(id=request.pk)
    assert (row.reference, row.status, row.customer_id, row.opened_at) == (
        request.reference, request.status, request.customer_id, request.opened_at)


def test_customers_were_last_updated_when_they_signed_up(seeded):
    """So the demo has customers inactive for years (archiving); moving house updates them now."""
    moved = set(Customer.history.filter(history_change_reason=demo.MOVED_REASON).values_list("id", flat=True))
    for c in Customer.objects.exclude(pk__in=moved):
        assert c.updated_at == c.created_at
        assert c.last_activity_at is None or c.last_activity_at >= c.created_at
    for request in ServiceRequest.objects.all():
        assert request.updated_at == (request.closed_at or request.opened_at)


# --- planted duplicates ------------------------------------------------------------------------------

def test_about_five_percent_are_planted_duplicates_from_another_source(seeded):
    by_demo_id = {link.external_id: link.customer
                  for link in ExternalIdentity.objects.filter(system=demo.DEMO_SYSTEM).select_related("customer")}
    dups = Customer.objects.filter(external_ids__system=demo.LEGACY_SYSTEM)
    assert dups.count() == N // 20 == seeded.duplicates
    pairs = [(by_demo_id[demo.demo_external_id(i)], by_demo_id[demo.demo_external_id(demo.duplicate_source(i))])
             for i in range(N) if demo.duplicate_source(i) is not None]
    assert {dup.pk for dup, _original in pairs} == set(dups.values_list("pk", flat=True))
    phone_or_swapped_birthday = 0
    for dup, original in pairs:
        assert dup.source == Customer.Source.IMPORT and original.source != Customer.Source.IMPORT
        assert (dup.country, dup.team_id) == (original.country, original.team_id)
        assert (dup.given_name, dup.family_name) != (original.given_name, original.family_name)
        same_phone = bool(dup.phone) and dup.phone == original.phone
        dob, odob = dup.date_of_birth, original.date_of_birth
        swapped = bool(dob and odob) and dob != odob and (dob.day, dob.month) == (odob.month, odob.day)
        same_dob = bool(dob) and dob == odob
        same_email = bool(dup.email) and dup.email == original.email
        assert same_phone or swapped or same_dob or same_email, (dup, original)  # findable
        phone_or_swapped_birthday += same_phone or swapped
    assert phone_or_swapped_birthday >= 1


def test_duplicate_variations():
    """The building blocks: a typo differs, another phone format normalises to the same number."""
    rng = random.Random(1)
    for name in ("Müller", "Smith", "García", "O'Neil", "Li"):
        assert demo.family_name_typo(name, rng) != name
    for e164, region in (("+4930123456", "DE"), ("+12025550143", "US"), ("+442079460958", "GB")):
        for _ in range(10):
            written = demo.phone_other_format(e164, rng)
            assert normalize_phone(written, region) == e164


# --- transactional data ----------------------------------------------------------------------------------

def test_transactional_rows(seeded):
    assert 6 <= (Order.objects.count() + Activity.objects.count()) / N <= 14
    for activity in Activity.objects.all():
        validate_activity_properties(activity.kind, activity.properties)
    assert Activity.objects.values("kind").distinct().count() >= 6
    lines = Order.objects.annotate(n=Count("lines"))
    assert set(lines.values_list("n", flat=True)) <= {1, 2, 3}
    for order in Order.objects.prefetch_related("lines"):
        assert order.total_amount == sum(line.line_total for line in order.lines.all())
    paying = Customer.objects.filter(lifecycle_stage=Customer.LifecycleStage.CUSTOMER)
    holding_plan = paying.filter(holdings__product__kind="plan").distinct().count()
    assert holding_plan > paying.count() * 0.6  # 92 % hold a plan; 60 customers are a small sample
    requests = ServiceRequest.objects.all()
    assert requests.filter(status__in=ServiceRequest.OPEN_STATUSES).exists() or requests.count() < 5
    closed = requests.exclude(status__in=ServiceRequest.OPEN_STATUSES)
    assert closed.exists() and not closed.filter(resolution="").exists()
    assert not closed.filter(closed_at__isnull=True).exists()
    for fb in Feedback.objects.all():
        assert fb.score is None or (1 <= fb.score <= 5 if fb.kind == "csat" else 0 <= fb.score <= 10)


def test_last_activity_is_the_newest_row(seeded):
    for c in Customer.objects.annotate(o=Max("orders__placed_at"), a=Max("activities__occurred_at"),
                                       s=Max("service_requests__opened_at")):
        assert c.last_activity_at == max((t for t in (c.o, c.a, c.s) if t), default=None)


# --- demo users ---------------------------------------------------------------------------------------------

def test_demo_users_with_debug_on(client):
    output = _command("--customers", "10")
    User = get_user_model()
    expected = {
        "admin": ({access.ADMIN}, True), "agent": ({access.CUSTOMER_SERVICE, "Team North"}, False),
        "agent-south": ({access.CUSTOMER_SERVICE, "Team South"}, False), "marketer": ({access.MARKETING}, False),
        "steward": ({access.DATA_STEWARD}, True),
    }
    for username, (groups, staff) in expected.items():
        user = User.objects.get(username=username)
        assert set(user.groups.values_list("name", flat=True)) == groups
        assert (user.is_staff, user.is_superuser, bool(user.first_name)) == (staff, False, True)
        assert client.login(username=username, password=settings.CDM_DEMO_PASSWORD)
        assert username in output
    assert settings.CDM_DEMO_PASSWORD in output

    User.objects.filter(username="agent").first().groups.clear()
    agent = User.objects.get(username="agent")
    agent.set_password("changed")
    agent.save()
    _command("--customers", "10")
    from customers.demo.api import DEMO_INTEGRATIONS

    # Besides the logins, the demo integrations' service accounts (no password: they call the API).
    assert User.objects.count() == len(expected) + len(DEMO_INTEGRATIONS)
    assert not any(User.objects.get(username=i.username).has_usable_password() for i in DEMO_INTEGRATIONS)
    assert client.login(username="agent", password=settings.CDM_DEMO_PASSWORD)
    assert set(User.objects.get(username="agent").groups.values_list("name", flat=True)) == expected["agent"][0]


@override_settings(CDM_PUBLIC_BASE_URL="https://cdm.example.test/")
def test_the_closing_message_names_where_each_login_starts(client):
    """Agents and marketers start on the service pages, stewards and admins in the admin, at the site's own address."""
    output = _command("--customers", "0")
    logins = {line.split()[0]: line.split()[-1] for line in output.splitlines()
              if line.split() and line.split()[0] in {u.username for u in demo.DEMO_USERS}}
    site, admin = "https://cdm.example.test/", "https://cdm.example.test/admin/"
    assert logins == {"admin": admin, "agent": site, "agent-south": site, "marketer": site, "steward": admin}
    assert "start at" in output and "127.0.0.1" not in output
    for username, url in logins.items():
        assert client.login(username=username, password=settings.CDM_DEMO_PASSWORD)
        assert client.get(url.removeprefix("https://cdm.example.test")).status_code == 200, username
        client.logout()


def test_no_demo_users_with_debug_off():
    output = _command("--customers", "10", debug=False)
    assert get_user_model().objects.count() == 0
    assert "never created with DEBUG off" in output
    assert Customer.objects.count() == 10
    assert not Customer.history.filter(history_change_reason=demo.MOVED_REASON, history_user__isnull=False).exists()


# --- the PostgreSQL writer ----------------------------------------------------------------------------------

@postgres_only
def test_postgresql_uses_copy(seeded):
    assert seeded.method == "copy"
    assert seeded.rows["customers"] == N and seeded.rows["activities"] == Activity.objects.count()


@postgres_only
def test_copy_and_bulk_create_store_the_same_people():
    def people():
        return {
            link.external_id: (c.given_name, c.family_name, c.search_name, c.email, c.phone, c.date_of_birth,
                               c.address_line1, c.postal_code, c.region, c.address_status, c.address_issues,
                               c.national_id, c.national_id_index, c.annual_income, c.bank_account, c.source,
                               c.lifecycle_stage, c.team_id, c.orders.count(), c.activities.count(),
                               c.holdings.count(), c.service_requests.count(), c.notes.count(), c.feedback.count(),
                               sorted(map(repr, c.activities.values_list("kind", "source", "properties"))))
            for link in ExternalIdentity.objects.filter(system=demo.DEMO_SYSTEM).select_related("customer")
            for c in [link.customer]
        }

    with override_settings(DEBUG=False):
        demo.seed(customers=25, batch_size=10, method="copy")
        copied = people()
        Customer.objects.all().delete()
        demo.seed(customers=25, batch_size=10, method="orm")
    stored = people()
    for key, value in copied.items():
        assert stored[key] == value, key


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_worker_processes_seed_in_parallel_and_idempotently():
    """Outside a transaction the COPY path forks workers, each with its own connection."""
    with override_settings(DEBUG=False):
        first = demo.seed(customers=45, batch_size=10, workers=2)
        assert (first.method, first.workers, first.created) == ("copy", 2, 45)
        assert Customer.objects.count() == 45 == Customer.history.filter(history_type="+").count()
        again = demo.seed(customers=50, batch_size=10, workers=2)
    assert (again.created, again.skipped) == (5, 45)
    ids = set(ExternalIdentity.objects.filter(system=demo.DEMO_SYSTEM).values_list("external_id", flat=True))
    assert ids == {demo.demo_external_id(i) for i in range(50)}
    assert Activity.objects.count() == first.rows["activities"] + again.rows["activities"]
    assert all(customer_number_is_valid(n) for n in Customer.objects.values_list("customer_number", flat=True))
    assert Customer.history.filter(history_change_reason=demo.MOVED_REASON).count() == first.moved + again.moved >= 6


def test_the_demo_has_source_systems_with_priorities(db):
    from customers.models import SourceSystem

    _command("--customers", "0")
    assert SourceSystem.objects.get(system="crm").priority("contact") == 80
    assert SourceSystem.objects.get(system="legacy-crm").priority("contact") < SourceSystem.objects.get(
        system="shop").priority("contact")
    _command("--customers", "0")  # again: nothing added twice
    assert SourceSystem.objects.count() == 3
