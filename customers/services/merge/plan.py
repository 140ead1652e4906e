"""What a merge would do, for the review page: the default survivor, the fields that differ with each
record's value and the default choice (and why), the rows that would move, unique conflicts and their
default resolution, and whether the records' consents differ."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from cdm import access
from cdm.errors import NotFound
from customers.models import Customer
from customers.services.merge import relations as rel

MERGE_PERM = "customers.merge_customers"
MERGEABLE = (Customer.Status.ACTIVE, Customer.Status.ARCHIVED)
S = Customer.Source
# Where a value came from, most trusted first: what a customer typed in or a system of record sent beats
# what staff typed, which beats a file import.
SOURCE_PRIORITY = (S.WEB, S.API, S.STORE, S.PHONE, S.EMAIL, S.EVENT, S.REFERRAL, S.PARTNER, S.SOCIAL, S.SEARCH,
                   S.OTHER, S.IMPORT)

# A choice takes a unit of fields from one record: an address is never mixed from two, an e-mail keeps its
# verification. The first field names the unit and decides whether the user may see it.
UNITS: dict[str, tuple[str, ...]] = {
    "given_name": ("given_name",),
    "family_name": ("family_name",),
    "date_of_birth": ("date_of_birth",),
    "email": ("email", "email_verified_at"),
    "phone": ("phone", "phone_verified_at"),
    "company": ("company",),
    "job_title": ("job_title",),
    "address": ("address_line1", "address_line2", "postal_code", "city", "region", "country", "address_status",
                "address_issues"),
    "national_id": ("national_id", "national_id_index"),
    "annual_income": ("annual_income",),
    "bank_account": ("bank_account",),
    "owner": ("owner_id",),
    "source": ("source", "source_detail"),
    "lifecycle_stage": ("lifecycle_stage",),
}
VERIFIED_BY = {"email": "email_verified_at", "phone": "phone_verified_at"}
SENSITIVE_UNITS = frozenset({"national_id", "annual_income", "bank_account"})


@dataclass
class FieldChoice:
    unit: str
    label: str
    values: dict[int, str]  # customer id -> the value as shown ("(differs)" for sensitive ones)
    default: int  # customer id
    reason: str
    sensitive: bool = False


@dataclass
class UniqueConflict:
    key: str  # what `resolutions` names, e.g. "customers.customerattribute:definition_id=3"
    model: str
    description: str
    holders: list[int]  # customer ids holding a row for the key
    default: int
    reason: str
    rows: dict[int, int] = field(default_factory=dict)  # customer id -> row pk


@dataclass
class MergePlan:
    survivor: Customer
    absorbed: list[Customer]
    fields: list[FieldChoice]
    moves: dict[str, int]  # model label -> rows that would move (conflicts resolved by default)
    conflicts: list[UniqueConflict]
    consent_differences: list[str]  # purposes whose current state differs between the records
    hidden_fields: list[str] = field(default_factory=list)  # differ, but `by` may not see them: survivor's kept

    @property
    def records(self) -> list[Customer]:
        return [self.survivor, *self.absorbed]

    @property
    def defaults(self) -> dict[str, int]:
        return {f.unit: f.default for f in self.fields}


def refused(errors: dict, code: str) -> ValidationError:
    """A ValidationError keyed by field whose every message carries `code` (the dict form alone drops it)."""
    return ValidationError({field: [ValidationError(m, code=code) for m in (ms if isinstance(ms, list) else [ms])]
                            for field, ms in errors.items()})


def merge_default_survivor(records: list[Customer]) -> Customer:
    """The oldest record with a verified e-mail or phone, else the oldest; it keeps its customer number."""
    oldest = sorted(records, key=lambda c: (c.created_at, c.pk))
    verified = [c for c in oldest if c.email_verified_at or c.phone_verified_at]
    return (verified or oldest)[0]


def check_records(survivor: Customer, absorbed: list[Customer]) -> None:
    if not absorbed:
        raise refused({"absorbed": _("A merge needs at least two records.")}, code="too_few")
    ids = [c.pk for c in absorbed]
    if survivor.pk in ids:
        raise refused({"absorbed": _("The surviving record %(number)s cannot also be absorbed.") % {
            "number": survivor.customer_number}}, code="survivor_absorbed")
    if len(set(ids)) != len(ids):
        raise refused({"absorbed": _("A record is named twice.")}, code="duplicate")
    for customer in (survivor, *absorbed):
        if customer.status not in MERGEABLE:
            raise refused({"absorbed" if customer is not survivor else "survivor": _(
                "%(number)s is %(status)s: only active or archived records can be merged.") % {
                "number": customer.customer_number, "status": customer.get_status_display().lower()}},
                code="not_mergeable")


def load_records(*, survivor, absorbed, by, action: str, lock: bool = False) -> tuple[Customer, list[Customer]]:
    """Survivor and absorbed re-read within `by`'s rights for `action`; a record outside them: NotFound."""
    if not by.has_perm(MERGE_PERM):
        raise PermissionDenied(_("You do not have permission to merge customers."))
    ids = [survivor.pk, *(c.pk for c in absorbed)]
    rows = Customer.objects.restrict(by, action)
    if lock:
        rows = rows.select_for_update()
    found = {c.pk: c for c in rows.filter(pk__in=ids)}
    if any(pk not in found for pk in ids):
        raise NotFound()
    return found[survivor.pk], [found[c.pk] for c in absorbed if c.pk in found]


def _unit_value(customer: Customer, unit: str) -> tuple:
    return tuple(getattr(customer, f) for f in UNITS[unit])


def _comparable(values: tuple) -> str:
    return json.dumps(values, default=str, sort_keys=True)


def _filled(values: tuple) -> bool:
    return values[0] not in (None, "", {}, [])


def completeness(customer: Customer) -> int:
    return sum(_filled(_unit_value(customer, u)) for u in UNITS)


def _source_rank(customer: Customer) -> int:
    return SOURCE_PRIORITY.index(customer.source) if customer.source in SOURCE_PRIORITY else len(SOURCE_PRIORITY)


def default_choice(unit: str, records: list[Customer], survivor: Customer) -> tuple[int, str]:
    """A verified value beats an unverified one, then the most recently updated record's non-empty value,
    then the most complete record, then source priority."""
    filled = [c for c in records if _filled(_unit_value(c, unit))]
    if not filled:
        return survivor.pk, _("no record has a value")
    if len(filled) == 1:
        return filled[0].pk, _("the only record with a value")
    verified_field = VERIFIED_BY.get(unit)
    if unit == "address":
        verified = [c for c in filled if c.address_status == Customer.AddressStatus.VERIFIED]
    else:
        verified = [c for c in filled if verified_field and getattr(c, verified_field)]
    if verified and len(verified) < len(filled):
        filled = verified
        if len(filled) == 1:
            return filled[0].pk, _("verified")
    newest = max(c.updated_at for c in filled)
    recent = [c for c in filled if c.updated_at == newest]
    if len(recent) == 1:
        return recent[0].pk, _("most recently updated")
    best = max(completeness(c) for c in recent)
    complete = [c for c in recent if completeness(c) == best]
    if len(complete) == 1:
        return complete[0].pk, _("most complete record")
    ranked = sorted(complete, key=lambda c: (_source_rank(c), c.pk != survivor.pk, c.pk))
    return ranked[0].pk, _("source priority")


def _shown(customer: Customer, unit: str) -> str:
    if unit in SENSITIVE_UNITS:
        return _("(set)") if _filled(_unit_value(customer, unit)) else _("(empty)")
    if unit == "address":
        parts = [customer.address_line1, customer.address_line2, customer.postal_code, customer.city,
                 customer.region, str(customer.country or "")]
        return ", ".join(p for p in parts if p)
    if unit == "owner":
        return str(customer.owner) if customer.owner_id else ""
    value = getattr(customer, UNITS[unit][0])
    text = "" if value is None else str(value)
    verified_field = VERIFIED_BY.get(unit)
    if verified_field and getattr(customer, verified_field):
        text += " " + _("(verified)")
    return text


def policy_field(unit: str) -> str:
    """The field the policy (cdm.access) knows the unit by."""
    return {"address": "address_line1"}.get(unit, unit)


def _label(unit: str) -> str:
    if unit == "address":
        return _("address")
    return str(Customer._meta.get_field(unit).verbose_name)


def field_choices(records: list[Customer], survivor: Customer, by) -> tuple[list[FieldChoice], list[str]]:
    visible = set(access.customer_fields(by, "view"))
    choices, hidden = [], []
    for unit in UNITS:
        if len({_comparable(_unit_value(c, unit)) for c in records}) < 2:
            continue
        # Sensitive fields are listed to everyone who merges, as "differs", never with their values.
        if unit not in SENSITIVE_UNITS and policy_field(unit) not in visible:
            hidden.append(unit)
            continue
        default, reason = default_choice(unit, records, survivor)
        choices.append(FieldChoice(unit=unit, label=_label(unit), values={c.pk: _shown(c, unit) for c in records},
                                   default=default, reason=reason, sensitive=unit in SENSITIVE_UNITS))
    return choices, hidden


def unique_conflicts(records: list[Customer], survivor: Customer) -> list[UniqueConflict]:
    """Rows of different records that cannot all hang off the survivor (unique together with the customer)."""
    ids = [c.pk for c in records]
    out = []
    for relation in rel.customer_relations():
        if not relation.unique_with:
            continue
        extra = sorted({a for s in relation.unique_with for a in s})
        rows = rel.rows_of(relation, ids)
        for unique in relation.unique_with:
            groups: dict[tuple, dict[int, int]] = {}
            for pk, customer_id, *values in rows:
                key = tuple(dict(zip(extra, values))[a] for a in unique)
                groups.setdefault(key, {})[customer_id] = pk
            for key, holders in groups.items():
                if len(holders) < 2:
                    continue
                name = ",".join(f"{a}={v}" for a, v in zip(unique, key))
                default, reason = _conflict_default(relation, holders, survivor)
                out.append(UniqueConflict(
                    key=f"{relation.label}:{name}", model=relation.label,
                    description=_("%(records)d records hold a %(model)s for %(what)s: one can hang off the "
                                  "survivor; the others stay on their absorbed records.") % {
                        "records": len(holders), "model": relation.model._meta.verbose_name, "what": name},
                    holders=sorted(holders), default=default, reason=reason, rows=holders))
    return out


def _conflict_default(relation, holders: dict[int, int], survivor: Customer) -> tuple[int, str]:
    if "updated_at" in {f.name for f in relation.model._meta.concrete_fields}:
        stamps = dict(relation.rows().filter(pk__in=holders.values()).values_list("pk", "updated_at"))
        newest = max(holders, key=lambda cid: (stamps[holders[cid]], cid == survivor.pk))
        return newest, _("most recently updated")
    if survivor.pk in holders:
        return survivor.pk, _("the survivor's own")
    return min(holders), _("the oldest record's")


def consent_differences(records: list[Customer]) -> list[str]:
    """Purposes whose current consent (the latest record per purpose; none at all counts) differs."""
    ids = [c.pk for c in records]
    differing = []
    for relation in rel.consent_relations():
        state: dict[tuple[int, int], bool] = {}
        rows = (relation.rows().filter(**{f"{relation.field}__in": ids})
                .order_by("recorded_at", "pk").values_list(relation.field, "purpose_id", "granted"))
        for customer_id, purpose_id, granted in rows:
            state[(customer_id, purpose_id)] = granted  # ascending: the latest wins
        purposes = {p for _c, p in state}
        purpose_model = relation.model._meta.get_field("purpose").related_model
        names = {p.pk: str(p) for p in purpose_model._base_manager.filter(pk__in=purposes)}
        for purpose_id in sorted(purposes):
            if len({state.get((cid, purpose_id)) for cid in ids}) > 1:
                differing.append(names.get(purpose_id, str(purpose_id)))
    return differing


def build_plan(survivor: Customer, absorbed: list[Customer], by) -> MergePlan:
    records = [survivor, *absorbed]
    choices, hidden = field_choices(records, survivor, by)
    moves = rel.counts([c.pk for c in absorbed])
    conflicts = unique_conflicts(records, survivor)
    for conflict in conflicts:  # by default the absorbed rows of a conflict stay, but for a winner the survivor lacks
        staying = [cid for cid in conflict.rows if cid != survivor.pk]
        if survivor.pk not in conflict.rows:
            staying.remove(conflict.default)
        moves[conflict.model] -= len(staying)
    return MergePlan(survivor=survivor, absorbed=absorbed, fields=choices,
                     moves={label: n for label, n in moves.items() if n}, conflicts=conflicts,
                     consent_differences=consent_differences(records), hidden_fields=hidden)
