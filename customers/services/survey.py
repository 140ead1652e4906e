"""The satisfaction survey: the signed link, the answer, the e-mail."""

from __future__ import annotations
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
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
    message = service_request_survey_message(request_id=request_id) if locked else None
    if message is None:
        return False
    send_mail(**message)
    locked.survey_sent_at = timezone.now()
    _save_with_history(locked, by=SYSTEM, reason=_("Satisfaction survey sent"))
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
