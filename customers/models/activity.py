"""Behavioural events (visits, e-mail opens, form submits) with typed properties."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models.customers import Customer
from customers.querysets import CustomerRowQuerySet


class Activity(models.Model):
    """A behavioural event; `properties` is validated against the kind's typed schema."""

    restrict_via = "customer"

    class Kind(models.TextChoices):
        VISIT = "visit", _("Website visit")
        PAGE_VIEW = "page_view", _("Page view")
        EMAIL_OPEN = "email_open", _("E-mail opened")
        EMAIL_CLICK = "email_click", _("E-mail link clicked")
        CART_ADD = "cart_add", _("Added to cart")
        FORM_SUBMIT = "form_submit", _("Form submitted")
        APP_OPEN = "app_open", _("App opened")
        LOGIN = "login", _("Logged in")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("time"))
    source = models.CharField(_("source"), max_length=50, blank=True)
    properties = models.JSONField(_("properties"), default=dict, blank=True)

    objects = CustomerRowQuerySet.as_manager()

    class Meta:
        verbose_name_plural = _("activities")
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="activity_customer_time"),
            models.Index(fields=["kind", "occurred_at"], name="activity_kind_time"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d %H:%M}"
