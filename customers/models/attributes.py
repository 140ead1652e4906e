"""Admin-defined typed attributes (one definition per concept) and their values per customer."""

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from cdm.querysets import GlobalScopeQuerySet
from customers.models.customers import Customer
from customers.querysets import CustomerRowQuerySet


class AttributeDefinition(models.Model):
    """One definition per concept ("Industry", not three variants), with its type and allowed values."""

    class DataType(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        BOOLEAN = "boolean", _("Yes / no")
        DATE = "date", _("Date")
        CHOICE = "choice", _("One of a list")
        MULTI = "multi", _("Several of a list")

    key = models.SlugField(_("key"), max_length=50, unique=True)
    label = models.CharField(_("label"), max_length=100)
    data_type = models.CharField(_("type"), max_length=10, choices=DataType.choices)
    allowed_values = models.JSONField(_("allowed values"), default=list, blank=True,
                                      help_text=_("For list types: the values users may pick."))
    synonyms = models.JSONField(_("synonyms"), default=dict, blank=True,
                                help_text=_('For list types: {"allowed value": ["synonym", ...]}; a synonym is stored as '
                                            'its allowed value ("IT" -> "Information technology").'))
    field_group = models.CharField(_("field group"), max_length=20, choices=[
        ("demographics", _("Demographics")), ("preferences", _("Preferences and psychographics"))])
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = GlobalScopeQuerySet.as_manager()

    class Meta:
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(Lower("label"), name="attribute_label_unique_ci",
                                    violation_error_message=_("An attribute with this label already exists.")),
        ]

    def __str__(self):
        return self.label


class CustomerAttribute(models.Model):
    """A typed value; one typed column per type so segment rules filter on indexes."""

    restrict_via = "customer"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="attributes")
    definition = models.ForeignKey(AttributeDefinition, on_delete=models.PROTECT, related_name="values")
    value_text = models.CharField(max_length=500, blank=True)
    value_number = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    value_boolean = models.BooleanField(null=True, blank=True)
    value_date = models.DateField(null=True, blank=True)
    value_list = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CustomerRowQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "definition"], name="customer_attribute_unique")]
        indexes = [
            models.Index(fields=["definition", "value_text"], name="attribute_text"),
            models.Index(fields=["definition", "value_number"], name="attribute_number"),
        ]

    def __str__(self):
        return f"{self.definition}: {self.value}"

    @property
    def value(self):
        return {
            "text": self.value_text, "choice": self.value_text, "number": self.value_number,
            "boolean": self.value_boolean, "date": self.value_date, "multi": self.value_list,
        }[self.definition.data_type]
