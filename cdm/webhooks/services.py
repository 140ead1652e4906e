"""Every write on webhooks: relay the outbox, attempt deliveries, retry, pause, replay, endpoints' secrets.

The relay turns each unpublished outbox event into one delivery per subscribed endpoint (unique per
event and endpoint, so a rerun never sends twice) and marks the event published. A delivery is sent by
its own task, with a short timeout; failures are retried on the Standard Webhooks schedule.
"""

from __future__ import annotations

import datetime
import json
import logging
import random
import time

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import mail_admins, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cdm.access import ADMIN, FG
from cdm.use_cases import use_case
from cdm.webhooks import http, signing
from cdm.webhooks.catalogue import TEST_EVENT, EventType
from cdm.webhooks.models import OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

# Standard Webhooks' schedule: after the first attempt fails, retry after these delays (±10 % jitter);
# after the last, the delivery is dead.
RETRY_SCHEDULE = (datetime.timedelta(seconds=5), datetime.timedelta(minutes=5), datetime.timedelta(minutes=30),
                  datetime.timedelta(hours=2), datetime.timedelta(hours=5), datetime.timedelta(hours=10))
JITTER = 0.1
# Failing this long (every attempt to the endpoint failed since) pauses the endpoint and tells the admins.
PAUSE_AFTER = datetime.timedelta(days=1)
# A claimed delivery is not picked up again for this long (its task may still be running).
CLAIM_LEASE = datetime.timedelta(minutes=2)
QUEUE_LEASE = datetime.timedelta(minutes=5)
MAX_RETRY_AFTER = datetime.timedelta(hours=24)
PREVIOUS_SECRET_VALID = datetime.timedelta(hours=24)
DUE = (WebhookDelivery.Status.PENDING, WebhookDelivery.Status.FAILED)


# --- the payload ----------------------------------------------------------------------------------

def event_data(event: OutboxEvent, endpoint: WebhookEndpoint) -> dict:
    """What `endpoint` may receive of `event`: the event's data, plus the field groups its policy allows."""
    allowed = endpoint.allowed_groups()
    data = dict(event.payload.get("data") or {})
    for group, values in (event.payload.get("fields") or {}).items():
        if group in allowed and group != FG.SENSITIVE:
            data.update(values)
    if FG.SENSITIVE in allowed and event.sensitive:
        data.update(json.loads(event.sensitive))
    return data


def event_body(event: OutboxEvent, endpoint: WebhookEndpoint) -> bytes:
    body = {"type": event.type, "timestamp": event.occurred_at.isoformat(), "data": event_data(event, endpoint)}
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


# --- the relay ------------------------------------------------------------------------------------

def _targets(event: OutboxEvent, endpoints: list[WebhookEndpoint]) -> list[WebhookEndpoint]:
    if event.target_endpoint_id:
        return [e for e in endpoints if e.pk == event.target_endpoint_id]
    return [e for e in endpoints if event.type in (e.event_types or ())
            # A change that came from system X is not echoed back to X.
            and not (event.origin_system and e.system == event.origin_system)]


@use_case(atomic=False)
def webhooks_relay(*, by, limit: int = 500) -> list[int]:
    """Publish unpublished outbox events: one delivery per (event, endpoint); the ids of deliveries now due."""
    created = []
    with transaction.atomic():
        # skip_locked: two relays running side by side take different rows (ignored where unsupported).
        events = list(OutboxEvent.objects.filter(published_at__isnull=True).order_by("occurred_at", "pk")
                      .select_for_update(skip_locked=True)[:limit])
        if not events:
            return []
        endpoints = list(WebhookEndpoint.objects.exclude(status=WebhookEndpoint.Status.DISABLED))
        now = timezone.now()
        for event in events:
            for endpoint in _targets(event, endpoints):
                try:
                    with transaction.atomic():
                        delivery = WebhookDelivery.objects.create(event=event, endpoint=endpoint, next_attempt_at=now)
                except IntegrityError:  # an earlier relay, interrupted before marking the event, made it
                    continue
                if endpoint.status == WebhookEndpoint.Status.ACTIVE:
                    created.append(delivery.pk)
        OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(published_at=now)
    return created


def deliveries_due(*, now=None, limit: int = 1000) -> list[int]:
    """The deliveries due and not queued already, marked queued for QUEUE_LEASE: the relay runs every minute
    and on every commit, and must not hand the broker the same deliveries again while the workers catch up."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            Q(queued_until__isnull=True) | Q(queued_until__lt=now), status__in=DUE, next_attempt_at__lte=now,
            endpoint__status=WebhookEndpoint.Status.ACTIVE).order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
        WebhookDelivery.objects.filter(pk__in=ids).update(queued_until=now + QUEUE_LEASE)
    return ids


# --- one attempt ------------------------------------------------------------------------------------

def _claim(delivery_id: int, now) -> WebhookDelivery | None:
    """Take the delivery for one attempt, unless another worker has it or it is not due: at most one send."""
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status__in=DUE, next_attempt_at__lte=now,
        endpoint__status=WebhookEndpoint.Status.ACTIVE).update(next_attempt_at=now + CLAIM_LEASE)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("event", "endpoint").get(pk=delivery_id)


def retry_delay(attempts: int, retry_after: float | None = None) -> datetime.timedelta | None:
    """The wait before the next attempt after `attempts` failed ones; None: give up."""
    if attempts > len(RETRY_SCHEDULE):
        return None
    delay = RETRY_SCHEDULE[attempts - 1] * random.uniform(1 - JITTER, 1 + JITTER)
    if retry_after is not None:
        delay = max(delay, min(datetime.timedelta(seconds=retry_after), MAX_RETRY_AFTER))
    return delay


@use_case(atomic=False)
def webhook_delivery_attempt(*, delivery_id: int, by) -> WebhookDelivery | None:
    """Send one due delivery once (nothing if it is not due, or another worker has it); record the attempt."""
    now = timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    event, endpoint = delivery.event, delivery.endpoint
    body = event_body(event, endpoint)
    timestamp = int(time.time())
    headers = {"webhook-id": event.webhook_id, "webhook-timestamp": str(timestamp),
               "webhook-signature": signing.signature_header(endpoint.signing_secrets(), event.webhook_id,
                                                             timestamp, body)}
    # No transaction is open while waiting on the destination: a slow one holds no lock.
    response = http.post(endpoint.url, body, headers)
    _record(delivery, response)
    return delivery


def _record(delivery: WebhookDelivery, response: http.Response) -> None:
    now = timezone.now()
    S = WebhookDelivery.Status
    endpoint = delivery.endpoint
    with transaction.atomic():
        WebhookAttempt.objects.create(delivery=delivery, at=now, response_code=response.status,
                                      duration_ms=response.duration_ms, error=response.error)
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.last_response_code = response.status
        delivery.last_duration_ms = response.duration_ms
        delivery.last_error = response.error
        if response.status is not None and 200 <= response.status < 300:
            delivery.status, delivery.next_attempt_at = S.SUCCEEDED, None
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        elif response.status == 410:
            # Gone: the receiver says it wants nothing more. Nothing is sent to it again until re-enabled.
            delivery.status, delivery.next_attempt_at = S.DEAD, None
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
                status=WebhookEndpoint.Status.DISABLED,
                status_reason=_("The destination answered 410 Gone on %(at)s.") % {"at": f"{now:%Y-%m-%d %H:%M} UTC"})
        else:
            retry_after = response.retry_after if response.status in (429, 503) else None
            delay = retry_delay(delivery.attempts, retry_after)
            if delay is None:
                delivery.status, delivery.next_attempt_at = S.DEAD, None
            else:
                delivery.status, delivery.next_attempt_at = S.FAILED, now + delay
            WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
        delivery.queued_until = None  # the next attempt (a retry) may be queued when it is due
        delivery.save(update_fields=["status", "attempts", "next_attempt_at", "last_attempt_at",
                                     "last_response_code", "last_duration_ms", "last_error", "queued_until"])
    if delivery.status in (S.FAILED, S.DEAD):
        endpoints_pause_failing()


# --- pausing failing endpoints ------------------------------------------------------------------

def _admin_emails() -> list[str]:
    users = get_user_model().objects.filter(Q(is_superuser=True) | Q(groups__name=ADMIN), is_active=True) \
        .exclude(email="").values_list("email", flat=True).distinct()
    return sorted(set(users))


def endpoints_pause_failing(*, now=None) -> list[WebhookEndpoint]:
    """Pause every active endpoint failing for a day or more, and tell the admins once per endpoint."""
    now = now or timezone.now()
    paused = []
    for endpoint in WebhookEndpoint.objects.filter(status=WebhookEndpoint.Status.ACTIVE,
                                                   failing_since__lte=now - PAUSE_AFTER):
        reason = _("Every delivery failed since %(since)s: paused on %(at)s.") % {
            "since": f"{endpoint.failing_since:%Y-%m-%d %H:%M} UTC", "at": f"{now:%Y-%m-%d %H:%M} UTC"}
        # Conditional: of two workers noticing at once, one pauses and mails.
        if WebhookEndpoint.objects.filter(pk=endpoint.pk, status=WebhookEndpoint.Status.ACTIVE).update(
                status=WebhookEndpoint.Status.PAUSED, status_reason=reason):
            paused.append(endpoint)
            _tell_admins(endpoint, reason)
    return paused


def _tell_admins(endpoint: WebhookEndpoint, reason: str) -> None:
    subject = _("Webhook endpoint “%(name)s” paused") % {"name": endpoint.name}
    message = _("%(reason)s\n\nEndpoint: %(name)s (%(url)s)\nResume it in the admin (Webhook endpoints → "
                "Resume) once the destination works again; the deliveries it missed are sent then, and "
                "failed ones can be replayed.") % {"reason": reason, "name": endpoint.name, "url": endpoint.url}
    try:
        recipients = _admin_emails()
        if recipients:
            send_mail(subject, message, None, recipients)
        else:
            mail_admins(subject, message)
    except Exception:  # a mail server down must not stop the retries
        log.exception("webhooks: could not tell the admins that %s was paused", endpoint)


@use_case(atomic=False)
def webhooks_retry_due(*, by) -> list[int]:
    """Pause endpoints failing for a day; the ids of deliveries due now (new ones a lost task left, retries)."""
    endpoints_pause_failing()
    return deliveries_due()


# --- endpoints (the admin) -----------------------------------------------------------------------

def endpoint_clean(endpoint: WebhookEndpoint) -> None:
    errors = {}
    endpoint.system = (endpoint.system or "").strip().lower()  # as ExternalIdentity.system is stored
    try:
        http.url_check(endpoint.url)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    unknown = [t for t in endpoint.event_types or () if t not in EventType.values]
    if unknown:
        errors["event_types"] = [_("Unknown event types: %(types)s.") % {"types": ", ".join(map(str, unknown))}]
    if errors:
        raise ValidationError(errors)


@use_case(atomic=False)  # the admin calls it inside its own transaction
def webhook_endpoint_save(*, endpoint: WebhookEndpoint, by) -> str | None:
    """Save an endpoint; a new one gets its signing secret, returned (to be shown once)."""
    endpoint_clean(endpoint)
    secret = None
    if endpoint.pk is None:
        secret = endpoint.secret = signing.secret_new()
    endpoint.save()
    return secret


@use_case
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, by) -> str:
    """A new secret; the old one keeps signing alongside for 24 hours. Returns the new one (shown once)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + PREVIOUS_SECRET_VALID
    endpoint.secret = signing.secret_new()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    return endpoint.secret


@use_case
def webhook_endpoint_resume(*, endpoint: WebhookEndpoint, by) -> int:
    """Make a paused or disabled endpoint active again; its waiting deliveries go out. Returns how many are due."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(status=WebhookEndpoint.Status.ACTIVE, status_reason="",
                                                          failing_since=None)
    return WebhookDelivery.objects.filter(endpoint_id=endpoint.pk, status__in=DUE).update(
        next_attempt_at=timezone.now(), queued_until=None)


@use_case
def webhook_endpoint_send_test(*, endpoint: WebhookEndpoint, by) -> WebhookDelivery:
    """A `webhook.test` event to this endpoint alone, queued for the next relay."""
    event = OutboxEvent.objects.create(type=TEST_EVENT, target_endpoint=endpoint, object_type="cdm.webhookendpoint",
                                       object_id=str(endpoint.pk),
                                       payload={"data": {"message": "Test event from CDM"}, "fields": {}},
                                       published_at=timezone.now())
    delivery = WebhookDelivery.objects.create(event=event, endpoint=endpoint, next_attempt_at=timezone.now())
    from cdm.webhooks.outbox import relay_on_commit

    relay_on_commit()
    return delivery


@use_case
def webhook_deliveries_replay(*, since, by, endpoints=None) -> int:
    """Queue again every failed or dead delivery whose last attempt was at or after `since`: how many."""
    if since is None or since > timezone.now():
        raise ValidationError({"since": _("Enter a time in the past.")}, code="invalid")
    qs = WebhookDelivery.objects.filter(status__in=[WebhookDelivery.Status.FAILED, WebhookDelivery.Status.DEAD],
                                        last_attempt_at__gte=since)
    if endpoints is not None:
        qs = qs.filter(endpoint__in=endpoints)
    count = qs.update(status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now(),
                      queued_until=None)
    if count:
        from cdm.webhooks.outbox import relay_on_commit

        relay_on_commit()
    return count
