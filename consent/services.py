"""Every write on consent data: one function per use case.

`by` is the acting user; the system itself (imports, scheduled tasks) passes cdm.access.SYSTEM.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cdm.services import audit_record
from cdm.use_cases import use_case
from consent.models import ConsentRecord, PrivacyNotice, Purpose
from customers.models import Customer
from customers.services import customer_touch_activity
from customers.services.base import customer_to_add_to, require_perm
from customers.services.webhooks import consent_event_record

RECORD_PERM = "consent.add_consentrecord"
# Clocks of the caller and the server differ a little; more than this in the future is a typo.
CLOCK_SKEW = datetime.timedelta(minutes=5)


@use_case
def consent_record(*, customer: Customer, purpose: Purpose, granted: bool, method: str, by, note: str = "",
                   source: str = "", evidence: str = "", notice: PrivacyNotice | None = None,
                   recorded_at=None) -> ConsentRecord:
    """Record that the customer granted or withdrew consent for one purpose (a new record, never an edit).

    Outside `by`'s right to change the customer it does not exist (NotFound, a 404);
    without the permission to record consents, PermissionDenied.
    """
    # Re-read within `by`'s rights to add to the customer (a view grant is not enough): outside them the
    # customer does not exist; the status is current.
    customer = customer_to_add_to(by, ConsentRecord, customer)
    if customer.status == Customer.Status.MERGED:
        raise ValidationError(_("This customer was merged into %(number)s: record the consent there.")
                              % {"number": customer.merged_into.customer_number}, code="merged")
    if customer.status == Customer.Status.ERASED:
        raise ValidationError(_("This customer's data was erased: no consent can be recorded."), code="erased")
    purpose = Purpose.objects.get(pk=purpose.pk)  # the stored `active` flag, not a stale copy
    if not purpose.active:
        raise ValidationError(
            {"purpose": _("“%(purpose)s” is no longer in use and takes no new consents. Pick another purpose.")
             % {"purpose": purpose.name}}, code="inactive")
    now = timezone.now()
    recorded_at = recorded_at or now
    if recorded_at > now + CLOCK_SKEW:
        raise ValidationError({"recorded_at": _("A consent cannot be recorded in the future.")}, code="future")
    record = ConsentRecord(
        customer=customer, purpose=purpose, granted=bool(granted), method=method, notice=notice,
        recorded_at=recorded_at, source=source.strip(), evidence=evidence.strip(), note=note.strip(),
        recorded_by=by if getattr(by, "pk", None) else None,
        recorded_by_username=getattr(by, "username", "") or "system",
    )
    record.full_clean()
    record.save()
    # The audit row names the purpose, never the note: notes may quote the customer.
    audit_record(by=by, action="consent.grant" if record.granted else "consent.withdraw", obj=customer,
                 fields=[purpose.key], reason=_("%(method)s, record %(pk)s") % {"method": method, "pk": record.pk})
    customer_touch_activity(customer_id=customer.pk, at=recorded_at)
    consent_event_record(customer=customer, purpose=purpose.key, granted=record.granted, method=method,
                         recorded_at=recorded_at)
    return record


# --- catalog (admin) -------------------------------------------------------------------------

def _catalog_save(instance, *, by, action: str, fields) -> None:
    with transaction.atomic():
        instance.full_clean()
        try:
            instance.save()
        except IntegrityError as exc:  # a race past full_clean's uniqueness check
            raise ValidationError(str(exc)) from exc
        audit_record(by=by, action=action, obj=instance, fields=fields)


@use_case(atomic=False)  # its own transaction: the admin calls it inside the admin's
def purpose_save(*, purpose: Purpose, by, changed=()) -> Purpose:
    """Create or change a purpose. Its key is what rules and integrations use: it never changes."""
    adding = purpose._state.adding
    require_perm(by, f"consent.{'add' if adding else 'change'}_purpose")
    if not adding:
        stored_key = Purpose.objects.filter(pk=purpose.pk).values_list("key", flat=True).get()
        if stored_key != purpose.key:
            raise ValidationError({"key": _("The key cannot change: segments and integrations refer to it. "
                                             "Add a new purpose and deactivate this one instead.")}, code="immutable")
    _catalog_save(purpose, by=by, action="consent.purpose_create" if adding else "consent.purpose_update",
                  fields=changed)
    return purpose


@use_case(atomic=False)  # its own transaction: the admin calls it inside the admin's
def privacy_notice_save(*, notice: PrivacyNotice, by, changed=()) -> PrivacyNotice:
    """Publish a notice version, or correct one that no consent refers to yet."""
    adding = notice._state.adding
    require_perm(by, f"consent.{'add' if adding else 'change'}_privacynotice")
    stored = None if adding else PrivacyNotice.objects.filter(pk=notice.pk).values("version", "text").get()
    if stored and stored != {"version": notice.version, "text": notice.text} and notice.consent_records.exists():
        raise ValidationError(
            _("Consents were given under this version, so its text and label must stay as they are. "
              "Publish a new version instead."), code="immutable")
    _catalog_save(notice, by=by, action="consent.notice_create" if adding else "consent.notice_update",
                  fields=changed)
    return notice
