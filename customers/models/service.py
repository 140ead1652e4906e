"""The service desk's rows: requests and complaints, notes, feedback."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers.models.customers import Customer
from customers.querysets import CustomerRowQuerySet


class ServiceRequest(models.Model):
    restrict_via = "customer"

    class Kind(models.TextChoices):
        REQUEST = "request", _("Service request")
        COMPLAINT = "complaint", _("Complaint")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        CHAT = "chat", _("Chat")
        WEB = "web", _("Web form")
        STORE = "store", _("Store")
        LETTER = "letter", _("Letter")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING = "waiting", _("Waiting for customer")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.WAITING)

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="service_requests")
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.REQUEST)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="assigned_requests", verbose_name=_("assignee"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    resolution = models.TextField(_("resolution"), blank=True)
    opened_at = models.DateTimeField(_("opened"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Set when the satisfaction survey went out: a redelivered task must not mail the customer twice.
    survey_sent_at = models.DateTimeField(_("survey sent"), null=True, blank=True, editable=False)
    # Random, made when the survey goes out: the link names this, never the request's sequential id.
    survey_key = models.CharField(_("survey key"), max_length=32, null=True, blank=True, unique=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"], history_change_reason_field=models.TextField(null=True))
    objects = CustomerRowQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["customer", "status"], name="request_customer_status"),
            models.Index(fields=["assignee", "status"], name="request_assignee_status"),
        ]

    def __str__(self):
        return f"{self.reference} {self.subject}"


class Note(models.Model):
    restrict_via = "customer"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(_("note"))
    pinned = models.BooleanField(_("pinned"), default=False)
    created_at = models.DateTimeField(_("created"))

    objects = CustomerRowQuerySet.as_manager()

    class Meta:
        ordering = ["-pinned", "-created_at"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="note_customer_time")]

    def __str__(self):
        return self.body[:60]


class Feedback(models.Model):
    restrict_via = "customer"

    class Kind(models.TextChoices):
        CSAT = "csat", _("Satisfaction survey (1–5)")
        NPS = "nps", _("Net promoter score (0–10)")
        COMMENT = "comment", _("Comment")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="feedback")
    service_request = models.ForeignKey(ServiceRequest, on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="feedback")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    received_at = models.DateTimeField(_("received"))

    objects = CustomerRowQuerySet.as_manager()

    class Meta:
        verbose_name_plural = _("feedback")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["customer", "-received_at"], name="feedback_customer_time")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__lte=10), name="feedback_score_range",
                violation_error_message=_("Scores run from 0 to 10."),
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.score if self.score is not None else self.comment[:40]}"
