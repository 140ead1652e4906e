"""File imports (issue 11 §3): the systems files come from, each upload and run, its problems and what it created.

An upload is parsed once and its rows kept (ImportFile, apart from the job so lists and the progress poll never
load them); the mapping, the dry run and the run all read those rows. ImportCreated says which customers a job
created and at which version, so an undo touches only those nobody changed since.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cdm.querysets import GlobalScopeQuerySet
from customers.models.customers import Customer


class ImportSource(models.Model):
    """A system files come from (the `system` of the external ids its rows get); its last mapping per kind."""

    name = models.SlugField(_("source"), max_length=50, unique=True)
    mappings = models.JSONField(default=dict, blank=True, help_text="{kind: {column: field}}, the last one saved")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GlobalScopeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("import source")

    def __str__(self):
        return self.name


class ImportJob(models.Model):
    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        ORDERS = "orders", _("Orders")
        ACTIVITIES = "activities", _("Activities")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Uploaded")
        DRY_RUN = "dry_run", _("Dry run done")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        CANCELLING = "cancelling", _("Cancelling")
        CANCELLED = "cancelled", _("Cancelled")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")
        UNDONE = "undone", _("Undone")

    source = models.ForeignKey(ImportSource, on_delete=models.PROTECT, related_name="jobs")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.CUSTOMERS)
    team = models.ForeignKey("cdm.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             help_text="The team new customers join")
    file_name = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(max_length=60, blank=True, help_text="e.g. CSV, cp1252, ';'")
    sha256 = models.CharField(max_length=64, db_index=True)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, blank=True, help_text="{column: field} as the steward confirmed it")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True, help_text="created, updated, unchanged, matched, rejected, ...")
    dry_run_counts = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    objects = GlobalScopeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        permissions = [("import_customers", "Can import files and undo imports")]

    def __str__(self):
        return f"{self.file_name} ({self.source})"

    @property
    def created_by_name(self) -> str:
        user = self.created_by
        return (user.get_full_name() or user.get_username()) if user else _("the system")


class ImportFile(models.Model):
    """The parsed rows of an upload: a list of lists of strings, in the file's column order."""

    job = models.OneToOneField(ImportJob, on_delete=models.CASCADE, primary_key=True, related_name="file")
    rows = models.JSONField(default=list)


class ImportProblem(models.Model):
    """One thing wrong with one row: `rejected` rows were not imported, the others lost only that value."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="problems")
    dry_run = models.BooleanField(default=False)
    line = models.PositiveIntegerField()
    column = models.CharField(max_length=255, blank=True)
    value = models.CharField(max_length=500, blank=True)
    message = models.TextField()
    rejected = models.BooleanField(default=False)

    class Meta:
        ordering = ["line", "id"]
        indexes = [models.Index(fields=["job", "dry_run", "line"], name="import_problem_job_line")]


class ImportCreated(models.Model):
    """A customer an import created, and its version when the import left it (an undo compares)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="created")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    history_id = models.PositiveIntegerField(null=True, blank=True, help_text="The import's history row")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "customer"], name="import_created_unique")]
