"""The data-quality score, the nightly figures and the stewards' dashboard with its drill-down lists."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from cdm.access import SYSTEM
from customers import services
from customers.models import Customer, DuplicateCandidate, QualitySnapshot
from customers.tasks import customer_quality_refresh
from tests.factories import CustomerFactory, candidate_set

pytestmark = pytest.mark.django_db


def fresh(customer):
    return Customer.objects.get(pk=customer.pk)


def store_as_imported(customer, **values):
    """Values a bulk import stored without the services' checks (the only way invalid data gets in)."""
    for field, value in values.items():
        setattr(customer, field, value)
    services.customer_bulk_update(customers=[customer], fields=list(values), by=SYSTEM, reason="import")


def verify_both(customer):
    services.customer_email_verify(token=services.email_verification_token(customer), by=SYSTEM)
    customer = fresh(customer)
    customer.phone_verified_at = timezone.now()
    services.customer_bulk_update(customers=[customer], fields=["phone_verified_at"], by=SYSTEM, reason="verified")


def test_a_complete_valid_verified_recent_customer_scores_100_and_each_gap_costs_its_weight(north):
    best = CustomerFactory(team=north)
    verify_both(best)
    unverified = CustomerFactory(team=north)  # 100 - 2 x 10 for verification
    no_birth_date = CustomerFactory(team=north, date_of_birth=None)  # - 10 more
    phone_only = CustomerFactory(team=north, email="")  # no e-mail: - 10 validity, verification already 0
    report = services.customer_quality_refresh(by=SYSTEM)
    assert report.scored == 4
    scores = {c.pk: fresh(c).quality_score for c in (best, unverified, no_birth_date, phone_only)}
    assert scores == {best.pk: 100, unverified.pk: 80, no_birth_date.pk: 70, phone_only.pk: 70}
    assert fresh(best).quality_checked_at is not None


def test_invalid_e_mails_and_phones_lose_their_validity_points_and_are_counted(north):
    good = CustomerFactory(team=north)
    bad_email = CustomerFactory(team=north)
    store_as_imported(bad_email, email="anna@@example")
    bad_phone = CustomerFactory(team=north)
    store_as_imported(bad_phone, phone="+1 555 0100")
    report = services.customer_quality_refresh(by=SYSTEM)
    assert (fresh(good).quality_score, fresh(bad_email).quality_score, fresh(bad_phone).quality_score) == (80, 70, 70)
    assert report.figures["invalid_email"] == 1 and report.figures["invalid_phone"] == 1


def test_a_failed_address_check_costs_points_and_counts(north):
    customer = CustomerFactory(team=north, address_line1="1 Nowhere Road", postal_code="99999", city="Atlantis",
                               region="", country="GB")
    assert fresh(customer).address_status in ("unverified", "unchecked")
    services.customer_quality_refresh(by=SYSTEM)
    expected = {"unverified": 70, "unchecked": 75}[fresh(customer).address_status]
    assert fresh(customer).quality_score == expected


def test_a_record_neither_updated_nor_confirmed_for_24_months_is_stale(north):
    old = CustomerFactory(team=north)
    with freeze_time(timezone.now() + datetime.timedelta(days=745)):
        recent = CustomerFactory(team=north)
        confirmed = CustomerFactory(team=north)
        report = services.customer_quality_refresh(by=SYSTEM)
        assert report.figures["stale"] == 1
        assert (fresh(old).quality_score, fresh(recent).quality_score) == (70, 80)
    with freeze_time(timezone.now() + datetime.timedelta(days=745 + 731)):
        verify_both(confirmed)  # a verification confirms the record
        services.customer_quality_refresh(by=SYSTEM)
        assert fresh(confirmed).quality_score == 100


def test_stale_follows_the_setting(north, settings):
    customer = CustomerFactory(team=north)
    settings.CDM_QUALITY_STALE_MONTHS = 6
    with freeze_time(timezone.now() + datetime.timedelta(days=200)):
        assert services.customer_quality_refresh(by=SYSTEM).figures["stale"] == 1
    assert fresh(customer).quality_score == 70


def test_the_nightly_task_writes_todays_figures_once_however_often_it_runs(north):
    a, b, c = (CustomerFactory(team=north) for _ in range(3))
    CustomerFactory(team=north, date_of_birth=None)
    candidate_set(customer_a=a, customer_b=b, cluster=a.pk, score=0.97, weight=9.0, scored_at=timezone.now())
    candidate_set(customer_a=a, customer_b=c, cluster=a.pk, score=0.95, weight=8.0, scored_at=timezone.now())
    candidate_set(customer_a=b, customer_b=c, cluster=b.pk, score=0.9, weight=7.0, scored_at=timezone.now(),
                  status=DuplicateCandidate.Status.DISMISSED)
    first = customer_quality_refresh()
    second = customer_quality_refresh()
    assert first["figures"] | {"checked_at": None} == second["figures"] | {"checked_at": None}
    snapshot = QualitySnapshot.objects.get()
    assert snapshot.day == timezone.localdate()
    figures = snapshot.figures
    assert figures["duplicate_clusters"] == 1
    assert figures["missing_critical"] == 1
    assert figures["average_score"] == 77.5  # 80, 80, 80, 70
    assert {k: figures[k] for k in ("invalid_email", "invalid_phone", "address_failed", "stale")} == dict.fromkeys(
        ("invalid_email", "invalid_phone", "address_failed", "stale"), 0)


def test_merged_and_archived_customers_are_not_scored(north):
    active = CustomerFactory(team=north)
    archived = CustomerFactory(team=north)
    store_as_imported(archived, status="archived")
    assert services.customer_quality_refresh(by=SYSTEM).scored == 1
    assert fresh(archived).quality_score is None and fresh(active).quality_score == 80


# --- the dashboard ------------------------------------------------------------------------------

@pytest.fixture
def scored(north, south):
    ok = CustomerFactory(team=north, given_name="Olive", family_name="Okafor")
    bad = CustomerFactory(team=south, given_name="Bertram", family_name="Badmail")
    store_as_imported(bad, email="bertram@@example")
    gap = CustomerFactory(team=north, given_name="Greta", family_name="Gapley", date_of_birth=None)
    services.customer_quality_refresh(by=SYSTEM)
    return {"ok": ok, "bad": bad, "gap": gap}


@pytest.mark.parametrize("role", ["steward", "admin"])
def test_stewards_and_admins_see_each_figure_as_a_tile_linking_to_its_list(client, users, scored, role):
    client.force_login(users[role])
    page = client.get(reverse("customers:quality"))
    assert page.status_code == 200
    body = page.content.decode()
    for key, label in (("invalid_email", "Invalid e-mails"), ("missing_critical", "Missing critical fields"),
                       ("duplicate_clusters", "Open duplicate clusters"), ("average_score", "Average score")):
        assert reverse("customers:quality_figure", args=[key]) in body and label in body
    assert 'id="quality-chart-data"' in body and "<canvas" in body and 'id="quality-table"' in body
    assert "<script>" not in body and "style=" not in body  # CSP: no inline script or style


@pytest.mark.parametrize("role", ["agent", "marketer", "nobody"])
def test_the_dashboard_does_not_exist_for_anyone_else(client, users, scored, role):
    client.force_login(users[role])
    for url in (reverse("customers:quality"), reverse("customers:quality_figure", args=["stale"]),
                reverse("customers:quality_trend_csv")):
        assert client.get(url).status_code == 404


def test_a_drill_down_lists_the_customers_of_its_figure_with_links_to_their_page_and_edit(client, users, scored):
    client.force_login(users["steward"])
    body = client.get(reverse("customers:quality_figure", args=["invalid_email"])).content.decode()
    bad = scored["bad"]
    assert "Badmail" in body and "Okafor" not in body and "Gapley" not in body
    assert bad.get_absolute_url() in body and reverse("customers:edit", args=[bad.customer_number]) in body
    body = client.get(reverse("customers:quality_figure", args=["missing_critical"])).content.decode()
    assert "Gapley" in body and "Okafor" not in body
    body = client.get(reverse("customers:quality_figure", args=["average_score"])).content.decode()
    assert body.index("Gapley") < body.index("Okafor")  # lowest score first
    assert client.get(reverse("customers:quality_figure", args=["no-such-figure"])).status_code == 404


def test_a_drill_down_pages_through_long_lists(client, users, north):
    from customers.views import FIGURE_PAGE_SIZE

    for n in range(FIGURE_PAGE_SIZE + 2):
        CustomerFactory(team=north, family_name=f"Nodob{n:03d}", date_of_birth=None)
    client.force_login(users["steward"])
    url = reverse("customers:quality_figure", args=["missing_critical"])
    first = client.get(url).content.decode()
    rows = '<th scope="row"><a href="/customers/'
    assert "Next" in first and first.count(rows) == FIGURE_PAGE_SIZE
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count(rows) == 2 and "Next" not in second


def test_the_trend_downloads_as_csv_one_row_per_day(client, users, north):
    CustomerFactory(team=north)
    for days_ago in (2, 1, 0):
        with freeze_time(timezone.now() - datetime.timedelta(days=days_ago)):
            services.customer_quality_refresh(by=SYSTEM)
    client.force_login(users["steward"])
    response = client.get(reverse("customers:quality_trend_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["day", "invalid_email"] and "average_score" in rows[0]
    assert [r[0] for r in rows[1:]] == sorted(r[0] for r in rows[1:]) and len(rows) == 4
    assert rows[-1][rows[0].index("average_score")] == "80.0"
    page = client.get(reverse("customers:quality")).content.decode()
    assert page.count("<tr><th scope=\"row\">") == 3  # the table view: one row per day
