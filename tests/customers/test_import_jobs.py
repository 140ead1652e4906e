"""The stewards' file import (issue 11 §3), through its services: what a steward notices of each step."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase

from cdm.access import SYSTEM
from customers import imports
from customers.imports import jobs
from customers.models import Customer, DuplicateCandidate, ExternalIdentity, ImportJob, Order, Activity
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

# A German shop's Excel export: semicolons, Windows-1252.
SHOP = """Kundennummer;Vorname;Nachname;E-Mail;Telefon;Geburtsdatum;Straße;PLZ;Ort;Land
K-1;Jürgen;Müller;juergen.mueller@example.de;+49 30 1234567;1970-05-04;Hauptstraße 1;10115;Berlin;DE
K-2;Anna;Schäfer;not-an-email;;1985-02-03;;;;DE
K-3;;;niemand@example.de;;;;;;DE
K-4;Grace;Hopper;grace@example.com;;1906-12-09;;;;US
"""
MAPPING = {"Kundennummer": "external_id", "Vorname": "given_name", "Nachname": "family_name", "E-Mail": "email",
           "Telefon": "phone", "Geburtsdatum": "date_of_birth", "Straße": "address_line1", "PLZ": "postal_code",
           "Ort": "city", "Land": "country"}


def _upload(user, text=SHOP, *, encoding="cp1252", name="kunden.csv", source="shop-de", kind="customers", team=None,
            content=None):
    return imports.import_job_create(by=user, file_name=name, content=content or text.encode(encoding),
                                     source=source, kind=kind, team=team)


def _mapped(user, north, **kw):
    job = _upload(user, team=north, **kw)
    return imports.import_job_map(job=job, mapping=MAPPING, by=user)


def _run(user, job):
    """Start the import as the page does, then run the task's body here, as the worker would (with or without
    a broker: CI runs the suite with a real one)."""
    with TestCase.captureOnCommitCallbacks() as queued:
        imports.import_job_start(job=job, by=user)
    assert len(queued) == 1  # handed to a worker once committed
    imports.import_job_run(job_id=job.pk, by=SYSTEM)
    job.refresh_from_db()
    return job


def _written():
    return (Customer.objects.count(), ExternalIdentity.objects.count(), DuplicateCandidate.objects.count(),
            Customer.history.count())


@pytest.mark.parametrize(("text", "encoding", "expected"), [
    (SHOP, "cp1252", "CSV, Windows-1252, semicolon"),
    (SHOP.replace(";", "\t"), "utf-16", "CSV, UTF-16, tab"),
    (SHOP.replace(";", ","), "utf-8-sig", "CSV, UTF-8, comma"),
])
def test_the_delimiter_and_encoding_a_spreadsheet_wrote_are_detected(users, north, text, encoding, expected):
    job = _upload(users["steward"], text, encoding=encoding, team=north)
    assert job.file_format == expected and job.rows_total == 4
    assert job.headers[6] == "Straße" and job.file.rows[0][:4] == [2, "K-1", "Jürgen", "Müller"]


def test_an_xlsx_file_is_read_from_its_first_sheet_with_dates_as_iso(users, north):
    import datetime

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "First name", "Surname", "DOB"])
    sheet.append([17, "Ada", "Lovelace", datetime.datetime(1815, 12, 10)])
    buffer = io.BytesIO()
    book.save(buffer)
    job = _upload(users["steward"], name="list.xlsx", content=buffer.getvalue(), team=north)
    assert job.file_format.startswith("XLSX") and job.file.rows == [[2, "17", "Ada", "Lovelace", "1815-12-10"]]
    assert job.mapping == {"id": "external_id", "First name": "given_name", "Surname": "family_name",
                           "DOB": "date_of_birth"}


@pytest.mark.parametrize(("content", "name", "says"), [
    (bytes(range(256)) * 20, "export.csv", "neither a CSV nor an XLSX"),
    (b"PK\x03\x04 not really a zip", "export.xlsx", "not a readable XLSX"),
    (b"%PDF-1.4 hello", "export.xlsx", "not a readable XLSX"),
    (b"\n\n\n", "export.csv", "is empty"),
    (b";;;\nK-1;a;b;c\n", "export.csv", "no header row"),
    (b"id;id\n1;2\n", "export.csv", "twice"),
])
def test_a_file_that_is_not_a_table_is_refused_on_the_file_field(users, north, content, name, says):
    with pytest.raises(ValidationError) as caught:
        _upload(users["steward"], content=content, name=name, team=north)
    assert says in caught.value.message_dict["file"][0]


def test_an_oversized_file_is_refused_on_the_file_field(users, north, settings):
    settings.CDM_IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as caught:
        _upload(users["steward"], team=north)
    assert "larger than" in caught.value.message_dict["file"][0] and not ImportJob.objects.exists()


def test_mapping_is_suggested_from_headers_and_the_saved_mapping_is_reused_for_the_source(users, north):
    steward = users["steward"]
    job = _upload(steward, SHOP.replace("Kundennummer", "Customer ID"), team=north)
    assert job.mapping["Customer ID"] == "external_id" and job.mapping["Vorname"] == "given_name"
    assert job.mapping["Nachname"] == "family_name" and job.mapping["PLZ"] == "postal_code"
    assert job.mapping["Telefon"] == "phone" and job.mapping["Straße"] == ""  # no synonym: the steward says
    imports.import_job_map(job=job, mapping={**job.mapping, "Straße": "address_line1", "Telefon": ""}, by=steward)
    again = _upload(steward, SHOP.replace("Kundennummer", "Customer ID"), team=north)
    assert again.mapping["Straße"] == "address_line1" and again.mapping["Telefon"] == ""
    other = _upload(steward, SHOP.replace("Kundennummer", "Customer ID"), source="crm", team=north)
    assert other.mapping["Straße"] == "" and other.mapping["Telefon"] == "phone"


def test_a_mapping_without_an_id_or_filling_a_field_twice_is_refused_by_column(users, north):
    steward = users["steward"]
    job = _upload(steward, team=north)
    with pytest.raises(ValidationError) as caught:
        imports.import_job_map(job=job, mapping={**MAPPING, "Kundennummer": "", "Ort": "family_name"}, by=steward)
    errors = caught.value.message_dict
    assert "already fills" in errors["Ort"][0] and "id in the source" in errors["__all__"][0]


def test_a_dry_run_writes_nothing_yet_reports_what_the_import_would_do(users, north, south):
    steward = users["steward"]
    CustomerFactory(team=south, given_name="Grace", family_name="Hopper", email="grace@example.com")
    job = _mapped(steward, north)
    before = _written()
    job = imports.import_job_dry_run(job=job, by=steward)
    assert _written() == before
    counts = job.dry_run_counts
    assert (counts["created"], counts["matched"], counts["rejected"], counts["updated"]) == (2, 1, 1, 0)
    problems = {(p.line, p.column): p for p in imports.import_job_problems(job, dry_run=True)}
    assert problems[(3, "E-Mail")].value == "not-an-email" and not problems[(3, "E-Mail")].rejected
    assert problems[(4, "Nachname")].rejected
    job = _run(steward, job)
    assert {k: job.counts[k] for k in ("created", "matched", "rejected", "updated")} == {
        "created": 2, "matched": 1, "rejected": 1, "updated": 0}


def test_a_bad_row_is_reported_by_line_column_value_and_the_rest_imported(users, north):
    steward = users["steward"]
    job = _run(steward, _mapped(steward, north))
    assert job.status == "finished" and job.rows_done == 4
    assert set(Customer.objects.values_list("family_name", flat=True)) == {"Müller", "Schäfer", "Hopper"}
    assert Customer.objects.get(family_name="Schäfer").email == ""
    left_out = job.problems.get(dry_run=False, line=3)
    assert (left_out.column, left_out.value, left_out.rejected) == ("E-Mail", "not-an-email", False)
    assert job.problems.get(dry_run=False, line=4).rejected
    assert ExternalIdentity.objects.get(customer__family_name="Müller").system == "shop-de"


def test_the_same_file_again_changes_nothing_and_is_recognised(users, north):
    steward = users["steward"]
    first = _run(steward, _mapped(steward, north))
    history = Customer.history.count()
    second = _mapped(steward, north)
    assert imports.import_job_same_file(second) == first
    second = _run(steward, second)
    assert second.counts["unchanged"] == 3 and second.counts["created"] == 0 and second.counts["rejected"] == 1
    assert Customer.objects.count() == 3 and Customer.history.count() == history


def test_cancel_stops_at_a_chunk_boundary_and_keeps_what_was_imported(users, north, monkeypatch):
    steward = users["steward"]
    rows = "".join(f"R-{i};Ann;Tester{i};ann{i}@example.com;;;;;;GB\n" for i in range(10))
    job = _mapped(steward, north, text=SHOP.splitlines()[0] + "\n" + rows)
    monkeypatch.setattr(jobs, "BATCH_SIZE", 3)  # a customer file's batch
    original = jobs._process

    def cancel_during_second_chunk(job_, chunk, report, by, importer):
        original(job_, chunk, report, by, importer)
        if chunk[0][0] == 5:  # the steward presses Cancel while the second chunk runs
            imports.import_job_cancel(job=job_, by=steward)

    monkeypatch.setattr(jobs, "_process", cancel_during_second_chunk)
    job = _run(steward, job)
    assert job.status == "cancelled" and job.rows_done == 6 and "after 6 of 10 rows" in job.message
    assert Customer.objects.count() == 6 and job.counts["created"] + job.counts["matched"] == 6


def test_undo_takes_back_only_the_customers_nobody_changed_since(users, north):
    from customers import services

    steward = users["steward"]
    job = _run(steward, _mapped(steward, north))
    hopper = Customer.objects.get(family_name="Hopper")
    services.customer_update(customer=hopper, by=steward, version=hopper.version, reason="called", city="Arlington")
    result = imports.import_job_undo(job=job, by=steward)
    assert result == {"undone": 2, "kept": 1}
    assert set(Customer.objects.filter(status="active").values_list("family_name", flat=True)) == {"Hopper"}
    assert not ExternalIdentity.objects.filter(customer__family_name="Müller").exists()
    assert "undone" in Customer.objects.get(family_name="Müller").history.first().history_change_reason
    job.refresh_from_db()
    assert job.status == "undone" and "1 kept" in job.message
    again = _run(steward, _mapped(steward, north))  # the file imported again creates them anew
    # created anew; the archived records they were are likely matches, so they go to the review queue
    assert again.counts["created"] + again.counts["matched"] == 2 and again.counts["unchanged"] == 1


def test_the_rejected_rows_csv_can_be_fixed_and_uploaded_again(users, north):
    steward = users["steward"]
    job = _run(steward, _mapped(steward, north))
    rows = imports.import_job_rejected_rows(job)
    assert rows[0][-1] == "reason" and len(rows) == 2 and rows[1][0] == "K-3" and "Nachname" in rows[1][-1]
    rows[1][1:3] = ["Nora", "Niemand"]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    fixed = _upload(steward, out.getvalue(), encoding="utf-8-sig", name="kunden-rejected.csv", team=north)
    assert fixed.mapping["reason"] == "" and fixed.mapping["Nachname"] == "family_name"
    fixed = _run(steward, fixed)
    assert fixed.counts["created"] == 1 and fixed.counts["rejected"] == 0
    assert Customer.objects.filter(family_name="Niemand").exists()


def test_orders_and_activities_are_keyed_by_the_customers_id_in_the_source(users, north):
    steward = users["steward"]
    _run(steward, _mapped(steward, north))
    orders = ("Kundennummer;Bestellung;Datum;Artikel;Menge;Preis\n"
              "K-1;B-100;2025-03-01;SKU-1;2;9,50\nK-9;B-101;2025-03-02;SKU-1;1;5\nK-4;B-102;gestern;SKU-2;1;5\n")
    job = _upload(steward, orders, kind="orders")
    job = imports.import_job_map(job=job, mapping={"Kundennummer": "customer_external_id", "Bestellung": "order_number",
                                                   "Datum": "placed_at", "Artikel": "sku", "Menge": "quantity",
                                                   "Preis": "unit_price"}, by=steward)
    job = _run(steward, job)
    assert (job.counts["created"], job.counts["rejected"]) == (1, 2)
    order = Order.objects.get(order_number="B-100")
    assert order.customer.family_name == "Müller" and str(order.total_amount) == "19.00"
    assert "No customer has the id K-9" in job.problems.get(line=3).message
    assert job.problems.get(line=4).column == "Datum"
    again = _run(steward, imports.import_job_map(job=_upload(steward, orders, kind="orders"), mapping=job.mapping,
                                                 by=steward))
    assert again.counts["unchanged"] == 1 and Order.objects.count() == 1
    events = "customer;event;time;url\nK-1;visit;2025-03-01 10:00;https://shop.example/\nK-1;visit;2025-03-01 11:00;\n"
    job = _upload(steward, events, kind="activities", encoding="utf-8")
    assert job.mapping == {"customer": "customer_external_id", "event": "kind", "time": "occurred_at",
                           "url": "property"}
    job = _run(steward, imports.import_job_map(job=job, mapping=job.mapping, by=steward))
    assert (job.counts["created"], job.counts["rejected"]) == (1, 1)
    assert Activity.objects.get().properties == {"url": "https://shop.example/"}
    assert job.problems.get(line=3).column == "url"


def test_only_stewards_and_admins_import(users, north):
    with pytest.raises(Exception, match="permission"):
        _upload(users["agent"], team=north)
    job = _mapped(users["admin"], north)
    assert _run(users["admin"], job).status == "finished"


def test_the_command_detects_the_encoding_and_imports_orders_through_the_same_services(tmp_path, capsys, north):
    from django.core.management import call_command

    path = tmp_path / "kunden.csv"
    path.write_bytes(SHOP.encode("cp1252"))
    call_command("import_customers", str(path), "--source", "shop-de", "--team", "North", "--encoding", "auto",
                 "--id-column", "Kundennummer", "--map", "Straße=address_line1")
    out = capsys.readouterr().out
    assert "4 rows from shop-de: 3 created" in out and Customer.objects.get(family_name="Müller").city == "Berlin"
    path = tmp_path / "orders.csv"
    path.write_text("customer_id,order_number,date,sku,qty,price\nK-1,B-1,2025-01-02,X,1,3.50\nK-7,B-2,2025-01-02,X,1,1\n")
    call_command("import_customers", str(path), "--source", "shop-de", "--kind", "orders")
    out = capsys.readouterr().out
    assert "2 rows from shop-de: 1 orders recorded" in out and "line 3, customer_id: No customer has the id K-7" in out
    assert ImportJob.objects.get(kind="orders").status == "finished"


def test_the_demo_data_holds_one_finished_import_with_rejected_rows(db):
    from customers.management.commands.seed_demo import _demo_import
    from tests.factories import TeamFactory

    TeamFactory(name="North")

    _demo_import(lambda message: None)
    _demo_import(lambda message: None)  # idempotent
    job = ImportJob.objects.get()
    assert job.status == "finished" and job.counts["rejected"] == 2 and job.counts["created"] + job.counts["matched"] == 4


def test_a_row_refused_halfway_leaves_no_half_customer_and_the_rest_is_imported(users, north, monkeypatch):
    """The batch's write fails (the database refuses something), so the batch goes row by row; there K-4's
    customer is written and then its id link refused: its row's savepoint takes the customer back."""
    from django.db import IntegrityError

    from customers import services
    from customers.imports import bulk, run

    steward = users["steward"]
    original = services.external_identity_link

    def refused(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(bulk.CustomerBatchImport, "_write", refused)

    def refuse_k4(**kwargs):  # the customer is written, then its id link is refused
        if kwargs["external_id"] == "K-4":
            raise ValidationError({"external_id": "This external ID is already linked to a customer."})
        return original(**kwargs)

    monkeypatch.setattr(run.services, "external_identity_link", refuse_k4)
    job = _run(steward, _mapped(steward, north))
    assert job.status == "finished" and job.counts["rejected"] == 2 and job.counts["created"] == 2
    assert not Customer.objects.filter(family_name="Hopper").exists()  # rolled back with its row
    assert not Customer.history.filter(family_name="Hopper").exists()
    problem = job.problems.get(line=5)
    assert "already linked" in problem.message and (problem.column, problem.value) == ("Kundennummer", "K-4")


def test_the_rejected_rows_csv_runs_no_formula_and_round_trips(users, north):
    """A rejected cell like =HYPERLINK(...) or +49... is quoted with ' (a spreadsheet shows it as text); uploaded
    again, the quote is gone and the value is the one the file had."""
    steward = users["steward"]
    text = ("Kundennummer;Vorname;Nachname;E-Mail;Telefon;Geburtsdatum;Straße;PLZ;Ort;Land\n"
            'K-9;=HYPERLINK("http://evil.example");;x@example.de;+49 30 7654321;;;;;DE\n')
    job = _run(steward, _mapped(steward, north, text=text))
    rows = imports.import_job_rejected_rows(job)
    assert rows[1][1] == "'=HYPERLINK(\"http://evil.example\")" and rows[1][4] == "'+49 30 7654321"
    rows[1][1:3] = ["Nora", "Niemand"]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    fixed = _run(steward, _upload(steward, out.getvalue(), encoding="utf-8", name="again.csv", team=north))
    assert fixed.counts["created"] == 1
    assert Customer.objects.get(family_name="Niemand").phone == "+49307654321"
