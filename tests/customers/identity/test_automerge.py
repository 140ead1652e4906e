"""Automatic merges: off until an admin makes a rule active; then only the same exact identifier above the rule's
threshold, never across teams or over differing consents, recorded with the rule and undone like any merge."""

import datetime

import pytest

from cdm.access import SYSTEM
from cdm.models import AuditEvent
from customers import services
from customers.models import AutoMergeRule, Customer, DuplicateCandidate, Merge
from tests.factories import AutoMergeRuleFactory, ConsentRecordFactory, CustomerFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def _twice(team, other_team=None, **changes):
    """One woman entered twice: the same national ID, e-mail and birth date; the second record newer."""
    values = dict(given_name="Ada", family_name="Lovelace", email="ada@example.com", date_of_birth=D(1985, 4, 12),
                  national_id="AB 123 456 C", phone="+44 7400 123456")
    first = CustomerFactory(team=team, **values)
    second = CustomerFactory(team=other_team or team, **(values | changes))
    return first, second


def test_nothing_is_merged_automatically_until_a_rule_is_active(north):
    first, second = _twice(north)
    AutoMergeRuleFactory(name="Same national ID")  # made, not active
    services.duplicates_scan(full=True, by=SYSTEM)
    assert not Merge.objects.exists()
    assert DuplicateCandidate.objects.open().filter(customer_a=first, customer_b=second).exists()


def test_an_active_rule_merges_the_same_national_id_and_undo_restores_it(north, users):
    first, second = _twice(north, city="Leeds")
    rule = AutoMergeRuleFactory(name="Same national ID", active=True)
    result = services.duplicates_scan(full=True, by=SYSTEM)
    merge = Merge.objects.get()
    assert merge.rule == rule and merge.by is None and "Same national ID" in merge.reason
    assert merge.survivor == first  # the oldest record keeps its number
    second.refresh_from_db()
    assert second.status == Customer.Status.MERGED and second.merged_into == first
    assert "1 merged automatically" in result.summary()
    assert AuditEvent.objects.filter(action="customer.merge", object_id=str(first.pk)).exists()
    services.merge_undo(merge=merge, by=users["steward"])
    second.refresh_from_db()
    assert second.status == Customer.Status.ACTIVE and second.city == "Leeds"


def test_differing_consents_hold_the_pair_back_for_a_steward(north, default_purposes):
    first, second = _twice(north)
    ConsentRecordFactory(customer=first, purpose=default_purposes["email-marketing"], granted=True)
    ConsentRecordFactory(customer=second, purpose=default_purposes["email-marketing"], granted=False)
    AutoMergeRuleFactory(name="Same e-mail", identifier=AutoMergeRule.Identifier.EMAIL, active=True)
    result = services.duplicates_auto_merge(by=SYSTEM)
    assert not Merge.objects.exists() and len(result.held) == 1
    assert "consents differ" in result.held[0][1]
    assert DuplicateCandidate.objects.open().count() == 1


def test_a_pair_across_teams_goes_to_a_steward_unless_the_rule_allows_it(north, south):
    _twice(north, south)
    rule = AutoMergeRuleFactory(name="Same national ID", active=True)
    assert not services.duplicates_auto_merge(by=SYSTEM).merged
    assert DuplicateCandidate.objects.open().count() == 1
    rule.same_team_only = False
    services.auto_merge_rule_save(instance=rule, by=SYSTEM)
    assert len(services.duplicates_auto_merge(by=SYSTEM).merged) == 1


def test_one_national_id_on_two_sisters_records_is_held_back_however_high_the_score(north):
    # Two sisters whose records carry one national ID by mistake: different given names and birth dates.
    CustomerFactory(team=north, given_name="Ada", family_name="Lovelace", national_id="AB 123 456 C",
                    date_of_birth=D(1985, 4, 12), email="ada@example.com")
    CustomerFactory(team=north, given_name="Anne", family_name="Lovelace", national_id="AB 123 456 C",
                    date_of_birth=D(1990, 8, 1), email="anne@example.com")
    AutoMergeRuleFactory(name="Same national ID", active=True)
    services.duplicates_scan(full=True, by=SYSTEM)
    candidate = DuplicateCandidate.objects.open().get()  # the national ID alone scores it high
    result = services.duplicates_auto_merge(by=SYSTEM)
    assert not result.merged and result.held == [(candidate, "their names disagree")]
    assert not Merge.objects.exists()


def test_a_mobile_rule_needs_the_same_mobile_and_a_threshold_no_lower_than_095(north):
    _twice(north, phone="+44 20 7946 0958")  # another number: the mobile rule does not apply
    AutoMergeRuleFactory(name="Same mobile", identifier=AutoMergeRule.Identifier.PHONE, active=True)
    assert not services.duplicates_auto_merge(by=SYSTEM).merged
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        AutoMergeRuleFactory(name="Too eager", min_score=0.5)
    assert "min_score" in refused.value.message_dict
    assert AuditEvent.objects.filter(action="automergerule.create").count() == 1
