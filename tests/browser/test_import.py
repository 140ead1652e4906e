"""The stewards' file import in Chromium: a German spreadsheet export (semicolons, Windows-1252) uploaded, mapped,
dry-run, imported, its rejected rows downloaded; the pages at 1280 and 400 px."""

import csv
import io

import pytest
from playwright.sync_api import expect

from cdm import access
from customers.models import Customer
from tests.browser.conftest import ARTIFACTS
from tests.factories import TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOP = """Kundennummer;Vorname;Nachname;E-Mail;Telefon;Geburtsdatum;Straße;PLZ;Ort;Land
K-1;Jürgen;Müller;juergen.mueller@example.de;+49 30 1234567;1970-05-04;Hauptstraße 1;10115;Berlin;DE
K-2;Anna;Schäfer;not-an-email;;1985-02-03;;;;DE
K-3;;;niemand@example.de;;;;;;DE
K-4;Grace;Hopper;grace@example.com;;1906-12-09;;;;US
"""


@pytest.fixture
def in_process_worker():
    """The live server runs the import on commit, in-process, also where CI configures a broker: a worker there
    reads the main database, not this test's."""
    from cdm.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@pytest.fixture
def world(in_process_worker):
    TeamFactory(name="North")
    UserFactory(username="steward", first_name="Daniel", last_name="Weber", roles=[access.DATA_STEWARD])


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _fits(page):
    scroll_width, inner_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, (scroll_width, inner_width)


def _upload(page, live_server):
    page.goto(f"{live_server.url}/customers/imports/")
    page.get_by_role("link", name="Import a file").click()
    page.get_by_label("File (CSV or XLSX)").set_input_files(
        {"name": "kunden.csv", "mimeType": "text/csv", "buffer": SHOP.encode("cp1252")})
    page.get_by_label("Source system").fill("shop-de")
    page.get_by_label("The file holds").select_option("customers")
    page.get_by_label("Team of new customers").select_option(label="North")
    page.get_by_role("button", name="Upload").click()


def test_a_steward_imports_a_spreadsheet_export_and_downloads_the_rejected_rows(login, new_page, live_server, world,
                                                                                axe, tmp_path):
    page = new_page(width=1280, height=900)
    login(page, "steward")
    _upload(page, live_server)
    expect(page.get_by_role("heading", name="Which column fills which field")).to_be_visible()
    expect(page.get_by_text("CSV, Windows-1252, semicolon")).to_be_visible()
    expect(page.locator("table.import-preview")).to_contain_text("Hauptstraße 1")
    expect(page.get_by_label("Vorname")).to_have_value("given_name")
    expect(page.get_by_label("Kundennummer")).to_have_value("external_id")
    page.get_by_label("Straße").select_option("address_line1")
    _shot(page, "import-mapping-1280")
    assert axe(page) == []

    page.get_by_role("button", name="Dry run").click()
    expect(page.get_by_role("heading", name="Dry run: what the import would do")).to_be_visible()
    expect(page.locator('[data-count="created"]')).to_have_text("3")
    expect(page.locator('[data-count="rejected"]')).to_have_text("1")
    expect(page.locator("table.import-problems")).to_contain_text("not-an-email")
    assert Customer.objects.count() == 0
    _shot(page, "import-dry-run-1280")

    page.get_by_role("button", name="Import 4 rows").click()
    expect(page.locator("#import-progress")).to_contain_text("4 of 4 rows")
    expect(page.locator("#import-progress[data-import-done='finished']")).to_be_visible()
    expect(page.get_by_role("heading", name="Result")).to_be_visible()
    assert Customer.objects.get(family_name="Müller").address_line1 == "Hauptstraße 1"
    _shot(page, "import-result-1280")
    assert axe(page) == []

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the 1 rejected row").click()
    path = tmp_path / "rejected.csv"
    download.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0][-1] == "reason" and rows[1][0] == "K-3" and "Nachname" in rows[1][-1]

    page.get_by_role("link", name="Imports", exact=True).first.click()
    expect(page.locator("table.import-list")).to_contain_text("kunden.csv")
    expect(page.locator("table.import-list")).to_contain_text("Daniel Weber")
    _shot(page, "import-list-1280")

    small = new_page(width=400, height=850)
    login(small, "steward")
    _upload(small, live_server)
    expect(small.get_by_text("was already imported")).to_be_visible()
    expect(small.get_by_label("Straße")).to_have_value("address_line1")  # the saved mapping of shop-de
    _shot(small, "import-mapping-400")
    _fits(small)
    small.goto(f"{live_server.url}/customers/imports/")
    _shot(small, "import-list-400")
    _fits(small)
    small.locator("table.import-list a").last.click()
    expect(small.get_by_role("heading", name="Result")).to_be_visible()
    _shot(small, "import-result-400")
    _fits(small)
    assert axe(small) == []

    small.get_by_role("link", name="Undo the import…").click()
    small.get_by_role("button", name="Undo the import").click()
    expect(small.get_by_text("3 customers taken back, 0 kept")).to_be_visible()
    assert not Customer.objects.filter(status="active").exists()


def test_the_progress_bar_follows_a_running_import_and_the_page_shows_the_result_when_it_ends(login, new_page,
                                                                                          live_server, world):
    import datetime

    from django.utils import timezone

    from cdm.models import Team
    from customers import imports
    from customers.models import ImportJob

    steward = access_user("steward")
    job = imports.import_job_create(by=steward, file_name="kunden.csv", content=SHOP.encode("cp1252"),
                                    source="shop-de", kind="customers", team=Team.objects.get())
    imports.import_job_start(job=job, by=steward, queue=False)  # a worker elsewhere has it
    started = timezone.now() - datetime.timedelta(seconds=10)
    ImportJob.objects.filter(pk=job.pk).update(status="running", rows_done=1, started_at=started)
    page = new_page(width=1280, height=900)
    login(page, "steward")
    page.goto(f"{live_server.url}/customers/imports/{job.pk}/")
    progress = page.locator("#import-progress")
    expect(progress).to_contain_text("1 of 4 rows")
    expect(progress.locator("progress")).to_have_attribute("value", "1")
    expect(progress).to_contain_text("left")
    _shot(page, "import-progress-1280")
    ImportJob.objects.filter(pk=job.pk).update(rows_done=3, counts={"rows": 3, "created": 2, "rejected": 1})
    expect(progress).to_contain_text("3 of 4 rows", timeout=5000)  # polled every second
    page.get_by_role("button", name="Cancel the import").click()
    expect(page.locator("#import-progress")).to_contain_text("cancelling")
    imports.import_job_run(job_id=job.pk, by=steward)  # the worker reaches its next chunk and stops
    expect(page.get_by_role("heading", name="Result")).to_be_visible(timeout=5000)  # the page reloaded itself
    expect(page.locator(".banner")).to_contain_text("Cancelled after 3 of 4 rows")
    expect(page.locator("#import-progress")).not_to_have_attribute("hx-trigger", "every 1s")


def access_user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)
