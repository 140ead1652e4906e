"""Customer files a batch at a time (customers.imports.bulk): what a steward importing a large file notices is the
same as one row at a time: the same customers, the same matches for review, history, links and events."""

import datetime

import pytest
from django.db import IntegrityError

from cdm.access import SYSTEM
from cdm.webhooks.models import OutboxEvent
from customers.imports import bulk, customers_import, map_headers
from customers.imports.run import ImportReport, customer_import_row_reported
from customers.models import Customer, DuplicateCandidate, ExternalIdentity, MatchProfile
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

HEADER = ["id", "given_name", "family_name", "email", "phone", "date_of_birth", "address_line1", "postal_code", "city",
          "country"]


def _rows(*rows):
    return [dict(zip(HEADER, row)) for row in rows]


def _import(rows, team, *, batch_size=2, resolve=True, source="erp"):
    return customers_import(rows=rows, mapping=map_headers(HEADER), source=source, team=team, by=SYSTEM,
                            resolve=resolve, batch_size=batch_size)


PEOPLE = _rows(
    ("E-1", "Grace", "Hopper", "grace@example.com", "+1 202 555 0101", "1906-12-09", "1 Navy Way", "20500",
     "Washington", "US"),
    ("E-2", "Alan", "Turing", "not-an-email", "+44 20 7946 0001", "1912-06-23", "", "", "", "GB"),
    ("E-3", "Ada", "", "ada@example.com", "", "", "", "", "", "GB"),
    ("E-4", "Kim", "Lee", "kim.lee@example.com", "", "1990-02-31", "", "", "Seoul", "KR"),
    ("E-5", "Edsger", "Dijkstra", "edsger@example.nl", "+31 20 555 0101", "1930-05-11", "", "", "Nuenen", "NL"),
)


def test_a_file_in_batches_creates_each_customer_with_history_link_profile_and_reports_bad_values(north):
    report = _import(PEOPLE, north)
    assert (report.counts["rows"], report.counts["created"], report.counts["rejected"]) == (5, 4, 1)
    grace = Customer.objects.get(family_name="Hopper")
    assert grace.phone == "+12025550101" and grace.date_of_birth == datetime.date(1906, 12, 9)
    assert grace.team == north and grace.source == "import" and grace.search_name == "grace hopper"
    assert grace.field_sources["email"][0] == "erp"  # the two-way sync rules know who set it
    history = grace.history.get()
    assert history.history_type == "+" and history.history_change_reason == "Import from erp"
    assert ExternalIdentity.objects.get(customer=grace).external_id == "E-1"
    assert MatchProfile.objects.get(customer=grace).version == grace.version
    turing = Customer.objects.get(family_name="Turing")
    assert turing.email == ""  # the bad e-mail left out, the rest kept
    lee = Customer.objects.get(family_name="Lee")
    assert lee.date_of_birth is None
    lines = {(p.line, p.column, p.rejected) for p in report.problems}
    assert (3, "email", False) in lines and (4, "family_name", True) in lines and (5, "date_of_birth", False) in lines


def test_a_row_gives_the_same_customer_in_a_batch_as_on_its_own(north):
    values = PEOPLE[0]
    _import([values], north)
    report = ImportReport(source="other")
    customer_import_row_reported(values={**values, "id": "X-1"}, line=2, mapping=map_headers(HEADER), source="other",
                                 team=north, resolve=False, by=SYSTEM, report=report)
    batched, single = (ExternalIdentity.objects.get(external_id=x).customer for x in ("E-1", "X-1"))
    skip = {"id", "customer_number", "created_at", "updated_at", "field_sources"}
    fields = [f.attname for f in Customer._meta.concrete_fields if f.attname not in skip]
    assert {f: getattr(batched, f) for f in fields} == {f: getattr(single, f) for f in fields}


def test_importing_the_same_file_again_changes_nothing_and_a_change_updates_with_history(north):
    _import(PEOPLE, north)
    versions = dict(Customer.objects.values_list("pk", "version"))
    history = Customer.history.count()
    report = _import(PEOPLE, north)
    assert (report.counts["created"], report.counts["unchanged"], report.counts["updated"]) == (0, 4, 0)
    assert dict(Customer.objects.values_list("pk", "version")) == versions and Customer.history.count() == history
    moved = [dict(PEOPLE[0], address_line1="2 Navy Way")]
    report = _import(moved, north)
    assert report.counts["updated"] == 1
    grace = Customer.objects.get(family_name="Hopper")
    assert grace.address_line1 == "2 Navy Way" and grace.version == versions[grace.pk] + 1
    last = grace.history.first()
    assert last.history_type == "~" and last.history_change_reason == "Import from erp"
    assert MatchProfile.objects.get(customer=grace).version == grace.version


def test_a_likely_existing_customer_and_a_repeat_within_the_file_are_queued_for_review_never_merged(north, south):
    stored = CustomerFactory(team=south, given_name="Grace", family_name="Hopper", email="grace@example.com",
                             phone="+12025550101", date_of_birth=datetime.date(1906, 12, 9), country="US")
    rows = _rows(
        ("E-1", "Grace", "Hopper", "GRACE@example.com", "(202) 555-0101", "1906-12-09", "", "", "", "US"),
        ("E-2", "Edsger", "Dijkstra", "edsger@example.nl", "+31 20 555 0101", "1930-05-11", "", "", "Nuenen", "NL"),
        ("E-3", "Bob", "Smith", "bob@example.org", "+1 202 555 0188", "1970-03-04", "", "", "", "US"),
        ("E-4", "Robert", "Smith", "bob@example.org", "+1 202 555 0188", "1970-03-04", "", "", "", "US"),
    )
    report = _import(rows, north, batch_size=3)  # E-4 meets E-3 across two batches
    assert report.counts["matched"] == 2 and report.counts["created"] == 2
    hopper = ExternalIdentity.objects.get(external_id="E-1").customer
    pair = DuplicateCandidate.objects.get(customer_a=stored, customer_b=hopper)
    assert pair.origin == "import" and pair.status == "open" and pair.cross_team and pair.score >= 0.9
    smiths = sorted(ExternalIdentity.objects.filter(external_id__in=["E-3", "E-4"]).values_list("customer_id",
                                                                                                   flat=True))
    assert DuplicateCandidate.objects.filter(customer_a_id=smiths[0], customer_b_id=smiths[1]).exists()
    assert Customer.objects.filter(status="merged").count() == 0
    # The queue's clusters hold the pairs the import raised.
    assert set(DuplicateCandidate.objects.values_list("cluster", flat=True)) == {stored.pk, smiths[0]}


def test_matching_off_raises_no_pair(north):
    CustomerFactory(team=north, given_name="Grace", family_name="Hopper", email="grace@example.com")
    report = _import(_rows(("E-1", "Grace", "Hopper", "grace@example.com", "", "", "", "", "", "US")), north,
                     resolve=False)
    assert report.counts["created"] == 1 and not DuplicateCandidate.objects.exists()


def test_an_id_twice_in_one_file_updates_the_customer_its_first_row_made(north):
    rows = _rows(("E-1", "Grace", "Hopper", "grace@example.com", "", "", "", "", "", "US"),
                 ("E-1", "Grace", "Hopper", "grace@navy.mil", "", "", "", "", "", "US"))
    report = _import(rows, north, batch_size=10)
    assert (report.counts["rows"], report.counts["created"], report.counts["updated"]) == (2, 1, 1)
    assert Customer.objects.get().email == "grace@navy.mil"


def test_a_batch_the_database_refuses_goes_row_by_row_and_each_row_is_reported(north, monkeypatch):
    calls = []

    def refuse(self, *args, **kwargs):
        calls.append(1)
        raise IntegrityError("value too long for type character varying(64)")

    monkeypatch.setattr(bulk.CustomerBatchImport, "_write", refuse)
    report = _import(PEOPLE, north, batch_size=10)
    assert calls and (report.counts["rows"], report.counts["created"], report.counts["rejected"]) == (5, 4, 1)
    assert Customer.objects.count() == 4 and ExternalIdentity.objects.count() == 4


def test_each_created_and_updated_customer_is_one_event_not_echoed_to_the_file_s_system(north):
    from tests.cdm.test_webhooks import endpoint_new

    endpoint_new("http://127.0.0.1:9/hook", events=["customer.created", "customer.updated"], system="crm")
    _import(PEOPLE, north)
    _import([dict(PEOPLE[0], city="Arlington")], north)
    events = list(OutboxEvent.objects.values_list("type", "origin_system"))
    assert events.count(("customer.created", "erp")) == 4 and events.count(("customer.updated", "erp")) == 1


def test_worker_processes_prepare_the_next_batches_and_give_what_the_importer_would(north, settings):
    settings.CDM_IMPORT_WORKERS = 2
    importer = bulk.CustomerBatchImport(mapping=map_headers(HEADER), source="erp", team=north, by=SYSTEM)
    batches = [list(enumerate(PEOPLE[k:k + 2], start=2 + k)) for k in range(0, 5, 2)]
    got = list(importer.batches(batches))
    assert [rows for rows, _ready in got] == batches and all(ready is not None for _rows, ready in got)
    for rows, ready in got:
        here = bulk.prepare_rows(rows, importer.mapping, profiles=True)
        assert [(r[0], r[2] and r[2].data, r[3]) for r in ready.rows] == [(r[0], r[2] and r[2].data, r[3])
                                                                           for r in here.rows]
    settings.CDM_IMPORT_WORKERS = 0
    assert all(ready is None for _rows, ready in importer.batches(batches))


def test_a_row_left_to_the_row_path_is_reported_once(north):
    rows = _rows(("E-1", "Grace", "Hopper", "grace@example.com", "", "", "", "", "", "US"),
                 ("E-1", "Grace", "Hopper", "not-an-email", "", "", "", "", "", "US"))
    report = _import(rows, north, batch_size=10)
    assert [(p.line, p.column) for p in report.problems] == [(3, "email")] and report.counts["left_out"] == 1
