"""The batch scan and the review queue's candidates: planted duplicates found, households not, decisions kept."""

import datetime

import pytest
from django.core.management import call_command

from cdm.access import SYSTEM
from customers import services
from customers.models import DuplicateCandidate, MatchProfile
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def people(north, south):
    home = dict(address_line1="5 Elm Road", postal_code="10115", city="Berlin", country="DE")
    return {
        "kate": CustomerFactory(team=north, given_name="Katherine", family_name="Novak", date_of_birth=D(1980, 3, 4),
                                email="k.novak@example.com", phone="+49 30 1234567", **home),
        # The same woman from the shop import: nickname, day and month swapped, phone in another format.
        "kate2": CustomerFactory(team=south, given_name="Kate", family_name="Nowak", date_of_birth=D(1980, 4, 3),
                                 email="", phone="0049 30 1234567", **home),
        # Her husband: same address, family name and landline, another given name and birth date.
        "peter": CustomerFactory(team=north, given_name="Peter", family_name="Novak", date_of_birth=D(1975, 9, 20),
                                 email="p.novak@example.com", phone="+49 30 1234567", **home),
        "other": CustomerFactory(team=north, given_name="Ines", family_name="Berg", date_of_birth=D(1990, 1, 1),
                                 email="ines@example.org", phone="+49 40 7654321", address_line1="1 Hafenweg",
                                 postal_code="20095", city="Hamburg", country="DE"),
    }


def _pairs():
    return {(c.customer_a_id, c.customer_b_id): c for c in DuplicateCandidate.objects.all()}


def test_a_full_scan_finds_the_person_entered_twice_and_not_her_husband(people):
    result = services.duplicates_scan(full=True, by=SYSTEM)
    pairs = _pairs()
    kate, kate2, peter = people["kate"], people["kate2"], people["peter"]
    assert set(pairs) == {(kate.pk, kate2.pk)}
    candidate = pairs[(kate.pk, kate2.pk)]
    assert candidate.score >= 0.9 and candidate.cross_team and candidate.status == "open"
    assert "birth date day and month swapped" in candidate.reasons
    assert result.candidates == 1  # raised already when the second record was created (origin "entry")
    assert candidate.origin == "entry" and result.created + result.updated == 1
    assert MatchProfile.objects.count() == 4  # every customer's profile, refreshed by the scan


def test_a_pair_called_not_a_duplicate_is_never_proposed_again(people, users):
    services.duplicates_scan(full=True, by=SYSTEM)
    candidate = DuplicateCandidate.objects.get()
    services.duplicate_candidate_dismiss(candidate=candidate, by=users["steward"], note="mother and daughter")
    services.duplicates_scan(full=True, by=SYSTEM)
    assert list(DuplicateCandidate.objects.values_list("status", flat=True)) == ["dismissed"]
    assert DuplicateCandidate.objects.open().count() == 0


def test_an_incremental_scan_compares_only_the_changed_customers(people, users):
    services.duplicates_scan(full=True, by=SYSTEM)
    assert services.duplicates_scan(by=SYSTEM).pairs_compared == 0  # nothing changed since
    other = people["other"]
    services.customer_update(customer=other, by=SYSTEM, version=other.version, email="k.novak@example.com",
                             given_name="Katherine", family_name="Novak", date_of_birth=D(1980, 3, 4))
    pairs = _pairs()
    assert (people["kate"].pk, other.pk) in pairs  # raised on the edit already (origin "entry")
    assert pairs[(people["kate"].pk, other.pk)].origin == "entry"


def test_a_full_scan_marks_only_the_profiles_not_yet_scanned(people):
    services.duplicates_scan(full=True, by=SYSTEM)
    first = dict(MatchProfile.objects.values_list("customer_id", "scanned_at"))
    assert None not in first.values()
    other = people["other"]
    services.customer_update(customer=other, by=SYSTEM, version=other.version, city="Bremen")
    services.duplicates_scan(full=True, by=SYSTEM)
    again = dict(MatchProfile.objects.values_list("customer_id", "scanned_at"))
    assert again[other.pk] > first[other.pk]  # the edited customer was compared again and marked
    assert {k: v for k, v in again.items() if k != other.pk} == {k: v for k, v in first.items() if k != other.pk}
    assert services.duplicates_scan(by=SYSTEM).pairs_compared == 0  # and nothing is left for an incremental scan


def test_open_candidates_that_no_longer_score_are_withdrawn(people):
    services.duplicates_scan(full=True, by=SYSTEM)
    kate2 = people["kate2"]
    services.customer_update(customer=kate2, by=SYSTEM, version=kate2.version, given_name="Olga",
                             date_of_birth=D(1961, 12, 24), phone="+49 89 555555")
    services.duplicates_scan(by=SYSTEM)
    assert DuplicateCandidate.objects.open().count() == 0


def test_clusters_join_every_pair_of_one_person(people, north):
    third = CustomerFactory(team=north, given_name="Kathy", family_name="Novak", date_of_birth=D(1980, 3, 4),
                            email="k.novak@example.com", phone="", address_line1="", postal_code="", city="Munich",
                            country="DE")
    services.duplicates_scan(full=True, by=SYSTEM)
    clusters = set(DuplicateCandidate.objects.open().values_list("cluster", flat=True))
    members = {people["kate"].pk, people["kate2"].pk, third.pk}
    assert clusters == {min(members)}
    assert {x for c in DuplicateCandidate.objects.open() for x in (c.customer_a_id, c.customer_b_id)} == members


def test_scan_and_export_commands(people, tmp_path, capsys):
    call_command("scan_duplicates", "--full", "--retrain")
    assert "1 candidates" in capsys.readouterr().out
    out = tmp_path / "dups.csv"
    call_command("export_duplicates", str(out))
    lines = out.read_text().splitlines()
    assert lines[0].startswith("cluster,customer_a,customer_b,external_ids_a,external_ids_b,score,reasons")
    assert len(lines) == 2 and people["kate"].customer_number in lines[1] and people["kate2"].customer_number in lines[1]
    call_command("export_duplicates", str(out), "--min-score", "0.999999999")
    assert len(out.read_text().splitlines()) in (1, 2)
