"""customers_merge: two or more customers become one, with a snapshot that lets merge_undo put everything back."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from cdm import access
from cdm.services import audit_record
from cdm.use_cases import use_case
from customers.identity.profiles import refresh_profile
from customers.identity.scan import recluster_around
from customers.models import Customer, DuplicateCandidate, Merge
from customers.normalize import search_name_for
from customers.services.base import _full_clean, _save_with_history
from customers.services.customers import customer_bulk_update
from customers.services.webhooks import customer_event_record
from customers.services.merge import relations as rel
from customers.services.merge.plan import (
    UNITS,
    MergePlan,
    build_plan,
    check_records,
    load_records,
    policy_field,
    refused,
)
from customers.services.merge.values import customer_values, fingerprint, jsonable, stored

CANDIDATE_FIELDS = ("status", "decided_at", "decided_by_id", "note")


def _merge_reason(survivor: Customer, absorbed: list[Customer], reason: str) -> str:
    numbers = ", ".join(c.customer_number for c in absorbed)
    text = _("Merged %(n)d records: %(numbers)s into %(survivor)s") % {
        "n": len(absorbed) + 1, "numbers": numbers, "survivor": survivor.customer_number}
    return f"{text}. {reason}" if reason else text


def _checked_choices(plan: MergePlan, choices: dict | None, by) -> dict[str, int]:
    ids = {c.pk for c in plan.records}
    units = {f.unit: f for f in plan.fields}
    chosen = plan.defaults
    editable = set(access.customer_fields(by, "edit")) if by is not access.SYSTEM else set()
    errors = []
    for unit, customer_id in (choices or {}).items():
        if unit not in units:
            errors.append(_("%(field)s: nothing to choose (the records agree, or you may not see it).") % {"field": unit})
            continue
        try:
            customer_id = int(customer_id)
        except (TypeError, ValueError):
            customer_id = None
        if customer_id not in ids:
            errors.append(_("%(field)s: choose one of the merged records.") % {"field": unit})
            continue
        # The default needs no edit right (the merge itself is the steward's right); another choice is an edit.
        if customer_id != units[unit].default and by is not access.SYSTEM and policy_field(unit) not in editable:
            errors.append(_("%(field)s: your role may not change this field.") % {"field": unit})
            continue
        chosen[unit] = customer_id
    if errors:
        raise refused({"choices": errors}, code="invalid_choice")
    return chosen


def _checked_resolutions(plan: MergePlan, resolutions: dict | None) -> dict[str, int]:
    conflicts = {c.key: c for c in plan.conflicts}
    resolved = {c.key: c.default for c in plan.conflicts}
    for key, customer_id in (resolutions or {}).items():
        if key not in conflicts or int(customer_id) not in conflicts[key].holders:
            raise refused({"resolutions": _("%(key)s: choose one of the records holding it.") % {"key": key}},
                                  code="invalid_resolution")
        resolved[key] = int(customer_id)
    return resolved


def _resolve_conflicts(plan: MergePlan, resolved: dict[str, int]) -> tuple[set[tuple[str, int]], list[dict]]:
    """Which absorbed rows stay where they are, and the survivor's rows whose contents a winner replaced."""
    survivor = plan.survivor.pk
    relations = {r.label: r for r in rel.customer_relations()}
    staying: set[tuple[str, int]] = set()
    replaced = []
    for conflict in plan.conflicts:
        relation = relations[conflict.model]
        winner = resolved[conflict.key]
        for customer_id, pk in conflict.rows.items():
            if customer_id != survivor and not (customer_id == winner and survivor not in conflict.rows):
                staying.add((relation.label, pk))
        if survivor in conflict.rows and winner != survivor:
            keep = {relation.model._meta.pk.attname, relation.field} | {a for s in relation.unique_with for a in s}
            content = [c for c in relation.columns if c not in keep]
            target, source = conflict.rows[survivor], conflict.rows[winner]
            before = relation.rows().filter(pk=target).values(*content).get()
            relation.rows().filter(pk=target).update(**relation.rows().filter(pk=source).values(*content).get())
            replaced.append({"key": conflict.key, "model": relation.label, "pk": target, "winner": winner,
                             "before": jsonable(before),
                             "digest": rel.digest(rel.raw_values(relation, [target])[target])})
    return staying, replaced


def _move_rows(absorbed_ids: list[int], survivor_id: int, staying: set) -> dict:
    moved = {}
    for relation in rel.customer_relations():
        rows = [(pk, cid) for pk, cid, *_u in rel.rows_of(relation, absorbed_ids) if (relation.label, pk) not in staying]
        if not rows:
            continue
        rel.move(relation, [pk for pk, _c in rows], survivor_id)
        after = rel.raw_values(relation, [pk for pk, _c in rows])
        moved.setdefault(relation.label, {})[relation.field] = [[pk, cid, rel.digest(after[pk])] for pk, cid in rows]
    return moved


def _repoint_earlier_merges(absorbed_ids: list[int], survivor: Customer, by) -> list[list[int]]:
    """Customers merged earlier into an absorbed record now point at the survivor (with a history row)."""
    earlier = list(Customer.objects.select_for_update().filter(merged_into_id__in=absorbed_ids).order_by("pk"))
    if not earlier:
        return []
    old = {c.pk: c.merged_into_id for c in earlier}
    for c in earlier:
        c.merged_into_id = survivor.pk
    customer_bulk_update(customers=earlier, fields=["merged_into"], by=by,
                         reason=_("Merged into %(number)s (the record it was merged into was merged there)") % {
                             "number": survivor.customer_number})
    note_versions(earlier)
    return [[c.pk, old[c.pk], c.version] for c in earlier]


def note_versions(customers: list[Customer]) -> None:
    """Re-pointing a merged record bumps its version: its own merge's undo must still recognise it unchanged."""
    for merge in Merge.objects.filter(absorbed__in=customers, status=Merge.Status.DONE).distinct():
        versions = merge.snapshot["absorbed_versions"]
        for customer in customers:
            if str(customer.pk) in versions:
                versions[str(customer.pk)] = customer.version
        merge.save(update_fields=["snapshot"])


def _decide_candidates(ids: list[int], absorbed_ids: list[int], by) -> dict:
    now = timezone.now()
    pairs = DuplicateCandidate.objects.filter(customer_a_id__in=ids, customer_b_id__in=ids)
    merged = [{"pk": p["pk"], **jsonable({f: p[f] for f in CANDIDATE_FIELDS})}
              for p in pairs.values("pk", *CANDIDATE_FIELDS)]
    pairs.update(status=DuplicateCandidate.Status.MERGED, decided_at=now, decided_by=access.user_or_none(by))
    third = (DuplicateCandidate.objects.open().exclude(pk__in=[m["pk"] for m in merged])
             .filter(customer_a_id__in=absorbed_ids) | DuplicateCandidate.objects.open()
             .exclude(pk__in=[m["pk"] for m in merged]).filter(customer_b_id__in=absorbed_ids))
    columns = [f.attname for f in DuplicateCandidate._meta.concrete_fields]
    withdrawn = [jsonable(row) for row in third.values(*columns)]
    DuplicateCandidate.objects.filter(pk__in=[w["id"] for w in withdrawn]).delete()
    if merged or withdrawn:
        recluster_around({*ids, *(w["customer_a_id"] for w in withdrawn), *(w["customer_b_id"] for w in withdrawn)})
    return {"merged": merged, "withdrawn": withdrawn}


def _apply_fields(plan: MergePlan, chosen: dict[str, int]) -> dict:
    survivor = plan.survivor
    records = {c.pk: c for c in plan.records}
    changed = {}
    for unit, customer_id in chosen.items():
        if customer_id == survivor.pk:
            continue
        source = records[customer_id]
        for attname in UNITS[unit]:
            if getattr(survivor, attname) == getattr(source, attname):
                continue
            previous = stored(survivor, attname)
            setattr(survivor, attname, getattr(source, attname))
            changed[attname] = {"before": previous, "after": fingerprint(survivor, attname), "from": customer_id}
    if {"given_name", "family_name"} & set(changed):
        survivor.search_name = search_name_for(survivor.given_name, survivor.family_name)
    return changed


@use_case
def customers_merge(*, survivor: Customer, absorbed: list[Customer], by, choices: dict[str, int] | None = None,
                    resolutions: dict | None = None, reason: str = "",
                    acknowledge_consent_difference: bool = False, rule=None) -> Merge:
    """Merge `absorbed` into `survivor` in one transaction (see the package doc); returns the Merge."""
    survivor, absorbed = load_records(survivor=survivor, absorbed=list(absorbed), by=by, action="change", lock=True)
    check_records(survivor, absorbed)
    plan = build_plan(survivor, absorbed, by)
    if plan.consent_differences and not acknowledge_consent_difference:
        raise refused({"acknowledge_consent_difference": _(
            "The records' consents differ (%(purposes)s). After the merge the latest consent per purpose counts; "
            "confirm that you checked this.") % {"purposes": ", ".join(plan.consent_differences)}},
            code="consent_differs")
    chosen = _checked_choices(plan, choices, by)
    resolved = _checked_resolutions(plan, resolutions)
    absorbed_ids = [c.pk for c in absorbed]
    ids = [survivor.pk, *absorbed_ids]
    before = {str(c.pk): customer_values(c) for c in absorbed}
    staying, replaced = _resolve_conflicts(plan, resolved)
    with rel.reparenting():
        moved = _move_rows(absorbed_ids, survivor.pk, staying)
    repointed = _repoint_earlier_merges(absorbed_ids, survivor, by)
    candidates = _decide_candidates(ids, absorbed_ids, by)

    text = _merge_reason(survivor, absorbed, reason)
    changed = _apply_fields(plan, chosen)
    survivor.version += 1
    _full_clean(survivor)
    _save_with_history(survivor, by=by, reason=text)

    for customer in absorbed:
        customer.status = Customer.Status.MERGED
        customer.merged_into = survivor
    customer_bulk_update(customers=absorbed, fields=["status", "merged_into"], by=by,
                         reason=_("Merged into %(number)s") % {"number": survivor.customer_number})
    for customer in (survivor, *absorbed):
        refresh_profile(customer)  # the survivor's refreshed, the absorbed ones' dropped

    merge = Merge.objects.create(
        survivor=survivor, reason=reason[:500], choices=chosen, by=access.user_or_none(by), rule=rule,
        snapshot={"absorbed": before, "absorbed_versions": {str(c.pk): c.version for c in absorbed},
                  "survivor_fields": changed, "survivor_version": survivor.version, "rows": moved,
                  "staying": sorted([label, pk] for label, pk in staying), "replaced": replaced,
                  "resolutions": resolved, "repointed": repointed, "candidates": candidates,
                  "consent_differences": plan.consent_differences})
    merge.absorbed.set(absorbed)
    audit_record(by=by, action="customer.merge", obj=survivor, fields=sorted(changed), reason=text)
    customer_event_record("customer.merged", survivor, data={"absorbed": [c.customer_number for c in absorbed]})
    return merge
