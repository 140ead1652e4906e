"""Upsert by another system's own id: the one way the API (and, later, sync jobs) write a customer they name by
(system, external id).

- The id is linked already (customers.ExternalIdentity): that customer is updated, following merges to the
  survivor, so both merged records' ids keep resolving. An unchanged body changes nothing ("unchanged").
- Not linked: identity resolution (customers.identity.realtime.check) looks for the person. One likely match
  the caller may change: linked and updated ("matched"). Several likely matches: AmbiguousMatch (the API's 409
  with the candidates the caller may see), unless `on_ambiguous="create"`. None: created and linked; likely
  matches in other teams still go to the stewards' queue (customer_create).
- An update follows the two-way sync rules (customers.services.sync): a change older than the stored value, or
  from a system of lower priority for the field's group, is skipped and recorded; the rest goes through.
- Two concurrent upserts of one new id: the unique (system, external id) makes the second fail its link (the
  unique check or the insert); it is retried once and finds the first one's customer, so one customer is created, never two.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _

from cdm.errors import NotFound
from cdm.use_cases import use_case
from customers.models import Customer, ExternalIdentity
from customers.selectors.customers import customer_by_external_id
from customers.normalize import normalize_customer_data, normalize_text
from customers.services.customers import customer_create, customer_update, external_identity_record
from customers.services.sync import Stamp, skipped_changes_record, sync_filter

ON_AMBIGUOUS = ("refuse", "create")


@dataclass
class UpsertResult:
    customer: Customer
    outcome: str  # created, updated, unchanged, matched (an existing customer found by identity and linked)
    skipped: list = field(default_factory=list)  # fields whose change did not win (customers.services.sync)

    @property
    def created(self) -> bool:
        return self.outcome == "created"


@dataclass
class AmbiguousMatch(Exception):
    """Several existing customers may be this person: `candidates` [(customer, match)] the caller may see,
    `hidden` the number of others (never shown)."""

    candidates: list = field(default_factory=list)
    hidden: int = 0

    def __str__(self):
        return _("Several existing customers may be this person; nothing was written.")


def _check_key(system: str, external_id: str) -> tuple[str, str]:
    system, external_id = normalize_text(system).lower(), normalize_text(external_id)
    errors = {}
    link = ExternalIdentity(customer_id=0, system=system, external_id=external_id)
    try:
        link.clean_fields(exclude=["customer"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return system, external_id


def _changes(customer: Customer, fields: dict) -> dict:
    """The fields of `fields` whose normalised value differs from the stored one."""
    data = normalize_customer_data(fields)
    return {f: fields[f] for f in fields if f in data and getattr(customer, f, None) != data[f]}


@use_case
def _upsert(*, by, system: str, external_id: str, fields: dict, team, version: int | None, on_ambiguous: str,
            reason: str, stamp: Stamp) -> UpsertResult:
    from customers.identity.model import MATCH_THRESHOLD
    from customers.identity.realtime import check

    reason = reason or _("Upsert from %(system)s") % {"system": system}
    # Locked: without If-Match the change applies to the version read here, so two integrations changing one
    # customer at once queue up instead of one getting a conflict it never asked to check.
    customer = customer_by_external_id(system=system, external_id=external_id, lock=True)
    outcome = "updated"
    if customer is None:
        found = check(user=by, values=fields, limit=20, min_probability=MATCH_THRESHOLD)
        if len(found.visible) + len(found.hidden) > 1 and on_ambiguous != "create":
            raise AmbiguousMatch(candidates=found.visible, hidden=len(found.hidden))
        changeable = [c for c, _m in found.visible
                      if Customer.objects.restrict(by, "change").filter(pk=c.pk).exists()]
        if len(found.visible) + len(found.hidden) == 1 and changeable:
            customer, outcome = changeable[0], "matched"
        else:
            if team is None:
                raise ValidationError({"team": ValidationError(_(
                    "Name the team the new customer belongs to (e.g. \"team\": \"North\"); this integration has "
                    "no default team."), code="required")})
            created = customer_create(by=by, team=team, reason=reason, source=fields.pop("source", Customer.Source.API),
                                      stamp=stamp, **fields)
            external_identity_record(customer=created, system=system, external_id=external_id)
            return UpsertResult(created, "created")
        external_identity_record(customer=customer, system=system, external_id=external_id)
    elif not Customer.objects.restrict(by, "view").filter(pk=customer.pk).exists():
        raise NotFound()
    fields.pop("team", None)
    changes, skipped = sync_filter(customer, _changes(customer, fields), stamp)
    skipped_changes_record(customer, fields, skipped, stamp)
    if not changes:
        return UpsertResult(customer, "matched" if outcome == "matched" else "unchanged", skipped)
    current = version if version is not None else customer.version
    updated = customer_update(customer=customer, by=by, version=current, reason=reason, stamp=stamp, **changes)
    return UpsertResult(updated, outcome, skipped)


@use_case(atomic=False)  # each attempt is its own transaction (_upsert): the retry must see the winner's commit
def customer_upsert(*, by, system: str, external_id: str, fields: dict, team=None, version: int | None = None,
                    on_ambiguous: str = "refuse", reason: str = "", source_at=None) -> UpsertResult:
    """Create or update the customer `system` knows as `external_id` (see the module doc). `team`: where a new
    customer goes. `version`: the version an update is based on (If-Match), else the current one. `source_at`:
    when the data changed in `system` (default now): the sync rules (customers.services.sync) compare it."""
    system, external_id = _check_key(system, external_id)
    if on_ambiguous not in ON_AMBIGUOUS:
        raise ValidationError({"on_ambiguous": _("Say “refuse” or “create”.")})
    for attempt in range(2):
        try:
            return _upsert(by=by, system=system, external_id=external_id, fields=dict(fields), team=team,
                           version=version, on_ambiguous=on_ambiguous, reason=reason,
                           stamp=Stamp.of(system, source_at))
        except (IntegrityError, ValidationError):
            # Lost the race on the link (its unique check, or the insert, failed): once more, as an update.
            if attempt or not ExternalIdentity.objects.filter(system=system, external_id=external_id).exists():
                raise
    raise AssertionError("unreachable")
