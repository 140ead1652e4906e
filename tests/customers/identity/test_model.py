"""The match model: probabilities and reasons a person reads, the household rule, learning by EM and from
the stewards' decisions."""

import datetime
from collections import Counter

import pytest

from customers.identity.compare import COMPARISONS, levels
from customers.identity.features import profile_values
from customers.identity.model import MATCH_THRESHOLD, MatchParameters, em, score, u_from_random_pairs

D = datetime.date
HOME = dict(family_name="Novak", address_line1="5 Elm Road", postal_code="10115", city="Berlin", country="DE",
            phone="+49301234567", email="novak.family@example.com")


def s(a, b, params=None):
    a, b = profile_values(**a), profile_values(**b)
    return score(params or MatchParameters.defaults(), levels(a, b), {"given": 0.0, "family": 0.0})


def test_a_person_entered_twice_is_a_match_with_reasons():
    result = s(dict(HOME, given_name="Katherine", date_of_birth=D(1980, 3, 4)),
               dict(HOME, given_name="Kate", date_of_birth=D(1980, 4, 3), email=""))
    assert result.probability >= MATCH_THRESHOLD
    assert "same phone" in result.reasons
    assert "birth date day and month swapped" in result.reasons
    assert "given name a nickname of the other" in result.reasons


def test_family_members_sharing_address_phone_and_email_never_match():
    result = s(dict(HOME, given_name="Peter", date_of_birth=D(1950, 1, 2)),
               dict(HOME, given_name="Maria", date_of_birth=D(1982, 7, 9)))
    assert result.household and result.probability < MATCH_THRESHOLD
    assert any("family member" in r for r in result.reasons)


def test_twins_share_birth_date_and_address_but_not_the_given_name():
    result = s(dict(HOME, given_name="Lena", date_of_birth=D(1999, 5, 5)),
               dict(HOME, given_name="Jonas", date_of_birth=D(1999, 5, 5)))
    assert result.probability < MATCH_THRESHOLD


def test_same_name_at_the_same_address_but_another_generation_is_no_match():
    result = s(dict(HOME, given_name="Karl", date_of_birth=D(1950, 1, 2), email="karl@example.com"),
               dict(HOME, given_name="Karl", date_of_birth=D(1978, 11, 30), email="karl.jr@example.com"))
    assert result.household and result.probability < MATCH_THRESHOLD


def test_the_same_name_and_e_mail_with_another_birth_date_goes_to_review():
    result = s(dict(HOME, given_name="Karl", date_of_birth=D(1950, 1, 2), email="karl@example.com"),
               dict(HOME, given_name="Karl", date_of_birth=D(1978, 11, 30), email="karl@example.com"))
    assert not result.household and result.probability >= MATCH_THRESHOLD


def test_a_nickname_no_list_knows_matches_on_one_persons_own_mobile_and_birth_date():
    # "Staszek" for Stanisław: the given names differ, but a household shares a landline, hardly ever a mobile.
    mobile = dict(HOME, phone="+48512438749", date_of_birth=D(1959, 12, 8))
    result = s(dict(mobile, given_name="Stanisław"), dict(mobile, given_name="Staszek"))
    assert not result.household and result.probability >= MATCH_THRESHOLD
    landline = dict(HOME, date_of_birth=D(1959, 12, 8))  # the same with the family's landline: twins
    result = s(dict(landline, given_name="Stanisław"), dict(landline, given_name="Staszek"))
    assert result.household and result.probability < MATCH_THRESHOLD


def test_two_parts_of_a_birth_date_mistyped_are_not_another_generation():
    result = s(dict(HOME, given_name="Connor", email="", date_of_birth=D(1962, 9, 16)),
               dict(HOME, given_name="Connor", email="", date_of_birth=D(1966, 9, 10)))
    assert not result.household and result.probability >= MATCH_THRESHOLD
    sibling = s(dict(HOME, given_name="Sharon", email="", date_of_birth=D(1962, 9, 16)),
                dict(HOME, given_name="Shane", email="", date_of_birth=D(1966, 9, 10)))
    assert sibling.household and sibling.probability < MATCH_THRESHOLD


def test_the_same_national_id_overrides_the_household_rule():
    result = s(dict(HOME, given_name="Peter", national_id_index="x1", date_of_birth=D(1950, 1, 2)),
               dict(HOME, given_name="Piet", national_id_index="x1", date_of_birth=D(1950, 1, 2)))
    assert not result.household and result.probability >= MATCH_THRESHOLD


def _pattern(**lv):
    base = {c.name: "different" for c in COMPARISONS}
    return tuple((base | lv)[c.name] for c in COMPARISONS)


def test_em_learns_that_agreement_is_common_among_matches():
    same = _pattern(given="exact", family="exact", dob="exact", email="exact", phone="exact", address="exact")
    other = _pattern()
    patterns = Counter({same: 1000, other: 100000, _pattern(family="exact"): 5000})
    params = MatchParameters.defaults()
    params.u = u_from_random_pairs(Counter({other: 100000, _pattern(family="exact"): 300}))
    learned = em(params, patterns, total_pairs=10**9)
    assert learned.m["dob"]["exact"] > 0.9
    assert 0.005 < learned.trained_on["blocked_share"] < 0.02  # about 1,000 in 106,000 blocked pairs
    # 1,000 pairs the strict rule calls one person, over its assumed recall, among 10^9 pairs of customers.
    assert learned.prior == pytest.approx(1000 / 0.8 / 1e9)
    assert learned.trained_on["pairs"] == 106000


def test_stewards_decisions_move_the_weights():
    params = MatchParameters.defaults()
    pattern = _pattern(given="exact", family="exact", phone="typo")
    before = params.level_weight("phone", "typo")
    dismissed = Counter({(pattern, False): 500})
    params.u = u_from_random_pairs(Counter({_pattern(): 10000}), dismissed)
    assert params.level_weight("phone", "typo") < before
