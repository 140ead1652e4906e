"""The event types an endpoint can subscribe to (Standard Webhooks' `type`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    CUSTOMER_CREATED = "customer.created", _("Customer created")
    CUSTOMER_UPDATED = "customer.updated", _("Customer updated")
    CUSTOMER_MERGED = "customer.merged", _("Customers merged")
    CUSTOMER_UNMERGED = "customer.unmerged", _("Merge undone")
    CUSTOMER_ARCHIVED = "customer.archived", _("Customer archived")
    CUSTOMER_ERASED = "customer.erased", _("Customer erased")
    CONSENT_CHANGED = "consent.changed", _("Consent changed")
    SEGMENT_MEMBERSHIP_CHANGED = "segment.membership_changed", _("Segment membership changed")
    IMPORT_FINISHED = "import.finished", _("Import finished")


# Sent by the admin's "send test event" to one endpoint, whatever it subscribes to.
TEST_EVENT = "webhook.test"
