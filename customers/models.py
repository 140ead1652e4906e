"""Customer master data, the identity graph and transactional data (kept apart, never copied in)."""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from cdm.crypto import encrypted
from cdm.querysets import RestrictedQuerySet

# --- master data ---------------------------------------------------------------------

_history_bulk_writes: ContextVar[bool] = ContextVar("history_bulk_writes", default=False)


@contextmanager
def history_tracked_bulk_writes():
    """Allow bulk writes on customers inside a block that writes history rows itself."""
    token = _history_bulk_writes.set(True)
    try:
        yield
    finally:
        _history_bulk_writes.reset(token)


class HistoryBypassError(Exception):
    pass


# Derived, high-frequency fields that history does not track (one event must not write a history row).
UNTRACKED_FIELDS = frozenset({"last_activity_at", "updated_at"})


class CustomerQuerySet(RestrictedQuerySet):
    # QuerySet.update() and bulk_update() write no history rows; every customer write
    # must go through a service that does (see customers.services.customer_bulk_update).
    def update(self, **kwargs):
        if not _history_bulk_writes.get() and not set(kwargs) <= UNTRACKED_FIELDS:
            raise HistoryBypassError(
                "Customer rows are history-tracked: use customers.services (customer_update, "
                "customer_bulk_update) instead of QuerySet.update()."
            )
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        if not _history_bulk_writes.get():
            raise HistoryBypassError(
                "Customer rows are history-tracked: use customers.services.customer_bulk_update "
                "instead of bulk_update()."
            )
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def touch_activity(self, at):
        """Move last_activity_at forward. The field is derived and not history-tracked."""
        return self.filter(models.Q(last_activity_at__lt=at) | models.Q(last_activity_at__isnull=True)).update(
            last_activity_at=at
        )

    def active(self):
        return self.filter(status=Customer.Status.ACTIVE)


class Customer(models.Model):
    class LifecycleStage(models.TextChoices):
        LEAD = "lead", _("Lead")
        PROSPECT = "prospect", _("Prospect")
        CUSTOMER = "customer", _("Customer")
        FORMER = "former", _("Former customer")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")
        MERGED = "merged", _("Merged")
        ERASED = "erased", _("Erased")

    class Source(models.TextChoices):
        WEB = "web", _("Website")
        STORE = "store", _("Store")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail campaign")
        EVENT = "event", _("Event or trade fair")
        REFERRAL = "referral", _("Referral")
        PARTNER = "partner", _("Partner")
        SOCIAL = "social", _("Social media")
        SEARCH = "search", _("Search engine")
        IMPORT = "import", _("File import")
        API = "api", _("API integration")
        OTHER = "other", _("Other")

    class AddressStatus(models.TextChoices):
        UNCHECKED = "unchecked", _("Not checked")
        VERIFIED = "verified", _("Verified")
        UNVERIFIED = "unverified", _("Failed check")

    customer_number = models.CharField(
        _("customer number"), max_length=12, unique=True, editable=False,
        help_text=_("Public, stable number; the last digit is a check digit."),
    )
    # Identity
    given_name = models.CharField(_("given name"), max_length=150, blank=True)
    family_name = models.CharField(_("family name"), max_length=150)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    # Derived: normalize.search_name_for(given_name, family_name), set wherever names are written.
    # Name search matches it, so accents and case never matter (trigram-indexed on PostgreSQL).
    search_name = models.CharField(_("search name"), max_length=400, blank=True, default="", editable=False)
    # Contact
    email = models.CharField(_("e-mail"), max_length=254, blank=True, help_text=_("Normalised on save."))
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164, normalised on save."))
    company = models.CharField(_("company"), max_length=200, blank=True)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    address_line1 = models.CharField(_("street address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    region = models.CharField(_("state / region"), max_length=120, blank=True)
    country = CountryField(_("country"), blank=True)
    address_status = models.CharField(
        _("address check"), max_length=12, choices=AddressStatus.choices, default=AddressStatus.UNCHECKED
    )
    address_issues = models.JSONField(_("address issues"), default=dict, blank=True)
    # Sensitive, encrypted at rest; exact lookups go through the keyed blind index.
    national_id = encrypted(models.CharField(_("national ID"), max_length=64, blank=True))
    national_id_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    annual_income = encrypted(models.DecimalField(_("annual income"), max_digits=14, decimal_places=2, null=True, blank=True))
    bank_account = encrypted(models.CharField(_("bank account (IBAN)"), max_length=64, blank=True))
    # Governance
    team = models.ForeignKey("cdm.Team", on_delete=models.PROTECT, related_name="customers", verbose_name=_("team"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="owned_customers", verbose_name=_("owner"),
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.OTHER,
                              help_text=_("How did they find us?"))
    source_detail = models.CharField(_("touchpoint"), max_length=200, blank=True,
                                     help_text=_("Campaign, store, event or partner name."))
    lifecycle_stage = models.CharField(_("lifecycle stage"), max_length=12, choices=LifecycleStage.choices,
                                       default=LifecycleStage.LEAD)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="absorbed", verbose_name=_("merged into"))
    version = models.PositiveIntegerField(_("version"), default=1)
    # A default, not auto_now_add: imports and integrations bring the real "customer since" date.
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)

    # Exact lookups of encrypted values: index field -> (encrypted field, normaliser); see cdm.crypto.
    blind_indexes = {"national_id_index": ("national_id", "customers.normalize.normalize_national_id")}

    history = HistoricalRecords(
        excluded_fields=sorted(UNTRACKED_FIELDS),
        history_change_reason_field=models.TextField(null=True),
    )
    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        permissions = [
            ("view_all_customers", "Can view customers of every team"),
            ("change_all_customers", "Can change customers of every team"),
            ("delete_all_customers", "Can delete customers of every team"),
            ("view_sensitive_data", "Can reveal sensitive customer fields"),
            ("change_sensitive_data", "Can change sensitive customer fields"),
        ]
        indexes = [
            models.Index(fields=["team", "status", "family_name"], name="customer_team_status_name"),
            models.Index(Lower("family_name"), Lower("given_name"), name="customer_name_ci"),
            # Equality and prefix (LIKE 'x%') on PostgreSQL; "contains" and typos use the trigram
            # indexes of migration 0004. In Meta, not db_index, so the history table does not get it.
            models.Index(fields=["search_name"], name="customer_search_name", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["email"], name="customer_email", opclasses=["varchar_pattern_ops"]),  # = and prefix
            models.Index(fields=["phone"], name="customer_phone"),
            models.Index(fields=["status", "last_activity_at"], name="customer_status_activity"),
            models.Index(fields=["country", "postal_code"], name="customer_country_postcode"),
            models.Index(fields=["date_of_birth"], name="customer_dob"),
            models.Index(fields=["created_at"], name="customer_created"),
            models.Index(fields=["owner"], name="customer_owner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="merged") | models.Q(merged_into__isnull=False),
                name="customer_merged_has_survivor",
                violation_error_message=_("A merged customer must name the customer it was merged into."),
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.customer_number})"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p)

    def get_absolute_url(self):
        return reverse("customers:detail", kwargs={"customer_number": self.customer_number})


class SearchWord(models.Model):
    """Every word (3 letters or more) of every customer's `search_name`: the lexicon of typo-tolerant search.

    On PostgreSQL a typed word is corrected against this small table (tens of thousands of rows,
    trigram index) and customers are then matched on the corrections, instead of comparing the typed
    text with a million names. Database triggers on customers_customer (migration 0007) add the
    words of every inserted or updated customer, whoever writes (services, COPY, imports); the
    nightly clean-up drops words no customer has any longer. Empty, and unused, on SQLite.
    """

    word = models.CharField(max_length=100, primary_key=True)

    def __str__(self) -> str:
        return self.word


class CustomerUserObjectPermission(UserObjectPermissionBase):
    """Direct-FK grant on one customer: the exceptions to team rights."""

    content_object = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="user_perms")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("customer grant to a user")
        verbose_name_plural = _("customer grants to users")


class CustomerGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="group_perms")

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("customer grant to a group")
        verbose_name_plural = _("customer grants to groups")


class ExternalIdentity(models.Model):
    """(system, external id) → customer: makes imports and API upserts idempotent."""

    restrict_via = "customer"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="external_ids")
    system = models.SlugField(_("system"), max_length=50)
    external_id = models.CharField(_("external ID"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

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


# --- admin-defined typed attributes ----------------------------------------------------------

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
    field_group = models.CharField(_("field group"), max_length=20, choices=[
        ("demographics", _("Demographics")), ("preferences", _("Preferences and psychographics"))])
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = RestrictedQuerySet.as_manager()

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

    objects = RestrictedQuerySet.as_manager()

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


# --- transactional data ------------------------------------------------------------------------

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

    objects = RestrictedQuerySet.as_manager()

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

    objects = RestrictedQuerySet.as_manager()

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

    objects = RestrictedQuerySet.as_manager()

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
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on"]
        indexes = [
            models.Index(fields=["customer", "status"], name="holding_customer_status"),
            models.Index(fields=["product", "status"], name="holding_product_status"),
        ]

    def __str__(self):
        return f"{self.product} ({self.get_status_display()})"


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
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"], history_change_reason_field=models.TextField(null=True))
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["customer", "status"], name="request_customer_status"),
            models.Index(fields=["assignee", "status"], name="request_assignee_status"),
        ]

    def __str__(self):
        return f"{self.reference} {self.subject}"


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

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = _("activities")
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="activity_customer_time"),
            models.Index(fields=["kind", "occurred_at"], name="activity_kind_time"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d %H:%M}"


class Note(models.Model):
    restrict_via = "customer"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(_("note"))
    pinned = models.BooleanField(_("pinned"), default=False)
    created_at = models.DateTimeField(_("created"))

    objects = RestrictedQuerySet.as_manager()

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

    objects = RestrictedQuerySet.as_manager()

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
