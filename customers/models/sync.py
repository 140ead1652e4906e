"""Two-way sync: which source system wins per field group, and the inbound changes that did not win."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cdm import access
from cdm.querysets import GlobalScopeQuerySet
from customers.models.customers import Customer
from customers.querysets import CustomerRowQuerySet

DEFAULT_PRIORITY = 50
# The changes made in CDM itself (people on the pages, the admin): they compete like a source system named so.
MANUAL = "cdm"


class SourceSystem(models.Model):
    """A system that sends customer data (by API or file): its priority per field group. Of two systems, the
    one with the higher priority for a field's group keeps its value; with equal priorities the later change
    (by the source's own time) wins. Systems not listed, and edits in CDM ("cdm"), have the default priority."""

    system = models.SlugField(_("system"), max_length=50, unique=True,
                              help_text=_("As in external ids and API tokens, e.g. “shop”; “cdm” for edits in CDM."))
    name = models.CharField(_("name"), max_length=100, blank=True)
    priorities = models.JSONField(_("priority per field group"), default=dict, blank=True, help_text=_(
        "e.g. {\"contact\": 80, \"identity\": 20}; groups not named have the default priority (50)."))
    updated_at = models.DateTimeField(auto_now=True)

    objects = GlobalScopeQuerySet.as_manager()

    class Meta:
        verbose_name = _("source system")
        verbose_name_plural = _("source systems")
        ordering = ["system"]

    def __str__(self):
        return self.name or self.system

    def clean(self):
        from django.core.exceptions import ValidationError

        priorities = self.priorities if isinstance(self.priorities, dict) else None
        groups = set(access.FieldGroup.values)
        if priorities is None or any(g not in groups or isinstance(p, bool) or not isinstance(p, int)
                                     or not 0 <= p <= 100 for g, p in priorities.items()):
            raise ValidationError({"priorities": _(
                "Give each field group a whole number from 0 to 100, e.g. {\"contact\": 80}. Groups: %(groups)s.")
                % {"groups": ", ".join(sorted(groups))}})
        self.system = (self.system or "").strip().lower()

    def priority(self, group: str) -> int:
        return int(self.priorities.get(group, DEFAULT_PRIORITY))


class SkippedChange(models.Model):
    """An inbound change that did not overwrite: older than the stored value, or from a lower-priority system."""

    class Reason(models.TextChoices):
        OLDER = "older", _("older than the stored value")
        LOWER_PRIORITY = "lower_priority", _("from a lower-priority system")

    restrict_via = "customer"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="skipped_changes")
    field = models.CharField(_("field"), max_length=50)
    system = models.SlugField(_("from system"), max_length=50)
    value = models.TextField(_("value sent"), blank=True, help_text=_("Never kept for sensitive fields."))
    source_at = models.DateTimeField(_("changed at the source"))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    kept_system = models.SlugField(_("kept from"), max_length=50)
    kept_at = models.DateTimeField(_("kept value's time"))
    at = models.DateTimeField(_("skipped at"), auto_now_add=True)

    objects = CustomerRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("skipped change")
        verbose_name_plural = _("skipped changes")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["customer", "-at"], name="skipped_change_customer")]

    def __str__(self):
        return f"{self.system}: {self.field} ({self.get_reason_display()})"


def field_group(field: str) -> str:
    return access.field_group_of(field) or ""
