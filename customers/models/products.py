"""The product catalog, orders and the products a customer holds."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cdm.querysets import GlobalScopeQuerySet
from customers.models.customers import Customer
from customers.querysets import CustomerRowQuerySet


class Product(models.Model):
    class Kind(models.TextChoices):
        PLAN = "plan", _("Plan or subscription")
        PRODUCT = "product", _("Product")
        SERVICE = "service", _("Service")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PRODUCT)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2, default=0)
    active = models.BooleanField(_("active"), default=True)

    objects = GlobalScopeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Order(models.Model):
    restrict_via = "customer"

    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        PAID = "paid", _("Paid")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    class Channel(models.TextChoices):
        WEB = "web", _("Web shop")
        APP = "app", _("Mobile app")
        STORE = "store", _("Store")
        PHONE = "phone", _("Phone")
        PARTNER = "partner", _("Partner")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    order_number = models.CharField(_("order number"), max_length=40, unique=True)
    placed_at = models.DateTimeField(_("placed"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLACED)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    total_amount = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=0)

    objects = CustomerRowQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at"]
        indexes = [models.Index(fields=["customer", "-placed_at"], name="order_customer_time")]

    def __str__(self):
        return self.order_number


class OrderLine(models.Model):
    restrict_via = "order__customer"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sku = models.CharField(_("SKU"), max_length=50)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    line_total = models.DecimalField(_("line total"), max_digits=12, decimal_places=2)

    objects = CustomerRowQuerySet.as_manager()

    def __str__(self):
        return f"{self.quantity} × {self.description}"


class ProductHolding(models.Model):
    """A plan or product the customer uses now (or used)."""

    restrict_via = "customer"

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="holdings")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="holdings")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    started_on = models.DateField(_("since"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)

    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))
    objects = CustomerRowQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on"]
        indexes = [
            models.Index(fields=["customer", "status"], name="holding_customer_status"),
            models.Index(fields=["product", "status"], name="holding_product_status"),
        ]

    def __str__(self):
        return f"{self.product} ({self.get_status_display()})"
