"""merge_undo: put every record and row back where a merge found them, or refuse and say why."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from cdm import access
from cdm.errors import NotFound
from cdm.services import audit_record
from cdm.use_cases import use_case
from customers.identity.profiles import refresh_profile
from customers.identity.scan import recluster_around
from customers.models import Customer, DuplicateCandidate, Merge
from customers.normalize import search_name_for
from customers.services.base import _save_with_history
from customers.services.customers import customer_bulk_update
from customers.services.webhooks import customer_event_record
from customers.services.merge import relations as rel
from customers.services.merge.apply import note_versions
from customers.services.merge.plan import MERGE_PERM, UNITS, refused
from customers.services.merge.values import fingerprint, loaded

MAX_NAMED = 5  # rows named in a refusal; the count says the rest


@dataclass
class MergeUndoResult:
    merge: Merge
    restored: list[Customer]
    kept_fields: list[str] = field(default_factory=list)  # survivor's fields edited since: the later value stays
    messages: list[str] = field(default_factory=list)


def _field_name(attname: str) -> str:
    return next(f.name for f in Customer._meta.concrete_fields if f.attname == attname)


def _unsafe(message: str):
    return refused({"merge": message}, code="unsafe_undo")


def _relation(label: str, attname: str) -> rel.Relation:
    for relation in rel.customer_relations():
        if relation.label == label and relation.field == attname:
            return relation
    model = apps.get_model(label)
    return rel.Relation(model=model, field=attname, unique_with=())


def _check_rows(snapshot: dict) -> None:
    problems = []
    for label, by_field in snapshot["rows"].items():
        for attname, rows in by_field.items():
            relation = _relation(label, attname)
            now = rel.raw_values(relation, [pk for pk, _old, _digest in rows])
            name = relation.model._meta.verbose_name
            for pk, _old, digest in rows:
                if pk not in now:
                    problems.append(_("%(model)s %(pk)s was deleted") % {"model": name, "pk": pk})
                elif rel.digest(now[pk]) != digest:
                    problems.append(_("%(model)s %(pk)s was changed") % {"model": name, "pk": pk})
    for item in snapshot["replaced"]:
        relation = next(r for r in rel.customer_relations() if r.label == item["model"])
        now = rel.raw_values(relation, [item["pk"]])
        if item["pk"] not in now or rel.digest(now[item["pk"]]) != item["digest"]:
            problems.append(_("%(model)s %(pk)s (kept from a conflict) was changed or deleted") % {
                "model": relation.model._meta.verbose_name, "pk": item["pk"]})
    if problems:
        more = len(problems) - MAX_NAMED
        listed = "; ".join(problems[:MAX_NAMED]) + (_(" and %(n)d more") % {"n": more} if more > 0 else "")
        raise _unsafe(_("Rows that moved in this merge were edited or deleted since (%(rows)s): undoing it would "
                        "lose those edits. Nothing was changed.") % {"rows": listed})


def _check_records(merge: Merge, survivor: Customer, absorbed: list[Customer]) -> None:
    if survivor.status == Customer.Status.MERGED:
        into = Customer.objects.filter(pk=survivor.merged_into_id).values_list("customer_number", flat=True).first()
        raise _unsafe(_("%(survivor)s was itself merged into %(into)s later: undo that merge first.") % {
            "survivor": survivor.customer_number, "into": into or "?"})
    if survivor.status == Customer.Status.ERASED:
        raise _unsafe(_("%(survivor)s was erased: the merge cannot be undone.") % {"survivor": survivor.customer_number})
    versions = merge.snapshot["absorbed_versions"]
    for customer in absorbed:
        if customer.status == Customer.Status.ERASED:
            raise _unsafe(_("%(number)s was erased since the merge: it cannot be restored.") % {
                "number": customer.customer_number})
        if (customer.status != Customer.Status.MERGED or customer.merged_into_id != survivor.pk
                or customer.version != versions[str(customer.pk)]):
            raise _unsafe(_("%(number)s was changed since the merge: undo would overwrite that change.") % {
                "number": customer.customer_number})
    for pk, _old, version in merge.snapshot["repointed"]:
        current = Customer.objects.filter(pk=pk).values_list("merged_into_id", "version").first()
        if current != (survivor.pk, version):
            raise _unsafe(_("A record merged earlier into one of these was changed since: undo would overwrite it."))


def _restore_rows(snapshot: dict) -> None:
    for label, by_field in snapshot["rows"].items():
        for attname, rows in by_field.items():
            relation = _relation(label, attname)
            back: dict[int, list[int]] = {}
            for pk, old, _digest in rows:
                back.setdefault(old, []).append(pk)
            for old, pks in back.items():
                rel.move(relation, pks, old)
    for item in snapshot["replaced"]:
        relation = next(r for r in rel.customer_relations() if r.label == item["model"])
        values = {}
        for attname, value in item["before"].items():
            f = next(f for f in relation.model._meta.concrete_fields if f.attname == attname)
            values[attname] = value if f.is_relation or f.get_internal_type() == "JSONField" else f.to_python(value)
        relation.rows().filter(pk=item["pk"]).update(**values)


def _restore_candidates(snapshot: dict) -> None:
    saved = snapshot["candidates"]
    for pair in saved["merged"]:
        DuplicateCandidate.objects.filter(pk=pair["pk"]).update(
            status=pair["status"], decided_at=pair["decided_at"], decided_by_id=pair["decided_by_id"], note=pair["note"])
    fields = {f.attname: f for f in DuplicateCandidate._meta.concrete_fields}
    for row in saved["withdrawn"]:
        if DuplicateCandidate.objects.filter(customer_a_id=row["customer_a_id"], customer_b_id=row["customer_b_id"]).exists():
            continue  # a scan raised the pair again meanwhile: that one stands
        values = {k: (v if fields[k].is_relation or k in ("levels", "reasons") else fields[k].to_python(v))
                  for k, v in row.items()}
        candidate = DuplicateCandidate(**values)
        candidate.save(force_insert=True)
        # auto_now_add rewrote it: the pair was detected when it was, not now.
        DuplicateCandidate.objects.filter(pk=candidate.pk).update(detected_at=values["detected_at"])
    if saved["merged"] or saved["withdrawn"]:
        merged_ids = DuplicateCandidate.objects.filter(pk__in=[p["pk"] for p in saved["merged"]]).values_list(
            "customer_a_id", "customer_b_id")
        recluster_around({*(x for pair in merged_ids for x in pair),
                          *(x for row in saved["withdrawn"] for x in (row["customer_a_id"], row["customer_b_id"]))})


def _restore_survivor(survivor: Customer, snapshot: dict, by, text: str) -> list[str]:
    changes = snapshot["survivor_fields"]
    edited = {a for a, change in changes.items() if fingerprint(survivor, a) != change["after"]}
    # A unit goes back whole or not at all: an e-mail edited since keeps its own verification.
    unit_of = {a: unit for unit, attnames in UNITS.items() for a in attnames}
    edited_units = {unit_of.get(a, a) for a in edited}
    kept = []
    for attname, change in changes.items():
        if unit_of.get(attname, attname) in edited_units:
            kept.append(attname)  # edited since the merge: the later value stays
            continue
        setattr(survivor, attname, loaded(attname, change["before"]))
    survivor.search_name = search_name_for(survivor.given_name, survivor.family_name)
    survivor.version += 1
    _save_with_history(survivor, by=by, reason=text)
    return kept


@use_case
def merge_undo(*, merge: Merge, by, reason: str = "") -> MergeUndoResult:
    """Undo `merge` exactly, or refuse (ValidationError code "unsafe_undo") when that would lose later work."""
    if not by.has_perm(MERGE_PERM):
        raise PermissionDenied(_("You do not have permission to undo merges."))
    merge = Merge.objects.select_for_update().filter(pk=merge.pk).first()
    if merge is None:
        raise NotFound()
    ids = [merge.survivor_id, *merge.absorbed.order_by("pk").values_list("pk", flat=True)]
    found = {c.pk: c for c in Customer.objects.restrict(by, "change").select_for_update().filter(pk__in=ids)}
    if any(pk not in found for pk in ids):
        raise NotFound()
    if merge.status != Merge.Status.DONE:
        raise refused({"merge": _("This merge was already undone.")}, code="undone")
    survivor, absorbed = found[ids[0]], [found[pk] for pk in ids[1:]]
    snapshot = merge.snapshot
    _check_records(merge, survivor, absorbed)
    _check_rows(snapshot)

    with rel.reparenting():
        _restore_rows(snapshot)
    numbers = ", ".join(c.customer_number for c in absorbed)
    text = _("Merge of %(numbers)s into %(survivor)s undone") % {"numbers": numbers,
                                                                 "survivor": survivor.customer_number}
    text = f"{text}. {reason}" if reason else text
    if snapshot["repointed"]:
        earlier = list(Customer.objects.filter(pk__in=[pk for pk, _o, _v in snapshot["repointed"]]).order_by("pk"))
        old = {pk: o for pk, o, _v in snapshot["repointed"]}
        for c in earlier:
            c.merged_into_id = old[c.pk]
        customer_bulk_update(customers=earlier, fields=["merged_into"], by=by, reason=text)
        note_versions(earlier)
    restored_fields = {"status", "merged_into"}
    for customer in absorbed:
        for attname, value in snapshot["absorbed"][str(customer.pk)].items():
            value = loaded(attname, value)
            if getattr(customer, attname) != value:
                setattr(customer, attname, value)
                restored_fields.add(_field_name(attname))
    customer_bulk_update(customers=absorbed, fields=sorted(restored_fields), by=by, reason=text)
    kept = _restore_survivor(survivor, snapshot, by, text)
    _restore_candidates(snapshot)
    for customer in (survivor, *absorbed):
        refresh_profile(customer)

    merge.status = Merge.Status.UNDONE
    merge.undone_by = access.user_or_none(by)
    merge.undone_at = timezone.now()
    merge.save(update_fields=["status", "undone_by", "undone_at"])
    audit_record(by=by, action="customer.merge_undo", obj=survivor, fields=kept, reason=text)
    customer_event_record("customer.unmerged", survivor, data={"restored": [c.customer_number for c in absorbed]})
    messages = [_("%(field)s was edited after the merge: the later value stays.") % {
        "field": Customer._meta.get_field(_field_name(a)).verbose_name} for a in kept]
    return MergeUndoResult(merge=merge, restored=absorbed, kept_fields=kept, messages=messages)
