"""The stewards' quality dashboard in Chromium at 1280 and 400 px: tiles, the trend chart (Chart.js under the
strict CSP), its table view, and a drill-down to the 360° page."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cdm import access
from cdm.access import SYSTEM
from customers import services
from tests.browser.conftest import ARTIFACTS
from tests.factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    north = TeamFactory(name="North")
    UserFactory(username="steward", roles=[access.DATA_STEWARD])
    CustomerFactory(team=north, given_name="Grace", family_name="Hopper")
    CustomerFactory(team=north, given_name="Alan", family_name="Turing", date_of_birth=None)
    today = timezone.localdate()
    for days_ago, stale in ((4, 9), (3, 7), (2, 6), (1, 4)):
        services.quality_snapshot_record(by=SYSTEM, day=today - datetime.timedelta(days=days_ago), figures={
            "invalid_email": 3, "invalid_phone": 2, "address_failed": 1, "missing_critical": 2, "stale": stale,
            "duplicate_clusters": 1, "average_score": 60 + 4 * (5 - days_ago)})
    services.customer_quality_refresh(by=SYSTEM)


def test_the_steward_sees_tiles_the_trend_chart_and_its_table_at_1280_and_400(login, new_page, live_server, world,
                                                                               axe):
    for width in (1280, 400):
        page = new_page(width=width, height=900)
        login(page, "steward")
        page.goto(f"{live_server.url}/customers/quality/")
        expect(page.get_by_role("heading", name="Data quality", exact=True)).to_be_visible()
        expect(page.locator(".quality-tile")).to_have_count(7)
        chart = page.locator("canvas#quality-chart")
        expect(chart).to_have_attribute("data-ready", "7")  # Chart.js drew the seven series
        box = chart.bounding_box()
        assert box["width"] > 200 and box["height"] > 150, box
        table = page.locator("table#quality-table")
        expect(table.locator("tbody tr")).to_have_count(5)
        expect(table).to_contain_text("Stale records")
        scroll_width, inner_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll_width <= inner_width, (width, scroll_width, inner_width)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"quality-dashboard-{width}.png"), full_page=True)
        assert page.console.csp_violations == []
        assert axe(page) == []

    page.get_by_role("link", name="Missing critical fields").click()
    expect(page.get_by_role("heading", name="Customers missing a critical field")).to_be_visible()
    assert axe(page) == []
    expect(page.get_by_role("link", name="Edit Alan Turing")).to_be_visible()
    page.get_by_role("link", name="Alan Turing", exact=True).click()
    expect(page.get_by_role("heading", name="Alan Turing")).to_be_visible()
