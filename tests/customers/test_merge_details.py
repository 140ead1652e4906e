"""Merge details: what keeps leading to the survivor, candidate pairs, archived records, consent evidence."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdm import access
from cdm.access import SYSTEM
from cdm.models import AppendOnlyError
from consent.models import ConsentRecord
from customers import selectors, services
from customers.identity.scan import recluster
from customers.models import Customer, DuplicateCandidate, ExternalIdentity
from tests.customers.test_merge import everything, held_by
from tests.factories import (
    ActivityFactory,
    ArchivedCustomerFactory,
    ConsentRecordFactory,
    CustomerFactory,
    ExternalIdentityFactory,
    NoteFactory,
    OrderFactory,
    ServiceRequestFactory,
    UserFactory,
    candidate_set,
)

pytestmark = pytest.mark.django_db


def _pair(x, y, score=0.9):
    a, b = sorted([x.pk, y.pk])
    return candidate_set(customer_a_id=a, customer_b_id=b, score=score, weight=5.0, cluster=a,
                         scored_at=timezone.now())


def test_the_absorbed_number_e_mail_phone_and_external_id_lead_to_the_survivor(users, north):
    steward = users["steward"]
    a = CustomerFactory(team=north, email="ada@example.com", phone="+1 202 555 0101")
    b = CustomerFactory(team=north, email="augusta@example.com", phone="+1 202 555 0102")
    link = ExternalIdentityFactory(customer=b, system="crm", external_id="CRM-42")
    services.customers_merge(survivor=a, absorbed=[b], by=steward, choices={"email": a.pk, "phone": a.pk})
    for value in (b.customer_number, "Augusta@Example.com", "(202) 555-0102", "+12025550102"):
        assert selectors.customer_resolve(user=steward, value=value) == a, value
    assert ExternalIdentity.objects.get(pk=link.pk).customer_id == a.pk
    assert selectors.customer_resolve(user=users["agent-south"], value=b.customer_number) is None  # not theirs


def test_pairs_with_a_third_customer_are_withdrawn_and_come_back_on_undo(users, north):
    steward = users["steward"]
    a, b, c = (CustomerFactory(team=north) for _ in range(3))
    between, third = _pair(a, b, 0.98), _pair(b, c, 0.7)
    recluster()  # as the scan leaves them: one cluster
    before = everything([a, b, c])

    merge = services.customers_merge(survivor=a, absorbed=[b], by=steward)

    assert DuplicateCandidate.objects.get(pk=between.pk).status == "merged"
    assert DuplicateCandidate.objects.get(pk=between.pk).decided_by == steward
    assert not DuplicateCandidate.objects.filter(pk=third.pk).exists()
    services.merge_undo(merge=merge, by=steward)
    assert everything([a, b, c]) == before


def test_an_archived_record_is_archived_again_after_undo(users, north):
    steward = users["steward"]
    a, b = CustomerFactory(team=north), ArchivedCustomerFactory(team=north)
    merge = services.customers_merge(survivor=a, absorbed=[b], by=steward)
    services.merge_undo(merge=merge, by=steward)
    assert Customer.objects.get(pk=b.pk).status == "archived"
    with pytest.raises(ValidationError) as again:
        services.merge_undo(merge=merge, by=steward)
    assert again.value.error_dict["merge"][0].code == "undone"


def test_consent_evidence_moves_unchanged_and_stays_append_only(users, north):
    a, b = CustomerFactory(team=north), CustomerFactory(team=north)
    record = ConsentRecordFactory(customer=b, granted=True)
    stored = {k: v for k, v in ConsentRecord.objects.filter(pk=record.pk).values().get().items() if k != "customer_id"}
    services.customers_merge(survivor=a, absorbed=[b], by=users["steward"], acknowledge_consent_difference=True)
    moved = ConsentRecord.objects.filter(pk=record.pk).values().get()
    assert moved.pop("customer_id") == a.pk and moved == stored
    with pytest.raises(AppendOnlyError):
        ConsentRecord.objects.filter(pk=record.pk).update(customer=b)
    if connection.vendor == "postgresql":  # the trigger: outside a merge, not even the customer may change
        with pytest.raises(DatabaseError), transaction.atomic():
            models.QuerySet(model=ConsentRecord).filter(pk=record.pk).update(customer_id=b.pk)
    with pytest.raises(DatabaseError), transaction.atomic():
        models.QuerySet(model=ConsentRecord).filter(pk=record.pk).update(note="rewritten")


def test_an_unknown_choice_names_the_field(users, north):
    a, b = CustomerFactory(team=north, given_name="Ada"), CustomerFactory(team=north, given_name="Augusta")
    with pytest.raises(ValidationError) as refused:
        services.customers_merge(survivor=a, absorbed=[b], by=SYSTEM, choices={"given_name": 999_999})
    assert "choices" in refused.value.message_dict
    assert Customer.objects.get(pk=b.pk).status == "active"


# Rows each kind of factory adds, drawn per record; the property: merge then undo leaves every row as it was.
_KINDS = {"order": OrderFactory, "activity": ActivityFactory, "note": NoteFactory, "request": ServiceRequestFactory,
          "consent": ConsentRecordFactory}


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(records=st.lists(st.fixed_dictionaries({k: st.integers(0, 2) for k in _KINDS}), min_size=2, max_size=4),
       survivor_index=st.integers(0, 3))
def test_any_merge_then_undo_leaves_every_row_as_it_was(users, north, records, survivor_index):
    customers = []
    for kinds in records:
        customer = CustomerFactory(team=north)
        for kind, n in kinds.items():
            for _ in range(n):
                _KINDS[kind](customer=customer)
        customers.append(customer)
    before = everything(customers)
    survivor = customers[survivor_index % len(customers)]
    absorbed = [c for c in customers if c.pk != survivor.pk]
    merge = services.customers_merge(survivor=survivor, absorbed=absorbed, by=users["steward"],
                                     acknowledge_consent_difference=True)
    assert all(held_by(c) == {} for c in absorbed)
    services.merge_undo(merge=merge, by=users["steward"])
    assert everything(customers) == before


def test_choosing_a_value_other_than_the_default_needs_the_right_to_edit_that_field(north):
    team_steward = UserFactory(roles=[access.CUSTOMER_SERVICE], teams=[north])
    team_steward.user_permissions.add(Permission.objects.get(codename="merge_customers"))
    a = CustomerFactory(team=north, family_name="Lovelace", lifecycle_stage="lead", national_id="AB 123 456 C")
    b = CustomerFactory(team=north, family_name="Byron", lifecycle_stage="customer", national_id="ZX 999 999 Z")
    plan = services.merge_plan(survivor=a, absorbed=[b], by=team_steward)
    defaults = plan.defaults
    other = {u: (a.pk if d == b.pk else b.pk) for u, d in defaults.items()}
    for unit in ("national_id", "lifecycle_stage"):  # sensitive; governance (agents edit neither)
        with pytest.raises(ValidationError) as refused:
            services.customers_merge(survivor=a, absorbed=[b], by=team_steward, choices={unit: other[unit]})
        assert "choices" in refused.value.message_dict
    services.customers_merge(survivor=a, absorbed=[b], by=team_steward, choices={"family_name": other["family_name"]})


def test_an_e_mail_edited_after_the_merge_keeps_its_own_verification_on_undo(users, north):
    steward = users["steward"]
    a = CustomerFactory(team=north, email="ada@old.example")
    b = CustomerFactory(team=north, email="ada@new.example")
    b.email_verified_at = timezone.now()
    services.customer_bulk_update(customers=[b], fields=["email_verified_at"], by=SYSTEM, reason="verified")
    merge = services.customers_merge(survivor=a, absorbed=[b], by=steward, choices={"email": b.pk})
    a = Customer.objects.get(pk=a.pk)
    assert a.email_verified_at is not None
    services.customer_update(customer=a, by=steward, version=a.version, email="ada@newest.example")
    verified_after_edit = Customer.objects.get(pk=a.pk).email_verified_at
    result = services.merge_undo(merge=merge, by=steward)
    a = Customer.objects.get(pk=a.pk)
    assert a.email == "ada@newest.example" and {"email", "email_verified_at"} <= set(result.kept_fields)
    assert a.email_verified_at == verified_after_edit  # not the survivor's verification of its old address
