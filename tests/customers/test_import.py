"""`manage.py import_customers`: what a steward importing a shop's export notices."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from customers.models import Customer, DuplicateCandidate, ExternalIdentity
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

SHOP = """Customer ID,First Name,Surname,E-mail,Tel,DOB,Street,Postcode,Town,Country,Loyalty tier
S-1,Grace,Hopper,grace@example.com,+1 202 555 0101,1906-12-09,1 Navy Way,20500,Washington,US,gold
S-2,Alan,Turing,not-an-email,+44 20 7946 0001,1912-06-23,,,,GB,silver
S-3,,,nobody@example.com,,,,,,US,
S-4,Linus,,,,,,,,FI,
S-5,Kim,Lee,kim.lee@example.com,,31/02/1990,,,Seoul,KR,
"""


def _run(tmp_path, capsys, text=SHOP, *args):
    path = tmp_path / "shop.csv"
    path.write_text(text, encoding="utf-8")
    call_command("import_customers", str(path), "--source", "shop", "--team", "North", "--id-column", "Customer ID",
                 *args)
    return capsys.readouterr().out


def test_headers_are_matched_by_name_and_synonym_and_bad_values_are_reported_by_line_and_column(tmp_path, capsys,
                                                                                                 north, south):
    out = _run(tmp_path, capsys)
    assert "First Name -> given_name" in out and "Surname -> family_name" in out and "DOB -> date_of_birth" in out
    assert "Postcode -> postal_code" in out and "not used: Loyalty tier" in out
    grace = Customer.objects.get(family_name="Hopper")
    assert grace.email == "grace@example.com" and grace.date_of_birth == datetime.date(1906, 12, 9)
    assert grace.team == north and grace.source == "import"
    assert ExternalIdentity.objects.get(customer=grace).external_id == "S-1"
    turing = Customer.objects.get(family_name="Turing")  # kept, without the bad e-mail
    assert turing.email == "" and turing.phone == "+442079460001"
    assert "line 3, E-mail:" in out and "(left out)" in out
    assert "line 4, Surname:" in out and "line 5, Surname:" in out  # no family name / no usable identity
    lee = Customer.objects.get(family_name="Lee")
    assert lee.date_of_birth is None and "line 6, DOB:" in out
    assert "5 rows from shop: 3 created" in out and "2 rejected" in out
    assert Customer.objects.count() == 3


def test_importing_the_same_file_again_updates_instead_of_duplicating(tmp_path, capsys, north):
    _run(tmp_path, capsys)
    out = _run(tmp_path, capsys)
    assert "0 created" in out and "3 unchanged" in out and Customer.objects.count() == 3
    out = _run(tmp_path, capsys, SHOP.replace("1 Navy Way", "2 Navy Way"))
    assert "1 updated" in out
    grace = Customer.objects.get(family_name="Hopper")
    assert grace.address_line1 == "2 Navy Way" and "Import from shop" in grace.history.first().history_change_reason


def test_a_likely_existing_customer_is_created_and_queued_never_merged(tmp_path, capsys, north, south):
    existing = CustomerFactory(team=south, given_name="Grace", family_name="Hopper", email="grace@example.com",
                               date_of_birth=datetime.date(1906, 12, 9))
    out = _run(tmp_path, capsys)
    assert "1 created and queued for review" in out
    imported = ExternalIdentity.objects.get(system="shop", external_id="S-1").customer
    assert imported.pk != existing.pk and imported.status == "active"
    pair = DuplicateCandidate.objects.get()
    assert {pair.customer_a_id, pair.customer_b_id} == {existing.pk, imported.pk} and pair.origin == "import"


def test_resolution_can_be_turned_off(tmp_path, capsys, north):
    CustomerFactory(team=north, given_name="Grace", family_name="Hopper", email="grace@example.com",
                    date_of_birth=datetime.date(1906, 12, 9))
    out = _run(tmp_path, capsys, SHOP, "--no-resolve")
    assert "0 created and queued" in out and not DuplicateCandidate.objects.exists()


def test_map_overrides_and_clear_errors(tmp_path, capsys, north):
    out = _run(tmp_path, capsys, SHOP, "--map", "Tel=", "--map", "Loyalty tier=")
    assert "Tel ->" not in out and Customer.objects.get(family_name="Hopper").phone == ""
    with pytest.raises(CommandError, match="no field shoe_size"):
        _run(tmp_path, capsys, SHOP, "--map", "Tel=shoe_size")
    path = tmp_path / "noid.csv"
    path.write_text("name,email\nHopper,g@example.com\n")
    with pytest.raises(CommandError, match="No id column"):
        call_command("import_customers", str(path), "--source", "shop", "--team", "North")
    with pytest.raises(CommandError, match="Say which team"):
        from tests.factories import TeamFactory

        TeamFactory(name="South")
        call_command("import_customers", str(path), "--source", "shop")
    path.write_bytes(b"id,surname\n1,\xff\xfe\n")
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_customers", str(path), "--source", "shop", "--team", "North")
