"""The import pages as a steward uses them: upload, map, dry run, run, result, rejected rows, undo."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cdm.access import SYSTEM
from customers import imports
from customers.models import Customer, ImportJob
from tests.customers.test_import_jobs import SHOP

pytestmark = pytest.mark.django_db


def _upload(client, content, name="kunden.csv", **extra):
    return client.post(reverse("customers:import_new"), {
        "file": SimpleUploadedFile(name, content), "source": "shop-de", "kind": "customers", **extra})


def _mapping_post(job, action):
    data = {f"col-{i}": job.mapping[h] for i, h in enumerate(job.headers)}
    data["col-6"] = "address_line1"  # Straße: no synonym, the steward picks it
    return {**data, "action": action}


def test_a_steward_uploads_maps_dry_runs_imports_and_downloads_the_rejected_rows(client, users, north,
                                                                                django_capture_on_commit_callbacks):
    client.force_login(users["steward"])
    response = _upload(client, SHOP.encode("cp1252"), team=north.pk)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("customers:import", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "CSV, Windows-1252, semicolon" in page and "Jürgen" in page and "Straße" in page
    response = client.post(reverse("customers:import", args=[job.pk]), _mapping_post(job, "dry_run"))
    assert response.status_code == 302 and not Customer.objects.exists(), response.context["form"].errors
    page = client.get(response["Location"]).content.decode()
    assert "Dry run: what the import would do" in page and 'data-count="created">3<' in page
    assert "not-an-email" in page and "row rejected" in page
    with django_capture_on_commit_callbacks() as queued:
        client.post(reverse("customers:import", args=[job.pk]), _mapping_post(job, "start"))
    assert ImportJob.objects.get().status == "queued" and len(queued) == 1
    imports.import_job_run(job_id=job.pk, by=SYSTEM)  # what the worker does
    job.refresh_from_db()
    assert job.status == "finished" and Customer.objects.count() == 3
    assert Customer.objects.get(family_name="Müller").address_line1 == "Hauptstraße 1"
    page = client.get(reverse("customers:import", args=[job.pk])).content.decode()
    assert 'data-count="rejected">1<' in page and "4 of 4 rows" in page and "Undo the import" in page
    csv_text = client.get(reverse("customers:import_rejected_csv", args=[job.pk])).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].endswith(",reason") and csv_text.splitlines()[1].startswith("K-3,")
    listing = client.get(reverse("customers:imports")).content.decode()
    assert "kunden.csv" in listing and "shop-de" in listing
    # The same file again: the page says it was imported before.
    _upload(client, SHOP.encode("cp1252"), team=north.pk)
    again = ImportJob.objects.exclude(pk=job.pk).get()
    assert "was already imported" in client.get(reverse("customers:import", args=[again.pk])).content.decode()
    assert again.mapping["Straße"] == "address_line1"  # the saved mapping of shop-de
    # Undo: a confirmation, then the customers are taken back.
    assert "Undo the import of kunden.csv?" in client.get(reverse("customers:import_undo", args=[job.pk])).content.decode()
    response = client.post(reverse("customers:import_undo", args=[job.pk]), follow=True)
    assert "3 customers taken back, 0 kept" in response.content.decode()
    assert not Customer.objects.filter(status="active").exists()


def test_progress_polls_while_running_and_stops_when_done(client, users, north):
    client.force_login(users["steward"])
    _upload(client, SHOP.encode("cp1252"), team=north.pk)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="running", rows_done=2)
    fragment = client.get(reverse("customers:import_progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and '<progress max="4" value="2"' in fragment and "2 of 4 rows" in fragment
    response = client.post(reverse("customers:import_cancel", args=[job.pk]))
    assert response.status_code == 302 and ImportJob.objects.get().status == "cancelling"
    ImportJob.objects.filter(pk=job.pk).update(status="cancelled")
    fragment = client.get(reverse("customers:import_progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in fragment and "cancelled" in fragment


@pytest.mark.parametrize(("content", "name", "says"), [
    (b"\x00\x01\x02binary\xff" * 100, "photo.csv", "neither a CSV nor an XLSX"),
    (b"not a workbook", "list.xlsx", "not a readable XLSX"),
])
def test_a_file_that_is_not_a_table_gets_an_error_on_the_file_field(client, users, north, content, name, says):
    client.force_login(users["steward"])
    response = _upload(client, content, name=name, team=north.pk)
    assert response.status_code == 200 and not ImportJob.objects.exists()
    assert response.context["form"].errors["file"][0].startswith(name) and says in response.content.decode()


def test_an_oversized_upload_gets_an_error_on_the_file_field(client, users, north, settings):
    settings.CDM_IMPORT_MAX_BYTES = 50
    client.force_login(users["steward"])
    response = _upload(client, SHOP.encode("cp1252"), team=north.pk)
    assert response.status_code == 200 and "larger than" in response.context["form"].errors["file"][0]


def test_a_mapping_error_is_shown_on_the_column(client, users, north):
    client.force_login(users["steward"])
    _upload(client, SHOP.encode("cp1252"), team=north.pk)
    job = ImportJob.objects.get()
    data = {**_mapping_post(job, "dry_run"), "col-8": "family_name"}  # Ort would fill the family name twice
    response = client.post(reverse("customers:import", args=[job.pk]), data)
    assert response.status_code == 200 and "already fills family name" in response.content.decode()
    assert response.context["form"].errors["col-8"]


@pytest.mark.parametrize("role", ["agent", "marketer", "nobody"])
def test_the_import_pages_do_not_exist_for_other_roles(client, users, role):
    client.force_login(users[role])
    assert client.get(reverse("customers:imports")).status_code == 404
    assert client.get(reverse("customers:import_new")).status_code == 404
    assert "Imports" not in client.get(reverse("home")).content.decode()


def test_an_orders_file_needs_no_team_and_is_mapped_to_order_fields(client, users):
    client.force_login(users["steward"])
    orders = b"customer_id,order_number,date,sku,qty,price\nK-1,B-1,2025-01-02,X,1,3.50\n"
    response = client.post(reverse("customers:import_new"), {
        "file": SimpleUploadedFile("orders.csv", orders), "source": "shop-de", "kind": "orders"})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.kind == "orders" and job.team is None
    page = client.get(reverse("customers:import", args=[job.pk])).content.decode()
    assert "customer&#x27;s id in the source (required)" in page and 'value="unit_price" selected' in page


def test_a_customers_file_without_a_team_is_refused_on_the_team_field(client, users, north, south):
    client.force_login(users["steward"])
    response = _upload(client, SHOP.encode("cp1252"))
    assert response.status_code == 200 and response.context["form"].errors["team"]
