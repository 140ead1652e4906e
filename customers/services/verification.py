"""E-mail and phone verification: the customer proves the address or number is theirs.

E-mail: a signed link (TimestampSigner, own salt) valid CDM_VERIFY_EMAIL_MAX_AGE_HOURS. The token carries
the customer, the address it was sent to and the customer's verified timestamp at sending, so it works
once: after it was used (the timestamp moved) or the address changed, it is refused.

Phone: a 6-digit code by SMS (customers.sms), stored only as a keyed hash, valid 10 minutes, at most
5 attempts; the agent types in the code the customer reads back on the phone.

Either goes to one customer at most SENDS_PER_HOUR times an hour.

customer_update clears email_verified_at / phone_verified_at when the address or number changes.
"""

from __future__ import annotations

import datetime
import math
import secrets

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cdm import access
from cdm.access import SYSTEM
from cdm.errors import NotFound
from cdm.models import AuditEvent
from cdm.services import audit_record
from cdm.use_cases import use_case
from customers.models import Customer, PhoneVerification
from customers.services.base import _customer_for, _save_with_history

EMAIL_SALT = "customers.verify-email"
PHONE_CODE_SALT = "customers.verify-phone"
PHONE_CODE_MINUTES = 10
PHONE_MAX_ATTEMPTS = 5
# Links or codes sent to one customer in any hour, at most: a second try after a typo is fine; a script, or a
# caller flooding someone's inbox or phone (each SMS also costs money), is not.
SENDS_PER_HOUR = 5
GONE = (Customer.Status.MERGED, Customer.Status.ERASED)


def _error(field: str, code: str, message: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _check_send_rate(customer: Customer, action: str, field: str) -> None:
    """Refuse a sixth link or code within an hour, saying when the next may go (the audit log counts sends)."""
    now = timezone.now()
    recent = list(AuditEvent.objects.filter(
        action=action, object_type=customer._meta.label_lower, object_id=str(customer.pk),
        occurred_at__gt=now - datetime.timedelta(hours=1)).order_by("-occurred_at").values_list(
        "occurred_at", flat=True)[:SENDS_PER_HOUR])
    if len(recent) >= SENDS_PER_HOUR:
        wait = recent[-1] + datetime.timedelta(hours=1) - now
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        raise _error(field, "too_many", ngettext(
            "%(sends)d messages were sent to this customer in the last hour. Try again in %(minutes)d minute.",
            "%(sends)d messages were sent to this customer in the last hour. Try again in %(minutes)d minutes.",
            minutes) % {"sends": SENDS_PER_HOUR, "minutes": minutes})


def _may_verify(by, customer: Customer) -> Customer:
    """The customer re-read for `by`'s change right; sending needs the right to edit contact data too."""
    current = _customer_for(by, customer, "change")
    if by is not SYSTEM and access.FG.CONTACT not in access.editable_groups(by):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Your role may not change contact data."))
    return current


def _stamp(value) -> str:
    return value.isoformat() if value else ""


# --- e-mail ---------------------------------------------------------------------------------

def email_verification_token(customer: Customer) -> str:
    return signing.TimestampSigner(salt=EMAIL_SALT).sign_object(
        {"c": customer.customer_number, "e": customer.email, "v": _stamp(customer.email_verified_at)})


def email_verification_message(*, customer: Customer) -> dict:
    hours = settings.CDM_VERIFY_EMAIL_MAX_AGE_HOURS
    link = settings.CDM_PUBLIC_BASE_URL.rstrip("/") + reverse(
        "customers:verify_email_confirm", args=[email_verification_token(customer)])
    return {
        "subject": _("Please confirm your e-mail address"),
        "message": render_to_string("customers/email/verify_email.txt",
                                    {"customer": customer, "link": link, "hours": hours}),
        "from_email": None,
        "recipient_list": [customer.email],
    }


@use_case
def customer_email_verification_send(*, customer: Customer, by) -> None:
    """E-mail the customer a link that verifies their address (sent when the transaction commits)."""
    from django.core.mail import send_mail

    current = _may_verify(by, customer)
    if not current.email:
        raise _error("email", "missing", _("This customer has no e-mail address to verify."))
    if current.status in GONE:
        raise NotFound()
    _check_send_rate(current, "customer.verify_email_sent", "email")
    message = email_verification_message(customer=current)
    audit_record(by=by, action="customer.verify_email_sent", obj=current, fields=["email"])
    transaction.on_commit(lambda: send_mail(**message))


def email_verification_read(token: str) -> Customer:
    """The customer whose address a link verifies. ValidationError on "token": "expired", "invalid"
    (tampered, unknown, the address changed since) or "used" (this address is verified already)."""
    invalid = _error("token", "invalid", _("This link is not valid. It may be incomplete, or the e-mail address "
                                           "changed since it was sent."))
    max_age = settings.CDM_VERIFY_EMAIL_MAX_AGE_HOURS * 3600
    try:
        data = signing.TimestampSigner(salt=EMAIL_SALT).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        raise _error("token", "expired", _("This link has expired. Ask us for a new one.")) from None
    except (signing.BadSignature, ValueError):
        raise invalid from None
    if not isinstance(data, dict):
        raise invalid
    # The signed token is the customer's only credential (no user, so no restrict()).
    customer = Customer.objects.filter(customer_number=data.get("c")).exclude(status__in=GONE).first()
    if customer is None or not customer.email or customer.email != data.get("e"):
        raise invalid
    if _stamp(customer.email_verified_at) != data.get("v"):
        if customer.email_verified_at:
            raise _error("token", "used", _("Your e-mail address is verified. Thank you!"))
        raise invalid
    return customer


@use_case
def customer_email_verify(*, token: str, by) -> Customer:
    """Mark the address of the link as verified (the customer clicked it)."""
    found = email_verification_read(token)
    customer = Customer.objects.select_for_update().get(pk=found.pk)
    email_verification_read(token)  # again under the lock: two clicks at once verify once
    customer.email_verified_at = timezone.now()
    customer.version += 1
    _save_with_history(customer, by=by, reason=_("E-mail address verified by the customer"))
    return customer


# --- phone ----------------------------------------------------------------------------------

def _code_hash(verification_customer_id: int, phone: str, code: str) -> str:
    return salted_hmac(PHONE_CODE_SALT, f"{verification_customer_id}:{phone}:{code}", algorithm="sha256").hexdigest()


@use_case
def customer_phone_verification_send(*, customer: Customer, by, now=None) -> PhoneVerification:
    """Text the customer a new 6-digit code (any earlier open code stops working)."""
    from customers.sms import send_sms

    current = _may_verify(by, customer)
    if not current.phone:
        raise _error("phone", "missing", _("This customer has no phone number to verify."))
    if current.status in GONE:
        raise NotFound()
    _check_send_rate(current, "customer.verify_phone_sent", "phone")
    now = now or timezone.now()
    PhoneVerification.objects.filter(customer=current, verified_at__isnull=True, expires_at__gt=now).update(
        expires_at=now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    verification = PhoneVerification.objects.create(
        customer=current, phone=current.phone, code_hash=_code_hash(current.pk, current.phone, code),
        expires_at=now + datetime.timedelta(minutes=PHONE_CODE_MINUTES))
    audit_record(by=by, action="customer.verify_phone_sent", obj=current, fields=["phone"])
    body = _("Your verification code is %(code)s. It is valid for %(minutes)d minutes.") % {
        "code": code, "minutes": PHONE_CODE_MINUTES}
    phone = current.phone
    transaction.on_commit(lambda: send_sms(phone, body))
    return verification


@use_case(atomic=False)
def customer_phone_verify(*, customer: Customer, code: str, by, now=None) -> Customer:
    """Check the code the customer read back; right, the phone is verified. A wrong code counts as an
    attempt (committed even though the check fails); after 5, or 10 minutes, the code is spent.
    Raises ValidationError on "code"."""
    now = now or timezone.now()
    code = "".join(ch for ch in str(code or "") if ch.isdigit())
    with transaction.atomic():
        current = _may_verify(by, customer)
        current = Customer.objects.select_for_update().get(pk=current.pk)
        pending = (PhoneVerification.objects.select_for_update()
                   .filter(customer=current, verified_at__isnull=True).order_by("-created_at", "-pk").first())
        if pending is None or pending.phone != current.phone:
            error = _error("code", "none", _("No code was sent to this number. Send a code first."))
        elif pending.expires_at <= now:
            error = _error("code", "expired", _("This code has expired. Send a new one."))
        elif pending.attempts >= PHONE_MAX_ATTEMPTS:
            error = _error("code", "attempts", _("Too many wrong codes. Send a new one."))
        elif len(code) != 6 or not constant_time_compare(pending.code_hash, _code_hash(current.pk, current.phone, code)):
            pending.attempts += 1
            pending.save(update_fields=["attempts"])
            left = PHONE_MAX_ATTEMPTS - pending.attempts
            error = _error("code", "wrong", _("That is not the code. %(left)d attempts left.") % {"left": left}
                           if left else _("That is not the code. Too many wrong codes: send a new one."))
        else:
            error = None
            pending.verified_at = now
            pending.attempts += 1
            pending.save(update_fields=["verified_at", "attempts"])
            current.phone_verified_at = now
            current.version += 1
            _save_with_history(current, by=by, reason=_("Phone number verified with a code sent by SMS"))
    if error is not None:
        raise error
    return current
