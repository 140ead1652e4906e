"""The service desk's writes: service requests and complaints (log, change, close) and notes."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cdm import access
from cdm.events import emit
from cdm.use_cases import use_case
from customers.models import (
    Customer,
    Note,
    ServiceRequest,
)
from customers.normalize import normalize_text
from customers.services.base import _full_clean, _save_with_history, customer_to_add_to, get_restricted, require_perm
from customers.services.customers import customer_touch_activity


def service_request_reference_new() -> str:
    return f"SR-{secrets.randbelow(90_000_000) + 10_000_000}"


@use_case
def service_request_create(*, customer: Customer, by, subject: str, kind: str = ServiceRequest.Kind.REQUEST,
                           channel: str = ServiceRequest.Channel.PHONE, description: str = "",
                           priority: str = ServiceRequest.Priority.NORMAL, assignee=None, opened_at=None,
                           reason: str = "") -> ServiceRequest:
    customer = customer_to_add_to(by, ServiceRequest, customer)
    opened_at = opened_at or timezone.now()
    request = ServiceRequest(
        customer=customer, kind=kind, channel=channel, subject=normalize_text(subject), description=description.strip(),
        priority=priority, assignee=assignee, created_by=access.user_or_none(by), opened_at=opened_at,
        reference=service_request_reference_new(),
    )
    _full_clean(request)
    _save_with_history(request, by=by, reason=reason or _("Logged"))
    customer_touch_activity(customer_id=customer.pk, at=opened_at)
    return request


@use_case
def service_request_update(*, request: ServiceRequest, by, reason: str = "", **changes) -> ServiceRequest:
    require_perm(by, "customers.change_servicerequest")
    request = get_restricted(ServiceRequest, by, "change", lock=True, pk=request.pk)
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


@use_case
def note_create(*, customer: Customer, by, body: str, pinned: bool = False, created_at=None) -> Note:
    customer = customer_to_add_to(by, Note, customer)
    note = Note(customer=customer, author=access.user_or_none(by), body=body.strip(), pinned=pinned, created_at=created_at or timezone.now())
    _full_clean(note)
    note.save()
    return note


@use_case
def service_request_close(*, request: ServiceRequest, by, resolution: str, send_survey: bool = False,
                          reason: str = "") -> ServiceRequest:
    """Close a request with its resolution; with `send_survey`, e-mail the customer a one-question survey.

    The survey is queued on commit and only for customers with an e-mail address.
    """
    require_perm(by, "customers.change_servicerequest")
    current = get_restricted(ServiceRequest, by, "change", lock=True, pk=request.pk)
    if current.status == ServiceRequest.Status.CLOSED:
        # A double submit on a live call must neither close twice nor send two surveys.
        raise ValidationError({"status": ValidationError(
            _("%(reference)s is already closed.") % {"reference": current.reference}, code="closed")})
    closed = service_request_update(request=current, by=by, status=ServiceRequest.Status.CLOSED,
                                    resolution=(resolution or "").strip(), reason=reason or _("Closed"))
    emit("service_request.closed", request_id=closed.pk, send_survey=bool(send_survey and closed.customer.email))
    return closed
