"""Data quality over time and phone verification codes."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cdm.querysets import GlobalScopeQuerySet
from customers.models.customers import Customer
from customers.querysets import CustomerRowQuerySet


class QualitySnapshot(models.Model):
    """The quality figures of one day (the dashboard's trend), written by the periodic quality task."""

    day = models.DateField(unique=True)
    figures = models.JSONField(default=dict, help_text="{figure: count}, e.g. invalid_email, stale, average_score")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GlobalScopeQuerySet.as_manager()

    class Meta:
        ordering = ["day"]

    def __str__(self):
        return f"quality on {self.day}"


class PhoneVerification(models.Model):
    """A one-time code sent to a customer's phone; only its hash is stored."""

    restrict_via = "customer"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phone_verifications")
    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)

    objects = CustomerRowQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("phone verification")

    def __str__(self):
        return f"phone verification for customer {self.customer_id}"
