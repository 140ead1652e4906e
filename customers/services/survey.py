"""The satisfaction survey: the signed link, the answer, the e-mail."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cdm.access import SYSTEM
from cdm.use_cases import use_case
from customers.models import (
    Customer,
    Feedback,
    ServiceRequest,
)
from customers.services.base import _save_with_history
from customers.services.transactional import feedback_record

SURVEY_SALT = "customers.survey"
SURVEY_CHANNEL = "survey"


def _survey_max_age_days() -> int:
    return settings.CDM_SURVEY_MAX_AGE_DAYS


def _survey_error(field: str, code: str, message: str) -> ValidationError:
    # A dict ValidationError drops a top-level `code`: carry it on the inner error instead.
    return ValidationError({field: ValidationError(message, code=code)})


def _survey_answered(request: ServiceRequest) -> bool:
    return Feedback.objects.filter(service_request=request, kind=Feedback.Kind.CSAT, channel=SURVEY_CHANNEL).exists()


def survey_token_make(request: ServiceRequest) -> str:
    """The link's token: the request's random survey key, signed with a timestamp (it expires after
    CDM_SURVEY_MAX_AGE_DAYS). Only a request whose survey went out has a key."""
    if not request.survey_key:
        raise ValueError(f"No survey was sent for {request.reference}.")
    return signing.TimestampSigner(salt=SURVEY_SALT).sign(request.survey_key)


def _survey_request(token: str) -> ServiceRequest:
    invalid = _survey_error("token", "invalid", _("This survey link is not valid. Please use the link from "
                                                   "your e-mail exactly as it was sent."))
    try:
        key = signing.TimestampSigner(salt=SURVEY_SALT).unsign(token, max_age=_survey_max_age_days() * 24 * 60 * 60)
    except signing.SignatureExpired:
        raise _survey_error("token", "expired", _("This survey link has expired.")) from None
    except signing.BadSignature:
        raise invalid from None
    # The signed token is the customer's only credential (no user, hence no restrict()): it names
    # one request whose survey was sent, and the public page shows nothing of it but its reference.
    request = (ServiceRequest.objects.select_related("customer")
               .filter(survey_key=key, survey_sent_at__isnull=False).first())
    if request is None or request.customer.status in (Customer.Status.MERGED, Customer.Status.ERASED):
        raise invalid
    if request.status != ServiceRequest.Status.CLOSED:
        raise _survey_error("token", "reopened", _("We are still working on this request, so there is nothing to "
                                                    "rate yet. Thank you for your patience."))
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


@use_case
def survey_answer(*, token: str, score: int, comment: str = "", by) -> Feedback:
    """Store the customer's answer as CSAT feedback on the request; a second answer is refused."""
    request = _survey_request(token)
    # Lock the request row: two tabs submitting at once must not store two answers.
    ServiceRequest.objects.select_for_update().filter(pk=request.pk).first()
    if _survey_answered(request):
        raise _survey_error("token", "answered", _("This survey has already been answered. Thank you!"))
    return feedback_record(customer=request.customer, kind=Feedback.Kind.CSAT, score=score, comment=comment or "",
                           service_request=request, channel=SURVEY_CHANNEL, by=SYSTEM)


@use_case
def service_request_survey_send(*, request_id: int, by) -> bool:
    """Send the survey e-mail of a closed request once; False when none is due or it already went out.

    The row lock and `survey_sent_at` make a redelivered or doubled task a no-op; only a crash between
    sending and committing can still send twice.
    """
    from django.core.mail import send_mail

    locked = ServiceRequest.objects.select_for_update().filter(pk=request_id, survey_sent_at__isnull=True).first()
    if locked is None:
        return False
    locked.survey_key = secrets.token_urlsafe(16)
    message = service_request_survey_message(request=locked)
    if message is None:
        return False
    send_mail(**message)
    locked.survey_sent_at = timezone.now()
    _save_with_history(locked, by=SYSTEM, reason=_("Satisfaction survey sent"))
    return True


def service_request_survey_message(*, request: ServiceRequest) -> dict | None:
    """The survey e-mail of a closed request as send_mail() keyword arguments, or None if none is due
    (reopened, no e-mail address, merged or erased customer, already answered). It names the request by
    its reference: subjects are written by agents for agents."""
    customer = request.customer
    if (request.status != ServiceRequest.Status.CLOSED or not customer.email
            or customer.status in (Customer.Status.MERGED, Customer.Status.ERASED) or _survey_answered(request)):
        return None
    context = {
        "customer": customer, "request": request, "days": _survey_max_age_days(),
        "link": settings.CDM_PUBLIC_BASE_URL.rstrip("/") + reverse("survey:answer", args=[survey_token_make(request)]),
    }
    return {
        "subject": _("How did we do? (%(reference)s)") % {"reference": request.reference},
        "message": render_to_string("customers/email/survey.txt", context),
        "from_email": None,
        "recipient_list": [customer.email],
    }
