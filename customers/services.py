"""Every write on customers and their transactional data: one function per use case.

Each service validates and normalises, saves in one transaction, records history with the
acting user and a reason, and audits sensitive fields. `by=None` means the system itself
(seeding, scheduled tasks); every user-facing caller passes the user.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from cdm import access
from cdm.errors import ConflictError
from cdm.models import Team
from cdm.services import audit_record
from customers.activity_schemas import validate_activity_properties
from customers.models import (
    Activity,
    AttributeDefinition,
    Customer,
    CustomerAttribute,
    ExternalIdentity,
    Feedback,
    Note,
    Order,
    OrderLine,
    ProductHolding,
    ServiceRequest,
    history_tracked_bulk_writes,
)
from customers.normalize import normalize_customer_data, normalize_text

# Fields a user sets when creating a customer besides those their role edits.
CREATE_FIELDS = frozenset({"source", "source_detail", "lifecycle_stage", "owner"})
SENSITIVE_FIELDS = frozenset(access.CUSTOMER_FIELDS[access.FG.SENSITIVE])
# Set by normalize_customer_data from other fields; a change reason names what the user changed.
DERIVED_FIELDS = frozenset({"address_status", "address_issues", "national_id_index", "search_name"})


# --- customer numbers -------------------------------------------------------------------

def luhn_check_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def customer_number_is_valid(number: str) -> bool:
    return len(number) == 9 and number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def customer_number_new() -> str:
    """Nine digits, the last a Luhn check digit that catches a mistyped digit on the phone.

    Random, not sequential: the number reveals neither volume nor order of sign-up.
    """
    body = str(secrets.randbelow(90_000_000) + 10_000_000)
    return body + luhn_check_digit(body)


# --- helpers ----------------------------------------------------------------------------

def _customer_for(by, customer: Customer, action: str, *, lock: bool = False) -> Customer:
    """Re-read the customer within `by`'s rights; outside them it does not exist (404)."""
    qs = Customer.objects.all() if by is None else Customer.objects.restrict(by, action)
    if lock:
        qs = qs.select_for_update()
    return qs.get(pk=customer.pk)


def _require_perm(by, perm: str) -> None:
    if by is not None and not by.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))


def _full_clean(obj, **kwargs) -> None:
    obj.full_clean(**kwargs)


def _save_with_history(obj, *, by, reason: str) -> None:
    obj._history_user = by
    obj._change_reason = reason
    try:
        obj.save()
    finally:
        # simple-history reads these on every later save of this instance: don't let them leak.
        del obj._history_user, obj._change_reason


def _check_editable(by, fields, *, creating: bool) -> None:
    if by is None:
        return
    allowed = set(access.customer_fields(by, "edit"))
    if creating:
        allowed |= CREATE_FIELDS
    forbidden = sorted(set(fields) - allowed)
    if forbidden:
        raise ValidationError(
            {f: _("Your role may not change this field.") for f in forbidden}, code="forbidden"
        )


def _stored_values(customer: Customer) -> dict:
    return {f.name: getattr(customer, f.attname) for f in Customer._meta.concrete_fields}


def customer_conflict(customer: Customer) -> ConflictError:
    last = customer.history.select_related("history_user").order_by("-history_date", "-history_id").first()
    user = getattr(last, "history_user", None)
    who = (user.get_full_name() or user.username) if user else None
    return ConflictError(customer, changed_by=who, changed_at=getattr(last, "history_date", None),
                         version=customer.version)


# --- customers ----------------------------------------------------------------------------

@transaction.atomic
def customer_create(*, by, team: Team, reason: str = "", **fields) -> Customer:
    _require_perm(by, "customers.add_customer")
    if by is not None and not by.is_superuser and not by.has_perm("customers.change_all_customers") \
            and not by.has_perm("cdm.add_team_customers", team):
        raise ValidationError({"team": _("You cannot add customers to this team.")}, code="forbidden")
    _check_editable(by, fields, creating=True)
    data = normalize_customer_data(fields)
    customer = Customer(team=team, **data)
    for _attempt in range(5):
        customer.customer_number = customer_number_new()
        if not Customer.objects.filter(customer_number=customer.customer_number).exists():
            break
    _full_clean(customer)
    _save_with_history(customer, by=by, reason=reason or _("Created"))
    if SENSITIVE_FIELDS & set(k for k, v in fields.items() if v not in (None, "")):
        audit_record(by=by, action="customer.create", obj=customer, fields=SENSITIVE_FIELDS & set(fields), reason=reason)
    return customer


DUPLICATE_MATCH_FIELDS = ("email", "phone", "given_name", "family_name", "date_of_birth", "country")


@transaction.atomic
def customer_create_checked(*, by, team: Team, create_anyway: bool = False, reason: str = "", **fields) -> Customer:
    """customer_create, refusing to create a possible duplicate unless the user confirms.

    Possible duplicates are selectors.customer_possible_duplicates within `by`'s rights. With some
    and no `create_anyway`, a ValidationError on "create_anyway" (code "possible_duplicate") names
    them, together with any other field errors, and nothing is saved. With `create_anyway`, the
    history reason and an audit event ("customer.create_despite_match") name the matched customers.
    """
    from customers.selectors import customer_possible_duplicates

    errors: dict[str, list] = {}
    try:
        normalize_customer_data(fields)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    matches = list(customer_possible_duplicates(
        user=by, **{f: fields[f] for f in DUPLICATE_MATCH_FIELDS if fields.get(f) not in (None, "")})[:20])
    numbers = ", ".join(m.customer_number for m in matches)
    if matches and not create_anyway:
        errors["create_anyway"] = [ValidationError(
            _("Possibly already a customer: %(numbers)s. Open the existing customer, or confirm that this is "
              "someone else to create a new one.") % {"numbers": numbers}, code="possible_duplicate")]
    if errors:
        raise ValidationError(errors)
    if not matches:
        return customer_create(by=by, team=team, reason=reason, **fields)
    why = _("Created despite possible duplicates: %(numbers)s") % {"numbers": numbers}
    customer = customer_create(by=by, team=team, reason=f"{why}. {reason}" if reason else why, **fields)
    audit_record(by=by, action="customer.create_despite_match", obj=customer, reason=why)
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, by, version: int, reason: str = "", **changes) -> Customer:
    """Change master data. A stale `version` raises ConflictError; nothing is overwritten."""
    current = _customer_for(by, customer, "change", lock=True)
    # Clients send back the version they loaded; bumping it on every save makes a concurrent
    # edit fail with ConflictError instead of silently winning.
    if current.version != int(version):
        raise customer_conflict(current)
    _check_editable(by, changes, creating=False)
    data = normalize_customer_data(changes, current=_stored_values(current))
    changed = {f: v for f, v in data.items() if getattr(current, f) != v}
    if not changed:
        return current
    for field, value in changed.items():
        setattr(current, field, value)
    current.version += 1
    _full_clean(current)
    _save_with_history(current, by=by, reason=reason or _("Updated %(fields)s") % {
        "fields": ", ".join(sorted(f for f in changed if f not in DERIVED_FIELDS))})
    sensitive = SENSITIVE_FIELDS & set(changed)
    if sensitive:
        audit_record(by=by, action="customer.update", obj=current, fields=sensitive, reason=reason)
    return current


@transaction.atomic
def customer_bulk_update(*, customers: list[Customer], fields: list[str], by, reason: str | Callable[[Customer], str],
                         batch_size: int = 1000) -> int:
    """Bulk write that still records one history row per customer (and bumps versions).

    `reason` is one text for all, or a function giving each customer's own.
    """
    for customer in customers:
        customer.version += 1
        customer._history_user = by
        customer._change_reason = reason(customer) if callable(reason) else reason
    fields = sorted(set(fields) | {"version"})
    with history_tracked_bulk_writes():
        count = bulk_update_with_history(customers, Customer, fields, batch_size=batch_size, default_user=by)
    for customer in customers:
        del customer._history_user, customer._change_reason
    return count


@dataclass
class ArchiveReport:
    cutoff: datetime.datetime
    dry_run: bool
    candidates: int = 0
    archived: int = 0
    sample: list[str] = field(default_factory=list)  # customer numbers, for the dry-run report

    def as_dict(self) -> dict:
        return {"cutoff": self.cutoff.isoformat(), "dry_run": self.dry_run, "candidates": self.candidates,
                "archived": self.archived, "sample": self.sample}


def _inactive_since(customer: Customer) -> datetime.date:
    stamps = [customer.created_at, customer.updated_at, customer.last_activity_at]
    return max(s for s in stamps if s is not None).date()


def customer_archive_inactive(*, now=None, days: int | None = None, batch_size: int = 1000, dry_run: bool = False,
                              by=None) -> ArchiveReport:
    """Archive customers with no activity, order, request or edit for `days` (CDM_ARCHIVE_AFTER_DAYS).

    Batches commit one by one, so a long run can be stopped and started again; archived customers
    drop out of the candidates, which makes a second run a no-op. Each customer gets a history row
    "archived: inactive since <date>". With dry_run, nothing is written: the report says what would be.
    """
    from customers.selectors import customers_inactive

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.CDM_ARCHIVE_AFTER_DAYS if days is None else days)
    candidates = customers_inactive(cutoff=cutoff)
    report = ArchiveReport(cutoff=cutoff, dry_run=dry_run)
    if dry_run:
        report.candidates = candidates.count()
        report.sample = list(candidates.order_by("pk").values_list("customer_number", flat=True)[:20])
        return report
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(candidates.filter(pk__gt=last_pk).order_by("pk").select_for_update(skip_locked=True)[:batch_size])
            if not batch:
                break
            for customer in batch:
                customer.status = Customer.Status.ARCHIVED
            customer_bulk_update(customers=batch, fields=["status"], by=by, batch_size=batch_size,
                                 reason=lambda c: f"archived: inactive since {_inactive_since(c):%Y-%m-%d}")
        last_pk = batch[-1].pk
        report.archived += len(batch)
    report.candidates = report.archived
    return report


@transaction.atomic
def customer_restore(*, customer: Customer, by, reason: str = "") -> Customer:
    """Bring an archived customer back to the active lists (history records who and why)."""
    current = _customer_for(by, customer, "change", lock=True)
    if current.status != Customer.Status.ARCHIVED:
        raise ValidationError({"status": _("Only archived customers can be restored; this one is %(status)s.")
                               % {"status": current.get_status_display().lower()}}, code="not_archived")
    current.status = Customer.Status.ACTIVE
    current.version += 1
    _save_with_history(current, by=by, reason=_("restored") + (f": {reason}" if reason else ""))
    return current


def customer_touch_activity(*, customer_id: int, at) -> None:
    Customer.objects.filter(pk=customer_id).touch_activity(at)


@transaction.atomic
def external_identity_link(*, customer: Customer, system: str, external_id: str, by=None) -> ExternalIdentity:
    _require_perm(by, "customers.add_externalidentity")
    customer = _customer_for(by, customer, "change")
    link = ExternalIdentity(customer=customer, system=normalize_text(system).lower(),
                            external_id=normalize_text(external_id))
    _full_clean(link)
    link.save()
    return link


@transaction.atomic
def customer_attribute_set(*, customer: Customer, definition: AttributeDefinition, value, by=None) -> CustomerAttribute:
    customer = _customer_for(by, customer, "change")
    if by is not None and definition.field_group not in access.editable_groups(by):
        raise ValidationError({"value": _("Your role may not change %(label)s.") % {"label": definition.label}},
                              code="forbidden")
    attribute, _created = CustomerAttribute.objects.get_or_create(customer=customer, definition=definition)
    typed = attribute_value_clean(definition, value)
    for column in ("value_text", "value_number", "value_boolean", "value_date", "value_list"):
        setattr(attribute, column, typed.get(column, CustomerAttribute._meta.get_field(column).get_default()))
    attribute.save()
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
            value = normalize_text(value)
            if value not in definition.allowed_values:
                raise ValueError
            return {"value_text": value}
        if kind == T.MULTI:
            values = [normalize_text(v) for v in value]
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


# --- transactional data ----------------------------------------------------------------------

def _transactional(by, perm: str, customer: Customer) -> Customer:
    _require_perm(by, perm)
    return _customer_for(by, customer, "view")


@transaction.atomic
def order_create(*, customer: Customer, by=None, order_number: str, placed_at, lines: list[dict],
                 status: str = Order.Status.PLACED, channel: str = Order.Channel.WEB, currency: str = "USD") -> Order:
    customer = _transactional(by, "customers.add_order", customer)
    if not lines:
        raise ValidationError({"lines": _("An order needs at least one line.")}, code="required")
    order = Order(customer=customer, order_number=normalize_text(order_number), placed_at=placed_at,
                  status=status, channel=channel, currency=currency.upper())
    built = []
    for line in lines:
        quantity = int(line.get("quantity", 1))
        unit_price = Decimal(str(line["unit_price"]))
        built.append(OrderLine(order=order, product=line.get("product"), sku=line["sku"],
                               description=line.get("description") or line["sku"], quantity=quantity,
                               unit_price=unit_price, line_total=unit_price * quantity))
    order.total_amount = sum((line.line_total for line in built), Decimal("0"))
    _full_clean(order)
    order.save()
    for line in built:
        _full_clean(line, exclude=["order"])
    OrderLine.objects.bulk_create(built)
    customer_touch_activity(customer_id=customer.pk, at=placed_at)
    return order


@transaction.atomic
def product_holding_create(*, customer: Customer, product, started_on, by=None, quantity: int = 1,
                           status: str = ProductHolding.Status.ACTIVE, reason: str = "") -> ProductHolding:
    customer = _transactional(by, "customers.add_productholding", customer)
    holding = ProductHolding(customer=customer, product=product, started_on=started_on, quantity=quantity, status=status)
    _full_clean(holding)
    _save_with_history(holding, by=by, reason=reason or _("Product added"))
    return holding


@transaction.atomic
def product_holding_change_status(*, holding: ProductHolding, status: str, by=None, reason: str = "",
                                  ended_on=None) -> ProductHolding:
    _require_perm(by, "customers.change_productholding")
    holding = _restricted(ProductHolding, by, "change").select_for_update().get(pk=holding.pk)
    holding.status = status
    if status == ProductHolding.Status.CANCELLED:
        holding.ended_on = ended_on or timezone.localdate()
    _full_clean(holding)
    _save_with_history(holding, by=by, reason=reason or _("Status set to %(s)s") % {"s": holding.get_status_display()})
    return holding


def _restricted(model, by, action):
    return model.objects.all() if by is None else model.objects.restrict(by, action)


def service_request_reference_new() -> str:
    return f"SR-{secrets.randbelow(90_000_000) + 10_000_000}"


@transaction.atomic
def service_request_create(*, customer: Customer, by=None, subject: str, kind: str = ServiceRequest.Kind.REQUEST,
                           channel: str = ServiceRequest.Channel.PHONE, description: str = "",
                           priority: str = ServiceRequest.Priority.NORMAL, assignee=None, opened_at=None,
                           reason: str = "") -> ServiceRequest:
    customer = _transactional(by, "customers.add_servicerequest", customer)
    opened_at = opened_at or timezone.now()
    request = ServiceRequest(
        customer=customer, kind=kind, channel=channel, subject=normalize_text(subject), description=description.strip(),
        priority=priority, assignee=assignee, created_by=by, opened_at=opened_at,
        reference=service_request_reference_new(),
    )
    _full_clean(request)
    _save_with_history(request, by=by, reason=reason or _("Logged"))
    customer_touch_activity(customer_id=customer.pk, at=opened_at)
    return request


@transaction.atomic
def service_request_update(*, request: ServiceRequest, by=None, reason: str = "", **changes) -> ServiceRequest:
    _require_perm(by, "customers.change_servicerequest")
    request = _restricted(ServiceRequest, by, "change").select_for_update().get(pk=request.pk)
    editable = {"kind", "channel", "subject", "description", "priority", "assignee", "status", "resolution"}
    unknown = sorted(set(changes) - editable)
    if unknown:
        raise ValidationError({f: _("This field cannot be changed.") for f in unknown})
    for field, value in changes.items():
        setattr(request, field, normalize_text(value) if field == "subject" else value)
    closing = request.status in (ServiceRequest.Status.RESOLVED, ServiceRequest.Status.CLOSED)
    if closing and not request.resolution.strip():
        raise ValidationError({"resolution": _("Say how the request was resolved before closing it.")}, code="required")
    request.closed_at = (request.closed_at or timezone.now()) if closing else None
    _full_clean(request)
    _save_with_history(request, by=by, reason=reason or _("Updated"))
    return request


@transaction.atomic
def note_create(*, customer: Customer, by, body: str, pinned: bool = False, created_at=None) -> Note:
    customer = _transactional(by, "customers.add_note", customer)
    note = Note(customer=customer, author=by, body=body.strip(), pinned=pinned, created_at=created_at or timezone.now())
    _full_clean(note)
    note.save()
    return note


@transaction.atomic
def activity_record(*, customer: Customer, kind: str, occurred_at=None, properties: dict | None = None,
                    source: str = "", by=None) -> Activity:
    customer = _transactional(by, "customers.add_activity", customer)
    occurred_at = occurred_at or timezone.now()
    activity = Activity(customer=customer, kind=kind, occurred_at=occurred_at, source=source,
                        properties=validate_activity_properties(kind, properties or {}))
    _full_clean(activity)
    activity.save()
    customer_touch_activity(customer_id=customer.pk, at=occurred_at)
    return activity


@transaction.atomic
def feedback_record(*, customer: Customer, kind: str, score: int | None = None, comment: str = "",
                    service_request: ServiceRequest | None = None, channel: str = "", received_at=None,
                    by=None) -> Feedback:
    customer = _transactional(by, "customers.add_feedback", customer)
    limits = {Feedback.Kind.CSAT: (1, 5), Feedback.Kind.NPS: (0, 10)}
    if kind in limits and (score is None or not limits[kind][0] <= int(score) <= limits[kind][1]):
        low, high = limits[kind]
        raise ValidationError({"score": _("Give a score from %(low)s to %(high)s.") % {"low": low, "high": high}})
    feedback = Feedback(customer=customer, kind=kind, score=score, comment=comment.strip(), channel=channel,
                        service_request=service_request, received_at=received_at or timezone.now())
    _full_clean(feedback)
    feedback.save()
    return feedback


def catalog_save(*, instance, by=None):
    """Create or change catalog rows (products, attribute definitions) from the admin."""
    _require_perm(by, f"{instance._meta.app_label}.{'add' if instance._state.adding else 'change'}_{instance._meta.model_name}")
    with transaction.atomic():
        _full_clean(instance)
        try:
            instance.save()
        except IntegrityError as exc:  # a race past full_clean's uniqueness check
            raise ValidationError(str(exc)) from exc
    return instance


# --- per-customer grants (the exceptions to team rights) ----------------------------------

GRANT_ACTIONS = ("view", "change")


@transaction.atomic
def customer_grant(*, customer: Customer, action: str, by, user=None, group=None):
    """Let one user or group view or change one customer outside their teams (audited)."""
    from guardian.shortcuts import assign_perm

    if action not in GRANT_ACTIONS:
        raise ValidationError({"permission": _("Grant “view” or “change”.")})
    if (user is None) == (group is None):
        raise ValidationError({"user": _("Grant to exactly one user or one group.")})
    _require_perm(by, "customers.add_customeruserobjectpermission")
    row = assign_perm(f"customers.{action}_customer", user or group, customer)
    audit_record(by=by, action="customer.grant", obj=customer, fields=[action],
                 reason=f"to {'user ' + user.username if user else 'group ' + group.name}")
    return row


@transaction.atomic
def customer_grant_revoke(*, grant, by) -> None:
    _require_perm(by, "customers.delete_customeruserobjectpermission")
    holder = getattr(grant, "user", None) or grant.group
    audit_record(by=by, action="customer.grant_revoke", obj=grant.content_object,
                 fields=[grant.permission.codename.split("_")[0]], reason=f"from {holder}")
    grant.delete()


# --- service desk: closing requests, satisfaction surveys -----------------------------------

SURVEY_SALT = "customers.survey"
SURVEY_CHANNEL = "survey"


def _survey_max_age_days() -> int:
    return settings.CDM_SURVEY_MAX_AGE_DAYS


def _survey_error(field: str, code: str, message: str) -> ValidationError:
    # A dict ValidationError drops a top-level `code`: carry it on the inner error instead.
    return ValidationError({field: ValidationError(message, code=code)})


def _survey_answered(request: ServiceRequest) -> bool:
    return Feedback.objects.filter(service_request=request, kind=Feedback.Kind.CSAT, channel=SURVEY_CHANNEL).exists()


@transaction.atomic
def service_request_close(*, request: ServiceRequest, by, resolution: str, send_survey: bool = False,
                          reason: str = "") -> ServiceRequest:
    """Close a request with its resolution; with `send_survey`, e-mail the customer a one-question survey.

    The survey is queued on commit and only for customers with an e-mail address.
    """
    _require_perm(by, "customers.change_servicerequest")
    current = _restricted(ServiceRequest, by, "change").select_for_update().get(pk=request.pk)
    if current.status == ServiceRequest.Status.CLOSED:
        # A double submit on a live call must neither close twice nor send two surveys.
        raise ValidationError({"status": ValidationError(
            _("%(reference)s is already closed.") % {"reference": current.reference}, code="closed")})
    closed = service_request_update(request=current, by=by, status=ServiceRequest.Status.CLOSED,
                                    resolution=(resolution or "").strip(), reason=reason or _("Closed"))
    if send_survey and closed.customer.email:
        from customers.tasks import service_request_send_survey

        transaction.on_commit(lambda: service_request_send_survey.delay(closed.pk))
    return closed


def survey_token_make(request: ServiceRequest) -> str:
    """A signed, timestamped token naming the request; it expires after CDM_SURVEY_MAX_AGE_DAYS."""
    return signing.dumps({"sr": request.pk}, salt=SURVEY_SALT)


def _survey_request(token: str) -> ServiceRequest:
    invalid = _survey_error("token", "invalid", _("This survey link is not valid. Please use the link from "
                                                   "your e-mail exactly as it was sent."))
    try:
        data = signing.loads(token, salt=SURVEY_SALT, max_age=_survey_max_age_days() * 24 * 60 * 60)
    except signing.SignatureExpired:
        raise _survey_error("token", "expired", _("This survey link has expired.")) from None
    except signing.BadSignature:
        raise invalid from None
    pk = data.get("sr") if isinstance(data, dict) else None
    # The signed token is the customer's only credential (no user, hence no restrict()): it names
    # one request, and the public page shows nothing of it but its subject.
    request = ServiceRequest.objects.select_related("customer").filter(pk=pk).first() if isinstance(pk, int) else None
    if request is None or request.customer.status in (Customer.Status.MERGED, Customer.Status.ERASED):
        raise invalid
    return request


def survey_token_read(token: str) -> ServiceRequest:
    """The request a survey link points at.

    Raises ValidationError on "token" with code "expired", "invalid" (tampered, unknown request)
    or "answered" (the survey of this request was already answered).
    """
    request = _survey_request(token)
    if _survey_answered(request):
        raise _survey_error("token", "answered", _("This survey has already been answered. Thank you!"))
    return request


@transaction.atomic
def survey_answer(*, token: str, score: int, comment: str = "") -> Feedback:
    """Store the customer's answer as CSAT feedback on the request; a second answer is refused."""
    request = _survey_request(token)
    # Lock the request row: two tabs submitting at once must not store two answers.
    ServiceRequest.objects.select_for_update().filter(pk=request.pk).first()
    if _survey_answered(request):
        raise _survey_error("token", "answered", _("This survey has already been answered. Thank you!"))
    return feedback_record(customer=request.customer, kind=Feedback.Kind.CSAT, score=score, comment=comment or "",
                           service_request=request, channel=SURVEY_CHANNEL, by=None)


@transaction.atomic
def service_request_survey_send(*, request_id: int) -> bool:
    """Send the survey e-mail of a closed request once; False when none is due or it already went out.

    The row lock and `survey_sent_at` make a redelivered or doubled task a no-op; only a crash between
    sending and committing can still send twice.
    """
    from django.core.mail import send_mail

    locked = ServiceRequest.objects.select_for_update().filter(pk=request_id, survey_sent_at__isnull=True).first()
    message = service_request_survey_message(request_id=request_id) if locked else None
    if message is None:
        return False
    send_mail(**message)
    locked.survey_sent_at = timezone.now()
    _save_with_history(locked, by=None, reason=_("Satisfaction survey sent"))
    return True


def service_request_survey_message(*, request_id: int) -> dict | None:
    """The survey e-mail of a closed request as send_mail() keyword arguments, or None if none is due
    (request gone or reopened, no e-mail address, already answered)."""
    request = ServiceRequest.objects.select_related("customer").filter(pk=request_id).first()
    if (request is None or request.status != ServiceRequest.Status.CLOSED or not request.customer.email
            or request.customer.status in (Customer.Status.MERGED, Customer.Status.ERASED)
            or _survey_answered(request)):
        return None
    base_url = settings.CDM_PUBLIC_BASE_URL.rstrip("/")
    link = base_url + reverse("survey:answer", args=[survey_token_make(request)])
    customer = request.customer
    greeting = _("Hello %(name)s,") % {"name": customer.given_name} if customer.given_name else _("Hello,")
    body = "\n\n".join([
        greeting,
        _("we have closed your request “%(subject)s” (%(reference)s).") % {
            "subject": request.subject, "reference": request.reference},
        _("How satisfied are you with how we handled it? It is one question:"),
        link,
        _("The link works for %(days)s days.") % {"days": _survey_max_age_days()},
        _("Thank you for your time."),
    ])
    return {
        "subject": _("How did we do? (%(reference)s)") % {"reference": request.reference},
        "message": body + "\n",
        "from_email": None,
        "recipient_list": [customer.email],
    }


# --- search lexicon -----------------------------------------------------------------------------

def search_words_prune() -> int:
    """Drop the search words (customers.SearchWord) that no customer's name has any longer, e.g. after
    a correction or an erasure: the lexicon must not keep a name the customers table has forgotten.
    PostgreSQL only (the lexicon is empty elsewhere); one statement; returns how many went."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM customers_searchword WHERE word NOT IN ("
            " SELECT DISTINCT w FROM customers_customer, unnest(string_to_array(search_name, ' ')) AS w"
            " WHERE length(w) >= 3)")
        return cursor.rowcount
