"""The identity graph: (system, external id) → customer."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models.customers import Customer
from customers.querysets import CustomerRowQuerySet


class ExternalIdentity(models.Model):
    """(system, external id) → customer: makes imports and API upserts idempotent."""

    restrict_via = "customer"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="external_ids")
    system = models.SlugField(_("system"), max_length=50)
    external_id = models.CharField(_("external ID"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CustomerRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        constraints = [
            models.UniqueConstraint(fields=["system", "external_id"], name="external_identity_unique",
                                    violation_error_message=_("This external ID is already linked to a customer."))
        ]
        indexes = [
            models.Index(fields=["customer", "system"], name="external_identity_customer"),
            models.Index(fields=["external_id"], name="external_identity_id"),  # search by any system's ID
        ]

    def __str__(self):
        return f"{self.system}:{self.external_id}"
