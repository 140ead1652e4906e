"""The real-time check's candidates: every key heard, crowded ones capped, merged and excluded records left out."""

import datetime

import pytest

from cdm.access import SYSTEM
from customers import services
from customers.identity import realtime
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def namesakes(north):
    """More John Smiths than one key may bring (realtime.PER_KEY), each another person."""
    return [CustomerFactory(team=north, given_name="John", family_name="Smith", date_of_birth=D(1950 + i, 1, 2),
                            email=f"john.smith{i}@example.com", phone=f"+1 202 555 {1000 + i:04d}",
                            address_line1=f"{i} Main St", postal_code=f"{10000 + i}", city=f"Town {i}")
            for i in range(realtime.PER_KEY + 5)]


def test_a_crowded_name_does_not_push_out_the_customer_sharing_the_email(namesakes, north, django_assert_max_num_queries):
    jo = CustomerFactory(team=north, given_name="Joanna", family_name="Smithers", date_of_birth=D(1990, 6, 6),
                         email="jo@example.org", phone="+1 303 555 0199", address_line1="9 Oak Rd", postal_code="80202",
                         city="Denver")
    profile = realtime.record_profile({"given_name": "John", "family_name": "Smith", "email": "jo@example.org",
                                       "country": "US"})
    candidates = realtime._candidates(profile, None)
    assert candidates[0]["customer_id"] == jo.pk  # the e-mail's key is read first
    ids = [row["customer_id"] for row in candidates]
    assert len(ids) == len(set(ids)) and len(ids) <= realtime.MAX_CANDIDATES
    assert len(set(ids) & {c.pk for c in namesakes}) <= 2 * realtime.PER_KEY  # the name key and its turned form
    with django_assert_max_num_queries(1):  # one round trip, however many keys the record has
        found = realtime.matches_for_profile(profile, identifiers=True)
    assert jo.pk in [m.customer_id for m in found]


def test_merged_and_excluded_customers_are_never_candidates(north, users):
    kate = CustomerFactory(team=north, given_name="Katherine", family_name="Novak", date_of_birth=D(1980, 3, 4),
                           email="k.novak@example.com")
    kate2 = CustomerFactory(team=north, given_name="Kate", family_name="Novak", date_of_birth=D(1980, 3, 4),
                            email="kate.novak@example.com")
    profile = realtime.record_profile({"given_name": "Katherine", "family_name": "Novak", "date_of_birth": "1980-03-04",
                                       "email": "k.novak@example.com", "country": "US"})
    found = [m.customer_id for m in realtime.matches_for_profile(profile)]
    assert set(found) == {kate.pk, kate2.pk} and found[0] == kate.pk
    assert [m.customer_id for m in realtime.matches_for_profile(profile, exclude=kate.pk)] == [kate2.pk]
    services.customers_merge(survivor=kate, absorbed=[kate2], by=users["steward"], reason="same person")
    assert [m.customer_id for m in realtime.matches_for_profile(profile)] == [kate.pk]
    matched = realtime.matches_for_profile(profile)[0]
    assert matched.score.levels["dob"] == "exact" and isinstance(realtime._candidates(profile, None)[0]["date_of_birth"],
                                                                 datetime.date)
