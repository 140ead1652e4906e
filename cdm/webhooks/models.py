"""Outbound webhooks: endpoints, the transactional outbox, deliveries and their attempts.

Registered under the `cdm` app (cdm/models.py imports this module).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cdm.access import ALL_GROUPS, FG, ROLES
from cdm.crypto import encrypted
from cdm.querysets import GlobalScopeQuerySet
from cdm.webhooks.catalogue import EventType

ROLE_CHOICES = [(name, name) for name in ROLES]


class WebhookEndpoint(models.Model):
    """A destination told of changes, signed with its own secret, receiving only what its field policy allows."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused (failing; resume in the admin)")
        DISABLED = "disabled", _("Disabled")

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500, help_text=_("An http(s) address that accepts POST requests."))
    system = models.SlugField(
        _("system"), max_length=50, blank=True,
        help_text=_("The system behind this endpoint, as in external identities (e.g. “shop”). Changes that "
                    "came from that system are not sent back to it."))
    event_types = models.JSONField(_("event types"), default=list, blank=True,
                                   help_text=_("The events this endpoint is told of."))
    role = models.CharField(
        _("field policy: role"), max_length=50, blank=True, choices=ROLE_CHOICES,
        help_text=_("The endpoint receives the field groups this role may see (never sensitive fields)."))
    field_groups = models.JSONField(
        _("field policy: field groups"), default=list, blank=True,
        help_text=_("Or name the field groups it may receive. With neither, only customer numbers are sent."))
    secret = encrypted(models.CharField(_("signing secret"), max_length=100))
    previous_secret = encrypted(models.CharField(_("previous signing secret"), max_length=100, blank=True))
    previous_secret_expires_at = models.DateTimeField(_("previous secret valid until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE,
                              db_index=True)
    status_reason = models.TextField(_("status reason"), blank=True)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = GlobalScopeQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("webhook endpoint")

    def __str__(self):
        return self.name

    def allowed_groups(self) -> frozenset:
        """The field groups this endpoint may receive: its role's (never sensitive), or those it names."""
        if self.role in ROLES:
            return frozenset(ROLES[self.role].see) - {FG.SENSITIVE}
        return frozenset(self.field_groups or ()) & ALL_GROUPS

    def signing_secrets(self, now=None) -> list[str]:
        """The secrets to sign with: the current one, and the previous one until it expires."""
        now = now or timezone.now()
        keep_previous = (self.previous_secret and self.previous_secret_expires_at
                         and self.previous_secret_expires_at > now)
        return [self.secret, self.previous_secret] if keep_previous else [self.secret]


class OutboxEvent(models.Model):
    """A change, written in the same transaction as the change itself; the relay publishes it.

    `payload` is {"data": {...sent to every endpoint...}, "fields": {field group: {field: value}}}; each
    delivery sends `data` plus the groups its endpoint may receive, flattened. Sensitive fields never sit
    in `payload`: they are stored encrypted in `sensitive` (JSON), and only exist when some endpoint may
    receive them.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(_("type"), max_length=60, db_index=True)
    occurred_at = models.DateTimeField(_("occurred"), default=timezone.now)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    sensitive = encrypted(models.TextField(_("sensitive fields (JSON)"), blank=True))
    origin_system = models.SlugField(_("origin system"), max_length=50, blank=True,
                                     help_text=_("The system whose API token or import caused the change."))
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Set for the admin's test event: delivered to this endpoint only.
    target_endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, null=True, blank=True,
                                        related_name="+")

    objects = GlobalScopeQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name = _("outbox event")
        indexes = [models.Index(fields=["published_at", "occurred_at"], name="cdm_outbox_unpublished_idx")]

    def __str__(self):
        return f"{self.type} {self.object_id} ({self.webhook_id})"

    @property
    def webhook_id(self) -> str:
        return f"msg_{self.id.hex}"


class WebhookDelivery(models.Model):
    """One event to one endpoint: unique, so a rerun of the relay never sends twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed (will retry)")
        DEAD = "dead", _("Dead (gave up)")

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0,
                                           help_text=_("Attempts since it was queued or replayed."))
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Handed to the broker until then: a relay running meanwhile does not queue it again (a lost message is
    # queued again once this passes).
    queued_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_response_code = models.PositiveIntegerField(_("last response code"), null=True, blank=True)
    last_duration_ms = models.PositiveIntegerField(_("last duration (ms)"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = GlobalScopeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["event", "endpoint"], name="cdm_delivery_once_per_endpoint")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="cdm_delivery_due_idx")]

    def __str__(self):
        return f"{self.event.type} → {self.endpoint} ({self.get_status_display()})"


class WebhookAttempt(models.Model):
    """The delivery log: one row per HTTP attempt."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField(_("at"), default=timezone.now)
    response_code = models.PositiveIntegerField(_("response code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    error = models.TextField(_("error"), blank=True)

    objects = GlobalScopeQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("webhook attempt")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.response_code or self.error[:40]}"


__all__ = ["EventType", "OutboxEvent", "WebhookAttempt", "WebhookDelivery", "WebhookEndpoint"]
