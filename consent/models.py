"""Purposes, privacy notices, consent records and data-subject requests (issue: consent)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cdm.models import AppendOnlyModel, AppendOnlyQuerySet
from cdm.querysets import GlobalScopeQuerySet
from customers.querysets import CustomerRowQuerySet

# One text for the form and the model rule, so both say the same thing.
VERBAL_NOTE_REQUIRED = _(
    "Write down what was said on the call and by whom, e.g. “Caller (the customer herself) asked to stop "
    "marketing e-mails.” A verbal consent is only evidence with this note."
)


class PurposeQuerySet(GlobalScopeQuerySet):
    def active(self):
        return self.filter(active=True)


class Purpose(models.Model):
    """What a customer consents to, e.g. "email-marketing". Deactivate, never delete: records point here."""

    key = models.SlugField(_("key"), max_length=50, unique=True,
                           help_text=_("Stable identifier used by segment rules and integrations."))
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=30, blank=True,
                                  help_text=_("Shown in compact summaries, e.g. “SMS”. Defaults to the name."))
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True,
                                 help_text=_("Inactive purposes keep their records but take no new ones."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PurposeQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name


class PrivacyNotice(models.Model):
    """One published version of the privacy notice a consent was given under."""

    version = models.CharField(_("version"), max_length=50, unique=True, help_text=_("e.g. “2025-01”."))
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published"), default=timezone.now)

    objects = GlobalScopeQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self):
        return _("Privacy notice %(version)s") % {"version": self.version}


class ConsentRecordQuerySet(AppendOnlyQuerySet, CustomerRowQuerySet):
    pass


class ConsentRecord(AppendOnlyModel):
    """Append-only evidence: who consented to what, when, how and under which notice.

    AppendOnlyModel and database triggers refuse changes and deletes (cascades included).
    The current state of a purpose is its latest record.
    """

    restrict_via = "customer"

    objects = ConsentRecordQuerySet.as_manager()

    class Method(models.TextChoices):
        VERBAL = "verbal", _("Verbal (phone or in person)")
        WEB_FORM = "web_form", _("Web form")
        DOUBLE_OPT_IN = "double_opt_in", _("Double opt-in")
        EMAIL = "email", _("E-mail")
        PAPER = "paper", _("Paper form")
        IMPORT = "import", _("File import")
        API = "api", _("API")

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="consent_records",
                                 verbose_name=_("customer"))
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="records", verbose_name=_("purpose"))
    granted = models.BooleanField(_("granted"), help_text=_("Granted, or withdrawn when unticked."))
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    notice = models.ForeignKey(PrivacyNotice, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="consent_records", verbose_name=_("privacy notice"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now,
                                       help_text=_("When the customer gave or withdrew consent."))
    source = models.CharField(_("source"), max_length=100, blank=True, help_text=_("e.g. “phone call”."))
    evidence = models.TextField(_("evidence"), blank=True, help_text=_("e.g. a call reference or form submission ID."))
    note = models.TextField(_("note"), blank=True)
    # No database FK: deleting a user must never rewrite evidence (SET_NULL would be an UPDATE).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
        null=True, blank=True, related_name="+", verbose_name=_("recorded by"),
    )
    recorded_by_username = models.CharField(_("recorded by (user name)"), max_length=150, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        # Nothing to change or delete: only add and view permissions exist.
        default_permissions = ("add", "view")
        indexes = [models.Index(fields=["customer", "purpose", "-recorded_at"], name="consent_customer_purpose_time")]

    def __str__(self):
        state = _("granted") if self.granted else _("withdrawn")
        purpose = self.purpose if self.purpose_id else "?"
        return f"{purpose} {state} {self.recorded_at:%Y-%m-%d %H:%M}"

    def clean(self):
        if self.method == self.Method.VERBAL and not self.note.strip():
            raise ValidationError({"note": VERBAL_NOTE_REQUIRED}, code="required")
