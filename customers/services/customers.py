"""Customers' master data: numbers, create (with the duplicate check), update, restore, external
identities and typed attributes."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history
from stdnum import luhn

from cdm import access
from cdm.errors import ConflictError
from cdm.models import Team
from cdm.services import audit_record
from customers.identity.profiles import refresh_profile
from cdm.use_cases import use_case
from customers.models import (
    AttributeDefinition,
    Customer,
    CustomerAttribute,
    ExternalIdentity,
    history_tracked_bulk_writes,
)
from customers.normalize import normalize_customer_data, normalize_text
from customers.querysets import customer_add_teams
from customers.services.base import (
    DERIVED_FIELDS,
    SENSITIVE_FIELDS,
    _check_editable,
    _customer_for,
    _full_clean,
    _save_with_history,
    _stored_values,
    require_perm,
)
from customers.services.sync import Stamp, field_sources_record
from customers.services.vocabulary import attribute_value_standard
from customers.services.webhooks import customer_event_record

# --- customer numbers -------------------------------------------------------------------

def customer_number_is_valid(number: str) -> bool:
    return len(number) == 9 and number.isdigit() and luhn.is_valid(number)


def customer_number_new() -> str:
    """Nine digits, the last a Luhn check digit that catches a mistyped digit on the phone.

    Random, not sequential: the number reveals neither volume nor order of sign-up.
    """
    body = str(secrets.randbelow(90_000_000) + 10_000_000)
    return body + luhn.calc_check_digit(body)


def customer_numbers_new(count: int, issued: set[str] | None = None) -> list[str]:
    """`count` fresh numbers from customer_number_new(), none in `issued` nor in the database (bulk writers:
    the demo seed, imports). Adds them to `issued`, so one process handing numbers to several workers never
    gives one twice."""
    issued = set() if issued is None else issued
    numbers: list[str] = []
    while len(numbers) < count:
        fresh: set[str] = set()
        while len(fresh) < count - len(numbers):
            number = customer_number_new()
            if number not in issued:
                fresh.add(number)
        candidates = list(fresh)
        clash: set[str] = set()
        for k in range(0, len(candidates), 900):  # SQLite's limit on query parameters
            clash.update(Customer.objects.filter(customer_number__in=candidates[k:k + 900])
                         .values_list("customer_number", flat=True))
        issued.update(fresh)
        numbers.extend(n for n in candidates if n not in clash)
    return numbers


def customer_conflict(customer: Customer, *, since_version: int | None = None, by=None) -> ConflictError:
    """The conflict of a write based on `since_version`: who saved last, when, and which fields (those `by`
    may see) differ from the version the user loaded, with their value now (`ConflictError.theirs`)."""
    from customers.selectors import history_fields

    history = customer.history.select_related("history_user").order_by("-history_date", "-history_id")
    last = history.first()
    user = getattr(last, "history_user", None)
    who = (user.get_full_name() or user.username) if user else None
    theirs = {}
    base = history.filter(version=since_version).first() if since_version is not None else None
    if base is not None and last is not None:
        visible = history_fields(by) if by is not None else None
        theirs = {c.field: getattr(customer, c.field) for c in last.diff_against(base, included_fields=visible).changes}
    conflict = ConflictError(customer, changed_by=who, changed_at=getattr(last, "history_date", None),
                             version=customer.version,
                             changed_fields=[str(Customer._meta.get_field(f).verbose_name) for f in theirs])
    conflict.theirs = theirs
    return conflict


STATUS_PERM = "customers.change_customer_status"


# --- customers ----------------------------------------------------------------------------

@use_case
def customer_create(*, by, team: Team, reason: str = "", review_origin: str | None = "entry", stamp: Stamp | None = None,
                    **fields) -> Customer:
    """A new customer of `team`. Its likely matches in any team become duplicate candidates for the stewards
    (origin `review_origin`: "entry" for forms and the API, "import"), or none with review_origin=None.
    `stamp`: the system and time the data comes from (customers.services.sync; default: CDM, now)."""
    require_perm(by, "customers.add_customer")
    if not customer_add_teams(by, Team.objects.filter(pk=team.pk)).exists():
        raise ValidationError({"team": _("You cannot add customers to this team.")}, code="forbidden")
    _check_editable(by, fields, creating=True)
    data = normalize_customer_data(fields)
    customer = Customer(team=team, **data)
    field_sources_record(customer, [f for f, v in data.items() if v not in (None, "") and f not in DERIVED_FIELDS],
                         stamp)
    for _attempt in range(5):
        customer.customer_number = customer_number_new()
        if not Customer.objects.filter(customer_number=customer.customer_number).exists():
            break
    _full_clean(customer)
    _save_with_history(customer, by=by, reason=reason or _("Created"))
    customer_event_record("customer.created", customer)
    # Every way in (form, API, import) is checked: likely matches in any team go to the stewards' queue.
    from customers.services.duplicates import customer_matches_raise

    if review_origin is None:
        refresh_profile(customer)
        customer.raised_for_review = False
    else:
        customer.raised_for_review = bool(customer_matches_raise(customer=customer, origin=review_origin, by=by))
    if SENSITIVE_FIELDS & set(k for k, v in fields.items() if v not in (None, "")):
        audit_record(by=by, action="customer.create", obj=customer, fields=SENSITIVE_FIELDS & set(fields), reason=reason)
    return customer


@use_case
def customer_create_checked(*, by, team: Team, create_anyway: bool = False, reason: str = "", **fields) -> Customer:
    """customer_create, refusing to create a possible duplicate unless the user confirms.

    Possible duplicates are the matches of the identity engine (customers.identity.realtime.check) that `by`
    may see. With some and no `create_anyway`, a ValidationError on "create_anyway" (code "possible_duplicate")
    names them, together with any other field errors, and nothing is saved. With `create_anyway`, an audit
    event ("customer.create_despite_match", read by stewards and admins) names the matched customers. Either
    way every likely match, in any team, becomes a candidate in the stewards' queue (`raised_for_review`
    on the returned customer): the agent never sees another team's customer, the stewards do.
    """
    from customers.identity.model import MATCH_THRESHOLD
    from customers.identity.realtime import check

    errors: dict[str, list] = {}
    try:
        normalize_customer_data(fields)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    matches = [c for c, _m in check(user=by, values=fields, limit=20, min_probability=MATCH_THRESHOLD).visible]
    numbers = ", ".join(m.customer_number for m in matches)
    if matches and not create_anyway:
        errors["create_anyway"] = [ValidationError(
            _("Possibly already a customer: %(numbers)s. Open the existing customer, or confirm that this is "
              "someone else to create a new one.") % {"numbers": numbers}, code="possible_duplicate")]
    if errors:
        raise ValidationError(errors)
    if not matches:
        customer = customer_create(by=by, team=team, reason=reason, **fields)
    else:
        why = _("Created although it may be a customer we already have; the data stewards will check")
        customer = customer_create(by=by, team=team, reason=f"{why}. {reason}" if reason else why, **fields)
        audit_record(by=by, action="customer.create_despite_match", obj=customer,
                     reason=_("Possible duplicates: %(numbers)s") % {"numbers": numbers})
    return customer


# A change of these may make the customer look like someone else: the engine checks again.
MATCHED_FIELDS = frozenset({"given_name", "family_name", "date_of_birth", "email", "phone", "national_id",
                            "postal_code", "city", "address_line1", "address_line2", "country"})


def customer_changes_apply(customer: Customer, changes: dict, stamp: Stamp | None) -> dict:
    """Normalise `changes` against the stored values and set those that differ on `customer` (not saved), with
    where they came from; a new e-mail or phone is unverified again. Returns {field: new value} of what changed."""
    data = normalize_customer_data(changes, current=_stored_values(customer))
    changed = {f: v for f, v in data.items() if getattr(customer, f) != v}
    for field, value in changed.items():
        setattr(customer, field, value)
    if changed:
        field_sources_record(customer, [f for f in changed if f not in DERIVED_FIELDS], stamp)
    # A new address or number has not been verified (customers.services.verification).
    if "email" in changed:
        customer.email_verified_at = None
    if "phone" in changed:
        customer.phone_verified_at = None
    return changed


@use_case
def customer_update(*, customer: Customer, by, version: int, reason: str = "", stamp: Stamp | None = None,
                    **changes) -> Customer:
    """Change master data. A stale `version` raises ConflictError; nothing is overwritten. `stamp`: where the
    change comes from (customers.services.sync; default: CDM, now), recorded per changed field."""
    current = _customer_for(by, customer, "change", lock=True)
    # Clients send back the version they loaded; bumping it on every save makes a concurrent
    # edit fail with ConflictError instead of silently winning.
    if current.version != int(version):
        raise customer_conflict(current, since_version=int(version), by=by)
    _check_editable(by, changes, creating=False)
    changed = customer_changes_apply(current, changes, stamp)
    if not changed:
        return current
    current.version += 1
    _full_clean(current)
    _save_with_history(current, by=by, reason=reason or _("Updated %(fields)s") % {
        "fields": ", ".join(sorted(f for f in changed if f not in DERIVED_FIELDS))})
    customer_event_record("customer.updated", current)
    sensitive = SENSITIVE_FIELDS & set(changed)
    if sensitive:
        audit_record(by=by, action="customer.update", obj=current, fields=sensitive, reason=reason)
    if MATCHED_FIELDS & set(changed):
        from customers.services.duplicates import customer_matches_raise

        current.raised_for_review = bool(customer_matches_raise(customer=current, origin="entry", by=by))
    else:
        refresh_profile(current)
    return current


@use_case
def customer_bulk_update(*, customers: list[Customer], fields: list[str], by, reason: str | Callable[[Customer], str],
                         batch_size: int = 1000) -> int:
    """Bulk write that still records one history row per customer (and bumps versions).

    `reason` is one text for all, or a function giving each customer's own.
    """
    for customer in customers:
        customer.version += 1
        customer._history_user = access.user_or_none(by)
        customer._change_reason = reason(customer) if callable(reason) else reason
    fields = sorted(set(fields) | {"version"})
    with history_tracked_bulk_writes():
        count = bulk_update_with_history(customers, Customer, fields, batch_size=batch_size, default_user=access.user_or_none(by))
    for customer in customers:
        del customer._history_user, customer._change_reason
    return count


@use_case
def customer_restore(*, customer: Customer, by, reason: str = "") -> Customer:
    """Bring an archived customer back to the active lists (history records who and why).

    Status changes belong to data stewards and admins (customers.change_customer_status)."""
    require_perm(by, STATUS_PERM)
    current = _customer_for(by, customer, "change", lock=True)
    if current.status != Customer.Status.ARCHIVED:
        raise ValidationError({"status": _("Only archived customers can be restored; this one is %(status)s.")
                               % {"status": current.get_status_display().lower()}}, code="not_archived")
    current.status = Customer.Status.ACTIVE
    current.version += 1
    _save_with_history(current, by=by, reason=_("restored") + (f": {reason}" if reason else ""))
    customer_event_record("customer.updated", current)  # its status is active again
    return current


def customer_touch_activity(*, customer_id: int, at) -> None:
    Customer.objects.filter(pk=customer_id).touch_activity(at)


@use_case
def external_identity_link(*, customer: Customer, system: str, external_id: str, by) -> ExternalIdentity:
    require_perm(by, "customers.add_externalidentity")
    return external_identity_record(customer=_customer_for(by, customer, "change"), system=system,
                                    external_id=external_id)


def external_identity_record(*, customer: Customer, system: str, external_id: str) -> ExternalIdentity:
    """The link itself, for use cases that already checked their right to it (an upsert or import that created
    or changed `customer` links the id it came with: that needs no right on governance data)."""
    link = ExternalIdentity(customer=customer, system=normalize_text(system).lower(),
                            external_id=normalize_text(external_id))
    _full_clean(link)
    link.save()
    return link


@use_case
def customer_attribute_set(*, customer: Customer, definition: AttributeDefinition, value, by) -> CustomerAttribute:
    customer = _customer_for(by, customer, "change")
    if definition.field_group not in access.editable_groups(by):
        raise ValidationError({"value": _("Your role may not change %(label)s.") % {"label": definition.label}},
                              code="forbidden")
    attribute, _created = CustomerAttribute.objects.get_or_create(customer=customer, definition=definition)
    typed = attribute_value_clean(definition, value)
    for column in ("value_text", "value_number", "value_boolean", "value_date", "value_list"):
        setattr(attribute, column, typed.get(column, CustomerAttribute._meta.get_field(column).get_default()))
    attribute.save()
    customer_event_record("customer.updated", customer, data={"attribute": definition.key})
    return attribute


def attribute_value_clean(definition: AttributeDefinition, value) -> dict:
    """The typed column(s) for a value of `definition`, or a ValidationError naming `value`."""
    kind = definition.data_type
    T = AttributeDefinition.DataType
    try:
        if kind == T.TEXT:
            return {"value_text": normalize_text(value)}
        if kind == T.NUMBER:
            return {"value_number": Decimal(str(value))}
        if kind == T.BOOLEAN:
            if isinstance(value, str):
                value = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}[value.lower()]
            return {"value_boolean": bool(value)}
        if kind == T.DATE:
            return {"value_date": value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)}
        if kind == T.CHOICE:
            value = attribute_value_standard(definition, normalize_text(value))  # synonyms -> the allowed value
            if value not in definition.allowed_values:
                raise ValueError
            return {"value_text": value}
        if kind == T.MULTI:
            values = list(dict.fromkeys(attribute_value_standard(definition, normalize_text(v)) for v in value))
            if not set(values) <= set(definition.allowed_values):
                raise ValueError
            return {"value_list": values}
    except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
        allowed = ", ".join(map(str, definition.allowed_values))
        hint = _(" Allowed: %(allowed)s.") % {"allowed": allowed} if allowed else ""
        raise ValidationError(
            {"value": _("“%(value)s” is not a valid %(type)s for %(label)s.%(hint)s") % {
                "value": value, "type": definition.get_data_type_display().lower(), "label": definition.label,
                "hint": hint}},
            code="invalid",
        ) from exc
    raise ValidationError({"value": _("Unknown attribute type.")})
