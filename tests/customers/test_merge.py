"""Merging customers and undoing the merge: nothing is lost, nothing is left behind, and undo refuses what would
lose later work."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone

from cdm import access
from cdm.access import SYSTEM
from cdm.errors import NotFound
from cdm.models import AuditEvent
from customers import services
from customers.models import (
    Customer,
    CustomerAttribute,
    DuplicateCandidate,
    MatchProfile,
    Merge,
    Note,
    ServiceRequest,
)
from tests.factories import (
    ActivityFactory,
    AttributeDefinitionFactory,
    ConsentRecordFactory,
    CustomerAttributeFactory,
    CustomerFactory,
    CustomerGrantFactory,
    ExternalIdentityFactory,
    FeedbackFactory,
    NoteFactory,
    OrderFactory,
    ProductHoldingFactory,
    ServiceRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Customer columns a merge and its undo legitimately change: the save stamps and the version.
MOVING_COLUMNS = {"updated_at", "version"}


def related_rows(customer_ids) -> dict:
    """Every row pointing at these customers, from every model that points at Customer (found here from
    Django's own metadata, independently of the code under test), as {(model, pk): {column: value}}."""
    out = {}
    for rel in Customer._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and rel.is_relation) or rel.many_to_many:
            continue
        model = rel.related_model
        if hasattr(model, "instance_type") or model in (MatchProfile, Merge) or model._meta.auto_created is Merge:
            continue  # history stays with its id, profiles are derived, the merge's own record stays
        for row in models.QuerySet(model=model).filter(**{f"{rel.field.attname}__in": customer_ids}).values():
            out[(model._meta.label, row[model._meta.pk.attname])] = row
    return out


def customer_rows(customer_ids) -> dict:
    return {row["id"]: {k: v for k, v in row.items() if k not in MOVING_COLUMNS}
            for row in Customer.objects.filter(pk__in=customer_ids).values()}


def everything(customers) -> tuple:
    ids = [c.pk for c in customers]
    return related_rows(ids), customer_rows(ids)


def fill(customer, n=1):
    """One of every kind of row a customer can have."""
    for _ in range(n):
        OrderFactory(customer=customer)
        ActivityFactory(customer=customer)
        NoteFactory(customer=customer)
        ServiceRequestFactory(customer=customer)
        FeedbackFactory(customer=customer)
    ProductHoldingFactory(customer=customer)
    ExternalIdentityFactory(customer=customer)
    ConsentRecordFactory(customer=customer, granted=True)
    return customer


def held_by(customer) -> dict:
    """Rows per model hanging off `customer` (pairs of duplicate candidates are not the customer's rows)."""
    rows = related_rows([customer.pk])
    counts = {}
    for model, _pk in rows:
        if model in ("customers.DuplicateCandidate", "customers.Customer"):  # pairs; records merged into it
            continue
        counts[model] = counts.get(model, 0) + 1
    return counts


def reload(*customers):
    return [Customer.objects.get(pk=c.pk) for c in customers]


@pytest.fixture
def steward(users):
    return users["steward"]


def test_two_way_merge_moves_every_row_and_undo_puts_every_row_back(steward, north):
    a = fill(CustomerFactory(team=north, family_name="Lovelace"), n=2)
    b = fill(CustomerFactory(team=north, family_name="Lovelace"))
    CustomerGrantFactory(customer=b, action="view", user=UserFactory())
    # The pair may already be open: two Lovelaces of random birth dates and addresses can match at creation.
    DuplicateCandidate.objects.update_or_create(customer_a=a, customer_b=b, defaults={
        "score": 0.97, "weight": 9.0, "cluster": a.pk, "scored_at": timezone.now(), "status": "open"})
    before = everything([a, b])
    held_a, held_b = held_by(a), held_by(b)

    merge = services.customers_merge(survivor=a, absorbed=[b], by=steward, reason="same person, checked by phone")

    a, b = reload(a, b)
    assert held_by(b) == {}
    assert held_by(a) == {m: held_a.get(m, 0) + held_b.get(m, 0) for m in set(held_a) | set(held_b)}
    assert (b.status, b.merged_into_id) == ("merged", a.pk)
    assert b.history.first().history_change_reason == f"Merged into {a.customer_number}"
    assert a.history.first().history_change_reason.startswith(f"Merged 2 records: {b.customer_number} into")
    assert not MatchProfile.objects.filter(customer=b).exists() and MatchProfile.objects.filter(customer=a).exists()
    assert DuplicateCandidate.objects.get().status == "merged"
    event = AuditEvent.objects.get(action="customer.merge")
    assert event.actor == steward and b.customer_number in event.reason and "checked by phone" in event.reason

    result = services.merge_undo(merge=merge, by=steward, reason="not the same person after all")

    assert everything([a, b]) == before
    a, b = reload(a, b)
    assert (b.status, b.merged_into_id) == ("active", None)
    assert "undone" in b.history.first().history_change_reason and "undone" in a.history.first().history_change_reason
    assert MatchProfile.objects.filter(customer=b).exists()
    assert Merge.objects.get().status == "undone" and result.kept_fields == []
    assert AuditEvent.objects.filter(action="customer.merge_undo", actor=steward).count() == 1


def test_three_way_merge_and_its_undo_restore_all_three(steward, north):
    a, b, c = (fill(CustomerFactory(team=north)) for _ in range(3))
    before = everything([a, b, c])

    merge = services.customers_merge(survivor=b, absorbed=[a, c], by=steward)

    assert {m.pk for m in merge.absorbed.all()} == {a.pk, c.pk}
    assert held_by(a) == held_by(c) == {}
    assert held_by(b)["customers.Order"] == 3
    services.merge_undo(merge=merge, by=steward)
    assert everything([a, b, c]) == before


def test_the_survivor_keeps_its_number_and_the_absorbed_number_leads_to_it(steward, north, client):
    a, b = CustomerFactory(team=north), CustomerFactory(team=north)
    number = a.customer_number
    services.customers_merge(survivor=a, absorbed=[b], by=steward)
    assert Customer.objects.get(pk=a.pk).customer_number == number
    client.force_login(steward)
    response = client.get(b.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == a.get_absolute_url()


def test_a_consent_difference_must_be_acknowledged(steward, north):
    a = CustomerFactory(team=north)
    b = CustomerFactory(team=north)
    ConsentRecordFactory(customer=a, granted=True)
    ConsentRecordFactory(customer=b, granted=False)
    plan = services.merge_plan(survivor=a, absorbed=[b], by=steward)
    assert plan.consent_differences == ["E-mail marketing"]
    with pytest.raises(ValidationError) as refused:
        services.customers_merge(survivor=a, absorbed=[b], by=steward)
    assert "acknowledge_consent_difference" in refused.value.message_dict
    assert Customer.objects.get(pk=b.pk).status == "active" and not Merge.objects.exists()

    services.customers_merge(survivor=a, absorbed=[b], by=steward, acknowledge_consent_difference=True)
    assert Customer.objects.get(pk=a.pk).consent_records.count() == 2  # moved unchanged; the latest counts


def test_a_typed_attribute_on_both_records_is_resolved_as_chosen_and_back_on_undo(steward, north):
    industry = AttributeDefinitionFactory(label="Industry")
    a, b = CustomerFactory(team=north), CustomerFactory(team=north)
    CustomerAttributeFactory(customer=a, definition=industry, value="Retail")
    CustomerAttributeFactory(customer=b, definition=industry, value="Banking")
    before = everything([a, b])
    plan = services.merge_plan(survivor=a, absorbed=[b], by=steward)
    [conflict] = plan.conflicts
    assert conflict.holders == sorted([a.pk, b.pk]) and conflict.default == b.pk  # the most recently updated
    assert "customers.customerattribute" not in plan.moves  # b's value replaces a's; b's row itself stays

    merge = services.customers_merge(survivor=a, absorbed=[b], by=steward, resolutions={conflict.key: b.pk})

    assert CustomerAttribute.objects.get(customer=a).value_text == "Banking"
    assert CustomerAttribute.objects.get(customer=b).value_text == "Banking"  # stays on the absorbed record
    assert merge.snapshot["replaced"][0]["before"]["value_text"] == "Retail"
    services.merge_undo(merge=merge, by=steward)
    assert everything([a, b]) == before


def test_the_survivor_may_keep_its_own_attribute(steward, north):
    industry = AttributeDefinitionFactory(label="Industry")
    a, b = CustomerFactory(team=north), CustomerFactory(team=north)
    CustomerAttributeFactory(customer=a, definition=industry, value="Retail")
    CustomerAttributeFactory(customer=b, definition=industry, value="Banking")
    key = services.merge_plan(survivor=a, absorbed=[b], by=steward).conflicts[0].key
    services.customers_merge(survivor=a, absorbed=[b], by=steward, resolutions={key: a.pk})
    assert CustomerAttribute.objects.get(customer=a).value_text == "Retail"
    assert CustomerAttribute.objects.get(customer=b).value_text == "Banking"


def test_the_plan_shows_differing_fields_with_defaults_and_never_a_sensitive_value(steward, north):
    old = CustomerFactory(team=north, given_name="Ada", company="", national_id="AB 123 456 C")
    new = CustomerFactory(team=north, given_name="Adah", company="Analytical Engines", national_id="ZX 999 999 Z")
    OrderFactory(customer=new)
    plan = services.merge_plan(absorbed=[new, old], by=steward)
    assert plan.survivor.pk == old.pk  # the oldest, none verified
    fields = {f.unit: f for f in plan.fields}
    assert fields["company"].default == new.pk and fields["company"].reason == "the only record with a value"
    assert fields["given_name"].values == {old.pk: "Ada", new.pk: "Adah"}
    assert fields["national_id"].values == {old.pk: "(set)", new.pk: "(set)"}
    assert "AB 123" not in repr(plan.fields)
    assert plan.moves["customers.order"] == 1


def test_a_verified_e_mail_wins_and_makes_its_record_the_default_survivor(steward, north):
    first = CustomerFactory(team=north, email="ada@old.example")
    second = CustomerFactory(team=north, email="ada@new.example")
    second.email_verified_at = timezone.now()
    services.customer_bulk_update(customers=[second], fields=["email_verified_at"], by=SYSTEM, reason="verified")
    first, second = reload(first, second)
    assert services.merge_default_survivor([first, second]).pk == second.pk
    plan = services.merge_plan(survivor=first, absorbed=[second], by=steward)
    email = next(f for f in plan.fields if f.unit == "email")
    assert (email.default, email.reason) == (second.pk, "verified")
    services.customers_merge(survivor=first, absorbed=[second], by=steward)
    first = Customer.objects.get(pk=first.pk)
    assert first.email == "ada@new.example" and first.email_verified_at is not None


def test_chosen_values_go_to_the_survivor_and_come_back_on_undo(steward, north):
    a = CustomerFactory(team=north, given_name="Ada", annual_income="85000.00")
    b = CustomerFactory(team=north, given_name="Augusta", annual_income="91000.00")
    merge = services.customers_merge(survivor=a, absorbed=[b], by=SYSTEM,
                                     choices={"given_name": b.pk, "annual_income": b.pk})
    a = Customer.objects.get(pk=a.pk)
    assert (a.given_name, a.annual_income) == ("Augusta", Decimal("91000.00"))
    assert "85000" not in str(merge.snapshot)  # the previous sensitive value is sealed
    services.merge_undo(merge=merge, by=steward)
    a = Customer.objects.get(pk=a.pk)
    assert (a.given_name, a.annual_income) == ("Ada", Decimal("85000.00"))


def test_undo_after_a_later_edit_of_the_survivor_keeps_the_edit(steward, north):
    a = CustomerFactory(team=north, given_name="Ada", job_title="")
    b = CustomerFactory(team=north, given_name="Augusta")
    merge = services.customers_merge(survivor=a, absorbed=[b], by=steward, choices={"given_name": b.pk})
    a = Customer.objects.get(pk=a.pk)
    a = services.customer_update(customer=a, by=steward, version=a.version, job_title="Countess")
    a = services.customer_update(customer=a, by=steward, version=a.version, given_name="Augusta Ada")

    result = services.merge_undo(merge=merge, by=steward)

    a, b = reload(a, b)
    assert b.status == "active"
    assert (a.given_name, a.job_title) == ("Augusta Ada", "Countess")
    assert result.kept_fields == ["given_name"] and "given name" in result.messages[0]


@pytest.mark.parametrize("edit", ["request", "note", "deleted"])
def test_undo_is_refused_after_a_moved_row_was_edited_or_deleted(steward, north, edit):
    a, b = CustomerFactory(team=north), CustomerFactory(team=north)
    request, note = ServiceRequestFactory(customer=b), NoteFactory(customer=b)
    merge = services.customers_merge(survivor=a, absorbed=[b], by=steward)
    if edit == "request":
        services.service_request_update(request=ServiceRequest.objects.get(pk=request.pk), by=steward,
                                        priority="urgent")
    elif edit == "note":
        Note.objects.filter(pk=note.pk).update(body="Edited after the merge")
    else:
        Note.objects.filter(pk=note.pk).delete()
    with pytest.raises(ValidationError) as refused:
        services.merge_undo(merge=merge, by=steward)
    assert refused.value.error_dict["merge"][0].code == "unsafe_undo"
    assert Customer.objects.get(pk=b.pk).status == "merged" and Merge.objects.get().status == "done"


def test_undo_is_refused_after_the_absorbed_record_was_erased(steward, north):
    a, b = CustomerFactory(team=north), CustomerFactory(team=north)
    merge = services.customers_merge(survivor=a, absorbed=[b], by=steward)
    b = Customer.objects.get(pk=b.pk)
    b.status = Customer.Status.ERASED
    b.merged_into = None
    services.customer_bulk_update(customers=[b], fields=["status", "merged_into"], by=SYSTEM, reason="erased")
    with pytest.raises(ValidationError) as refused:
        services.merge_undo(merge=merge, by=steward)
    assert refused.value.error_dict["merge"][0].code == "unsafe_undo"
    assert "erased" in refused.value.messages[0]


def test_undo_waits_for_a_later_merge_of_the_survivor(steward, north):
    a, b, c = (CustomerFactory(team=north) for _ in range(3))
    first = services.customers_merge(survivor=a, absorbed=[b], by=steward)
    second = services.customers_merge(survivor=c, absorbed=[a], by=steward)
    with pytest.raises(ValidationError, match="undo that merge first"):
        services.merge_undo(merge=first, by=steward)
    # b, merged earlier into a, now leads to c directly, and back to a when the second merge is undone.
    assert Customer.objects.get(pk=b.pk).merged_into_id == c.pk
    services.merge_undo(merge=second, by=steward)
    assert Customer.objects.get(pk=b.pk).merged_into_id == a.pk
    services.merge_undo(merge=first, by=steward)
    assert {c.status for c in reload(a, b, c)} == {"active"}


def test_records_that_cannot_be_merged_are_refused(steward, north):
    a, b = CustomerFactory(team=north), CustomerFactory(team=north)
    with pytest.raises(ValidationError, match="at least two"):
        services.customers_merge(survivor=a, absorbed=[], by=steward)
    with pytest.raises(ValidationError, match="cannot also be absorbed"):
        services.customers_merge(survivor=a, absorbed=[a, b], by=steward)
    services.customers_merge(survivor=a, absorbed=[b], by=steward)
    c = CustomerFactory(team=north)
    with pytest.raises(ValidationError, match="merged: only active or archived"):
        services.customers_merge(survivor=c, absorbed=[b], by=steward)


def test_an_agent_may_not_merge(users, north):
    a, b = CustomerFactory(team=north), CustomerFactory(team=north)
    with pytest.raises(PermissionDenied):
        services.customers_merge(survivor=a, absorbed=[b], by=users["agent"])
    assert Customer.objects.get(pk=b.pk).status == "active"


def test_a_steward_without_the_change_right_on_one_record_finds_no_such_record(users, north, south):
    team_steward = UserFactory(roles=[access.CUSTOMER_SERVICE], teams=[north])
    team_steward.user_permissions.add(Permission.objects.get(codename="merge_customers"))
    mine, theirs = CustomerFactory(team=north), CustomerFactory(team=south)
    with pytest.raises(NotFound):
        services.customers_merge(survivor=mine, absorbed=[theirs], by=team_steward)
    assert Customer.objects.get(pk=theirs.pk).status == "active"
    merge = services.customers_merge(survivor=mine, absorbed=[CustomerFactory(team=north)], by=team_steward)
    assert merge.by == team_steward
    other = services.customers_merge(survivor=theirs, absorbed=[CustomerFactory(team=south)], by=users["steward"])
    with pytest.raises(NotFound):
        services.merge_undo(merge=other, by=team_steward)


def test_no_cap_on_the_number_of_records(steward, north):
    survivor = CustomerFactory(team=north, created_at=timezone.now() - datetime.timedelta(days=30))
    others = [CustomerFactory(team=north) for _ in range(12)]
    merge = services.customers_merge(survivor=survivor, absorbed=others, by=steward)
    assert merge.absorbed.count() == 12
    services.merge_undo(merge=merge, by=steward)
    assert Customer.objects.filter(status="active").count() == 13
