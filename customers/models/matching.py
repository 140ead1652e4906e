"""Identity resolution: each customer's match profile, the learned match model, duplicate candidates and merges.

The profile is what the matching engine (customers/identity/) compares: names folded to ASCII with their
nickname groups and phonetic keys, the normalised contact values and the blocking keys, derived from the
customer row whenever it is written and checked against its version by every scan.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cdm.querysets import GlobalScopeQuerySet, RestrictedQuerySet
from customers.models.customers import Customer
from customers.querysets import CustomerRowQuerySet, customer_scope_q


class MatchProfile(models.Model):
    """What the engine compares and blocks on, one row per customer (customers.identity.profiles)."""

    restrict_via = "customer"

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, primary_key=True, related_name="match_profile")
    version = models.PositiveIntegerField(help_text="The customer's version the profile was derived from.")
    features = models.PositiveSmallIntegerField(default=0, help_text="customers.identity.features.FEATURES_VERSION "
                                                                     "it was derived with")
    refreshed_at = models.DateTimeField(auto_now=True)
    # When a scan last compared this customer with everyone: an incremental scan takes those refreshed since.
    scanned_at = models.DateTimeField(null=True, blank=True)
    given = models.CharField(max_length=150, blank=True)
    given_group = models.CharField(max_length=400, blank=True, help_text="|name|canonical forms|, nicknames share one")
    family = models.CharField(max_length=150, blank=True)
    family_key = models.CharField(max_length=40, blank=True, help_text="Phonetic key of the family name")
    date_of_birth = models.DateField(null=True, blank=True)
    email = models.CharField(max_length=254, blank=True)
    email_local = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    phone_kind = models.CharField(max_length=1, blank=True, help_text="m: mobile, l: landline or not known")
    national_id_index = models.CharField(max_length=64, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=120, blank=True)
    street = models.CharField(max_length=200, blank=True, help_text="Street tokens, folded and sorted")
    country = models.CharField(max_length=2, blank=True)
    # Blocking keys: candidates are the customers sharing at least one (empty keys block nothing).
    key_name_dob = models.CharField(max_length=60, blank=True)
    key_post_initial = models.CharField(max_length=40, blank=True)
    key_dob_given = models.CharField(max_length=60, blank=True)
    key_dob_names = models.CharField(max_length=20, blank=True)
    key_name = models.CharField(max_length=300, blank=True)
    key_name_turned = models.CharField(max_length=300, blank=True, help_text="key_name of the names turned round")

    objects = CustomerRowQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=[f], name=f"match_{f}", condition=~Q(**{f: ""}))
                   for f in ("email", "email_local", "phone", "national_id_index", "key_name_dob", "key_post_initial",
                             "key_dob_given", "key_dob_names", "key_name", "key_name_turned")] + [
            models.Index(fields=["refreshed_at"], name="match_unscanned", condition=Q(scanned_at__isnull=True))]

    def __str__(self):
        return f"match profile of customer {self.customer_id}"


class MatchModel(models.Model):
    """The weights of the match model (Fellegi-Sunter m and u per comparison level), learned by EM from the
    customers' own pairs and from stewards' decisions; the newest active one scores."""

    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)
    parameters = models.JSONField(help_text="{comparison: {level: {m, u}}}, prior, threshold")
    trained_on = models.JSONField(default=dict, help_text="Pairs, labels and EM iterations it was learned from")

    objects = GlobalScopeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"

    def __str__(self):
        return f"match model of {self.created_at:%Y-%m-%d %H:%M}"


class CandidateQuerySet(RestrictedQuerySet):
    """A pair is visible to whoever may see both customers (stewards: every team)."""

    def scope_q(self, user, action):
        customers = customer_scope_q(user, "view")
        if customers is None:
            return None
        visible = Customer.objects.filter(customers).values("pk")
        return Q(customer_a__in=visible) & Q(customer_b__in=visible)

    def open(self):
        return self.filter(status=DuplicateCandidate.Status.OPEN)


class DuplicateCandidate(models.Model):
    """Two customers that may be one person. Pairs are stored with customer_a < customer_b; a cluster is the
    connected set of open pairs (`cluster` = the smallest customer id in it). A pair decided "not a duplicate"
    stays, so the scan never proposes it again."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Not a duplicate")

    class Origin(models.TextChoices):
        SCAN = "scan", _("Scan")
        ENTRY = "entry", _("Created or edited")
        IMPORT = "import", _("Import")

    customer_a = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    customer_b = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("match probability"))
    weight = models.FloatField(_("match weight"), help_text="log2 Bayes factor")
    levels = models.JSONField(default=dict, help_text="The comparison level per comparison")
    reasons = models.JSONField(default=list)
    cluster = models.BigIntegerField(db_index=True)
    cross_team = models.BooleanField(default=False)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.SCAN)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    detected_at = models.DateTimeField(auto_now_add=True)
    scored_at = models.DateTimeField()
    skipped_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    note = models.CharField(max_length=500, blank=True)

    objects = CandidateQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer_a", "customer_b"], name="candidate_pair_unique"),
            models.CheckConstraint(condition=Q(customer_a__lt=F("customer_b")), name="candidate_pair_ordered"),
        ]
        indexes = [
            models.Index(fields=["status", "-score"], name="candidate_status_score"),
            models.Index(fields=["customer_b"], name="candidate_b"),
        ]

    def __str__(self):
        return f"{self.customer_a_id} ~ {self.customer_b_id} ({self.score:.2f})"


class AutoMergeRule(models.Model):
    """A pair the scan finds is merged without a steward only under an active rule: the same exact identifier
    and a score at or above a high threshold (customers.services.automerge; none is active by default)."""

    class Identifier(models.TextChoices):
        NATIONAL_ID = "national_id", _("national ID")
        EMAIL = "email", _("e-mail")
        PHONE = "phone", _("mobile number")

    name = models.CharField(_("name"), max_length=100, unique=True)
    identifier = models.CharField(_("the same"), max_length=20, choices=Identifier.choices,
                                  help_text=_("Both records hold exactly this value."))
    min_score = models.FloatField(_("minimum score"), default=0.99,
                                  validators=[MinValueValidator(0.95), MaxValueValidator(1.0)],
                                  help_text=_("Between 0.95 and 1: pairs scored lower go to the review queue."))
    same_team_only = models.BooleanField(_("same team only"), default=True,
                                         help_text=_("A pair across two teams always goes to a steward."))
    active = models.BooleanField(_("active"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GlobalScopeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("automatic merge rule")

    def __str__(self):
        return self.name


class Merge(models.Model):
    """One merge of two or more customers into a survivor, with what undo needs to put everything back."""

    class Status(models.TextChoices):
        DONE = "done", _("Merged")
        UNDONE = "undone", _("Undone")

    survivor = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges")
    absorbed = models.ManyToManyField(Customer, related_name="absorbed_by_merges")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DONE)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    rule = models.ForeignKey(AutoMergeRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="merges",
                             help_text=_("The automatic merge rule that merged them, if no steward did"))
    choices = models.JSONField(default=dict, help_text="field -> customer id whose value the survivor kept")
    snapshot = models.JSONField(default=dict, help_text="Everything undo restores")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    undone_at = models.DateTimeField(null=True, blank=True)

    objects = CustomerRowQuerySet.as_manager()
    restrict_via = "survivor"

    class Meta:
        ordering = ["-at", "-id"]
        get_latest_by = "at"

    def __str__(self):
        return f"merge into {self.survivor_id} at {self.at:%Y-%m-%d %H:%M}"
