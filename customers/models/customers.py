"""Customer master data (history-tracked), the search lexicon and per-customer grants."""

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
from customers.querysets import customer_scope_q

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
UNTRACKED_FIELDS = frozenset({"last_activity_at", "updated_at", "quality_score", "quality_checked_at",
                              "field_sources"})


class CustomerQuerySet(RestrictedQuerySet):
    def scope_q(self, user, action):
        return customer_scope_q(user, action)

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

    def set_quality(self, score, at=None):
        """Write the derived data-quality score (an expression or a value), not history-tracked; `at` stamps
        quality_checked_at. The one way the quality service writes it."""
        values = {"quality_score": score} | ({"quality_checked_at": at} if at is not None else {})
        return self.update(**values)

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
    # Verification (customers.services.verification): set when the customer proved the value, cleared when it changes.
    email_verified_at = models.DateTimeField(_("e-mail verified"), null=True, blank=True)
    phone_verified_at = models.DateTimeField(_("phone verified"), null=True, blank=True)
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
    # Derived by the data-quality task (customers.services.quality), not history-tracked.
    quality_score = models.PositiveSmallIntegerField(_("data quality"), null=True, blank=True,
                                                     help_text=_("0-100: completeness, validity, verification, freshness"))
    quality_checked_at = models.DateTimeField(null=True, blank=True)
    # Who set each field last and when, by the source's own clock: {field: [system, ISO time]} (two-way sync:
    # customers.services.sync). Written with the field, never on its own.
    field_sources = models.JSONField(default=dict, blank=True, editable=False)

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
            ("change_customer_status", "Can archive and restore customers"),
            ("merge_customers", "Can merge customers and undo merges"),
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
            models.Index(fields=["quality_score"], name="customer_quality"),
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
