"""The browser's imports (issue 11 §3): upload, map, dry run, run in the background, cancel, undo.

Rows go through the same row functions as `manage.py import_customers` (customer_import_row: normalisation,
identity resolution, one transaction per row), so a bad row is reported and never stops the rest.

- The dry run runs every row, identity check included, inside one transaction that is rolled back: the counts
  are what the import would give, and nothing stays written but the report.
- The run goes in chunks; between two chunks it saves its progress and looks whether the steward cancelled.
  Rows already imported stay (an undo takes back the customers the job created).
- Undo archives each customer the job created that nobody changed since (same version, no later history row),
  unlinks its id in the source and withdraws the duplicate pairs it raised. Customers are never deleted here.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cdm.events import emit
from cdm.services import audit_record
from cdm.use_cases import use_case
from customers import services
from customers.imports.mapping import (
    PROPERTY,
    mapping_check,
    mapping_for_customers,
    mapping_suggest,
)
from customers.imports.parsing import file_parse, spreadsheet_safe
from customers.services.webhooks import customers_event_record, import_finished_record
from customers.imports.bulk import BATCH_SIZE, CustomerBatchImport
from customers.imports.run import ImportReport, rejection_report
from customers.imports.transactional import activity_import_row, order_import_row
from customers.models import (
    Customer,
    DuplicateCandidate,
    ExternalIdentity,
    ImportCreated,
    ImportFile,
    ImportJob,
    ImportProblem,
    ImportSource,
)
from customers.querysets import customer_add_teams
from customers.services.base import require_perm

IMPORT_PERM = "customers.import_customers"
CHUNK_SIZE = 100  # rows between two progress saves (and cancel checks); a customer file's: bulk.BATCH_SIZE
S = ImportJob.Status
OUTCOMES = ("created", "matched", "updated", "unchanged", "rejected")


def import_allowed(user) -> bool:
    return user.is_authenticated and user.has_perm(IMPORT_PERM)


def _require(by) -> None:
    if not by.has_perm(IMPORT_PERM):
        raise PermissionDenied(_("You do not have permission to import files."))


# --- reads ---------------------------------------------------------------------------------------------

def import_job_list(*, user):
    return (ImportJob.objects.restrict(user, "view").select_related("source", "created_by", "team")
            .order_by("-created_at", "-id"))


def import_job_get(*, user, pk: int) -> ImportJob:
    return get_object_or_404(import_job_list(user=user), pk=pk)


def import_job_same_file(job: ImportJob) -> ImportJob | None:
    """An earlier import of the very same content (sha256) that wrote something, if any."""
    return (ImportJob.objects.filter(sha256=job.sha256, status__in=[S.FINISHED, S.CANCELLED, S.UNDONE])
            .exclude(pk=job.pk).select_related("created_by").order_by("-finished_at").first())


def import_job_progress(job: ImportJob) -> dict:
    """Rows done of the total, rows a second, seconds left (None until there is a rate)."""
    total, done = job.rows_total, job.rows_done
    end = job.finished_at or timezone.now()
    elapsed = (end - job.started_at).total_seconds() if job.started_at else 0
    rate = done / elapsed if elapsed > 0 and done else None
    left = (total - done) / rate if rate and job.status in (S.QUEUED, S.RUNNING, S.CANCELLING) else None
    return {"total": total, "done": done, "percent": round(100 * done / total) if total else 100,
            "rate": rate, "seconds_left": left,
            "active": job.status in (S.QUEUED, S.RUNNING, S.CANCELLING)}


def import_job_problems(job: ImportJob, *, dry_run: bool):
    return job.problems.filter(dry_run=dry_run).order_by("line", "id")


def import_job_rejected_rows(job: ImportJob) -> list[list[str]]:
    """The file's own columns and a "reason", one row per rejected row: fix the values, upload it again."""
    reasons: dict[int, list[str]] = {}
    for line, column, message in (job.problems.filter(dry_run=False, rejected=True)
                                  .values_list("line", "column", "message")):
        reasons.setdefault(line, []).append(f"{column}: {message}" if column else message)
    rows = [[*job.headers, "reason"]]
    for row in job.file.rows:
        if row[0] in reasons:
            rows.append([*row[1:], "; ".join(reasons[row[0]])])
    return [[spreadsheet_safe(cell) for cell in row] for row in rows]  # no formula runs when it is opened


# --- writes --------------------------------------------------------------------------------------------

@use_case
def import_job_create(*, by, file_name: str, content: bytes, source: str, kind: str, team=None) -> ImportJob:
    """An uploaded file, parsed and kept, with a mapping suggested (the source's saved one first)."""
    _require(by)
    if len(content) > settings.CDM_IMPORT_MAX_BYTES:
        raise ValidationError({"file": _("%(name)s is larger than %(mb)s MB: split it in parts.") % {
            "name": file_name, "mb": settings.CDM_IMPORT_MAX_BYTES // (1024 * 1024) or 1}}, code="too_big")
    if kind not in ImportJob.Kind.values:
        raise ValidationError({"kind": _("Choose what the file holds.")})
    name = slugify(source or "")[:50]
    if not name:
        raise ValidationError({"source": _("Name the system the file comes from.")})
    if kind == ImportJob.Kind.CUSTOMERS:
        from cdm.models import Team

        if team is None or not customer_add_teams(by, Team.objects.filter(pk=team.pk)).exists():
            raise ValidationError({"team": _("Choose the team new customers join.")})
    parsed = file_parse(content, file_name)
    if not parsed.rows:
        raise ValidationError({"file": _("%(name)s has a header but no rows.") % {"name": file_name}})
    found, _created = ImportSource.objects.get_or_create(name=name)
    job = ImportJob(source=found, kind=kind, team=team if kind == ImportJob.Kind.CUSTOMERS else None,
                    file_name=file_name[:255], file_format=parsed.format, sha256=parsed.sha256,
                    headers=parsed.headers, rows_total=len(parsed.rows), created_by=by if getattr(by, "pk", None) else None,
                    mapping=mapping_suggest(parsed.headers, kind, found.mappings.get(kind)))
    job.full_clean()
    job.save()
    ImportFile.objects.create(job=job, rows=parsed.rows)
    return job


@use_case
def import_job_map(*, job: ImportJob, mapping: dict[str, str], by) -> ImportJob:
    """The steward's column -> field, checked, kept on the job and saved as the source's mapping for the kind."""
    _require(by)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in (S.DRAFT, S.DRY_RUN):
        raise ValidationError(_("This import has started: its mapping can no longer change."), code="started")
    mapping = {column: mapping.get(column, "") for column in job.headers}
    mapping_check(mapping, job.kind)
    if mapping != job.mapping:
        job.dry_run_counts = {}
        job.status = S.DRAFT
        job.problems.filter(dry_run=True).delete()
    job.mapping = mapping
    job.save(update_fields=["mapping", "dry_run_counts", "status"])
    source = ImportSource.objects.select_for_update().get(pk=job.source_id)
    source.mappings = {**source.mappings, job.kind: {**source.mappings.get(job.kind, {}), **mapping}}
    source.save(update_fields=["mappings", "updated_at"])
    return job


def _importer(job: ImportJob, by) -> CustomerBatchImport | None:
    """The batch importer of a customer file (one per run: it keeps the engine's copy of the profiles)."""
    if job.kind != ImportJob.Kind.CUSTOMERS:
        return None
    return CustomerBatchImport(mapping=mapping_for_customers(job.mapping, job.headers), source=job.source.name,
                               team=job.team, by=by, resolve=True)


def _chunk_size(job: ImportJob) -> int:
    return BATCH_SIZE if job.kind == ImportJob.Kind.CUSTOMERS else CHUNK_SIZE


def _process(job: ImportJob, rows: list[list], report: ImportReport, by, importer=None) -> None:
    """Customers a batch at a time (customers.imports.bulk: one savepoint per batch, row by row if it fails);
    orders and activities each row through its row function (its own savepoint)."""
    values_of = lambda row: dict(zip(job.headers, row[1:]))  # noqa: E731
    source = job.source.name
    if importer is not None:
        importer.batch([(row[0], values_of(row)) for row in rows], report)
        return
    columns = {t: c for c, t in job.mapping.items() if t and t != PROPERTY}
    properties = [c for c, t in job.mapping.items() if t == PROPERTY]
    for row in rows:
        values = values_of(row)
        report.counts["rows"] += 1
        try:
            if job.kind == ImportJob.Kind.ORDERS:
                outcome = order_import_row(values=values, columns=columns, source=source, by=by)
            else:
                outcome = activity_import_row(values=values, columns=columns, properties=properties, source=source,
                                              by=by)
        except ValidationError as exc:
            outcome = rejection_report(exc, line=row[0], values=values, columns=columns, report=report)
        report.counts[outcome] += 1


def _problems(job: ImportJob, report: ImportReport, *, dry_run: bool) -> list[ImportProblem]:
    return [ImportProblem(job=job, dry_run=dry_run, line=p.line, column=p.column[:255], value=p.value[:500],
                          message=p.message, rejected=p.rejected) for p in report.problems]


def _counts(report: ImportReport, into: dict | None = None) -> dict:
    counts = dict(into or {})
    for key in ("rows", *OUTCOMES, "left_out", "problems"):
        counts[key] = counts.get(key, 0) + report.counts.get(key, 0)
    return counts


@use_case
def _import_rolled_back(*, job: ImportJob, by) -> ImportReport:
    report = ImportReport(source=job.source.name)
    rows, importer = job.file.rows, _importer(job, by)
    for start in range(0, len(rows), _chunk_size(job)):
        _process(job, rows[start:start + _chunk_size(job)], report, by, importer)
    transaction.set_rollback(True)  # nothing of it stays: not a customer, a link, a pair or a history row
    return report


@use_case(atomic=False)
def import_job_dry_run(*, job: ImportJob, by) -> ImportJob:
    """Every row as the import would take it, then all rolled back: the per-row report and the counts."""
    _require(by)
    job = ImportJob.objects.select_related("source", "team").get(pk=job.pk)
    if job.status not in (S.DRAFT, S.DRY_RUN):
        raise ValidationError(_("This import has started: a dry run is no longer possible."), code="started")
    mapping_check(job.mapping, job.kind)
    report = _import_rolled_back(job=job, by=by)
    with transaction.atomic():
        job.problems.filter(dry_run=True).delete()
        ImportProblem.objects.bulk_create(_problems(job, report, dry_run=True))
        job.dry_run_counts = _counts(report)
        job.status = S.DRY_RUN
        job.save(update_fields=["dry_run_counts", "status"])
    return job


@use_case
def import_job_start(*, job: ImportJob, by, queue: bool = True) -> ImportJob:
    """Queue the import; a worker runs it (in-process without a broker) once this commits. queue=False: the caller
    runs it itself (import_job_run), as `manage.py import_customers` does."""
    _require(by)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in (S.DRAFT, S.DRY_RUN):
        raise ValidationError(_("This import has already been started."), code="started")
    mapping_check(job.mapping, job.kind)
    job.status = S.QUEUED
    job.save(update_fields=["status"])
    if queue:
        emit("import.queued", job_id=job.pk)
    return job


def _record_created(job: ImportJob, created: list[Customer]) -> None:
    ids = [c.pk for c in created]
    versions = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "version"))
    history = dict(Customer.history.filter(id__in=ids).values("id").annotate(last=Max("history_id"))
                   .values_list("id", "last"))
    ImportCreated.objects.bulk_create(
        [ImportCreated(job=job, customer_id=pk, version=versions[pk], history_id=history.get(pk))
         for pk in ids if pk in versions], ignore_conflicts=True)


def _finish(job: ImportJob, status: str, message: str) -> None:
    """The job's end, and the `import.finished` webhook event in the same transaction (a cancelled import
    finished too: what it imported stays)."""
    job.status, job.message, job.finished_at = status, message, timezone.now()
    with transaction.atomic():
        job.save(update_fields=["status", "message", "finished_at"])
        if status in (S.FINISHED, S.CANCELLED):
            c = job.counts or {}
            import_finished_record(import_id=job.pk, system=job.source.name, status=status, kind=job.kind,
                                   created=c.get("created", 0) + c.get("matched", 0), updated=c.get("updated", 0),
                                   failed=c.get("rejected", 0))


@use_case(atomic=False)
def import_job_run(*, job_id: int, by) -> ImportJob:
    """The import itself (the Celery task's body): chunk by chunk, progress saved and cancel looked for between
    chunks. Run again after a crash it goes on from the last saved chunk; a finished job is left alone."""
    job = ImportJob.objects.select_related("source", "team", "created_by").get(pk=job_id)
    if job.status not in (S.QUEUED, S.RUNNING, S.CANCELLING):
        return job
    actor = job.created_by or by  # history names the steward who started it
    rows = job.file.rows
    job.status = S.RUNNING if job.status == S.QUEUED else job.status
    job.started_at = job.started_at or timezone.now()
    ImportJob.objects.filter(pk=job.pk, status=S.QUEUED).update(status=S.RUNNING)
    ImportJob.objects.filter(pk=job.pk).update(started_at=job.started_at)
    importer, size = _importer(job, actor), _chunk_size(job)
    try:
        for start in range(job.rows_done, len(rows), size):
            if ImportJob.objects.filter(pk=job.pk).values_list("status", flat=True).get() == S.CANCELLING:
                _finish(job, S.CANCELLED, _(
                    "Cancelled after %(done)s of %(total)s rows: the rows before stay imported (undo takes back the "
                    "customers it created); the rest were not read.") % {"done": job.rows_done, "total": len(rows)})
                break
            chunk = rows[start:start + size]
            report = ImportReport(source=job.source.name)
            _process(job, chunk, report, actor, importer)
            with transaction.atomic():
                ImportProblem.objects.bulk_create(_problems(job, report, dry_run=False))
                _record_created(job, report.created)
                job.counts = _counts(report, job.counts)
                job.rows_done = start + len(chunk)
                # Not the status: the steward may have asked to cancel meanwhile.
                job.save(update_fields=["counts", "rows_done"])
        else:
            if importer is not None:
                importer.finish()
            _finish(job, S.FINISHED, "")
    except Exception as exc:
        _finish(job, S.FAILED, _("Stopped by an error after %(done)s rows: %(error)s") % {
            "done": job.rows_done, "error": exc.__class__.__name__})
        raise
    c = job.counts
    audit_record(by=actor, action="customer.import", object_type="import", object_id=str(job.pk),
                 object_repr=f"import {job.file_name} from {job.source.name}",
                 reason=", ".join(f"{c.get(k, 0)} {k}" for k in ("rows", *OUTCOMES)))
    return job


@use_case
def import_job_cancel(*, job: ImportJob, by) -> ImportJob:
    """Ask a queued or running import to stop at its next chunk."""
    _require(by)
    if not ImportJob.objects.filter(pk=job.pk, status__in=[S.QUEUED, S.RUNNING]).update(status=S.CANCELLING):
        raise ValidationError(_("This import is not running."), code="not_running")
    job.refresh_from_db()
    return job


def import_job_undoable(job: ImportJob) -> bool:
    return job.kind == ImportJob.Kind.CUSTOMERS and job.status in (S.FINISHED, S.CANCELLED) and job.created.exists()


@use_case
def import_job_undo(*, job: ImportJob, by) -> dict:
    """Take back the customers the import created that nobody changed since; say how many were kept."""
    _require(by)
    require_perm(by, services.STATUS_PERM)
    job = ImportJob.objects.select_for_update().select_related("source").get(pk=job.pk)
    if not import_job_undoable(job):
        raise ValidationError(_("Only a finished or cancelled import that created customers can be undone."),
                              code="not_undoable")
    records = {r.customer_id: r for r in job.created.all()}
    customers = list(Customer.objects.select_for_update().filter(pk__in=records))
    later = set(Customer.history.filter(
        Q(*[Q(id=pk, history_id__gt=r.history_id or 0) for pk, r in records.items()], _connector=Q.OR)
    ).values_list("id", flat=True)) if records else set()
    untouched = [c for c in customers if c.status == Customer.Status.ACTIVE and c.version == records[c.pk].version
                 and c.pk not in later]
    kept = len(records) - len(untouched)
    for customer in untouched:
        customer.status = Customer.Status.ARCHIVED
    reason = _("Import %(id)s (%(file)s) undone: created by it and unchanged since") % {"id": job.pk,
                                                                                       "file": job.file_name}
    services.customer_bulk_update(customers=untouched, fields=["status"], by=by, reason=reason)
    customers_event_record("customer.archived", untouched)
    ids = [c.pk for c in untouched]
    ExternalIdentity.objects.filter(customer_id__in=ids, system=job.source.name).delete()
    DuplicateCandidate.objects.filter(Q(customer_a_id__in=ids) | Q(customer_b_id__in=ids),
                                      status=DuplicateCandidate.Status.OPEN).delete()
    job.status, job.undone_at = S.UNDONE, timezone.now()
    job.counts = {**job.counts, "undone": len(untouched), "kept": kept}
    job.message = _("%(undone)s customers taken back (archived, their ids in %(source)s unlinked); %(kept)s kept "
                    "because someone changed them since.") % {"undone": len(untouched), "kept": kept,
                                                              "source": job.source.name}
    job.save(update_fields=["status", "undone_at", "counts", "message"])
    audit_record(by=by, action="customer.import_undo", object_type="import", object_id=str(job.pk),
                 object_repr=f"import {job.file_name} from {job.source.name}", reason=job.message)
    return {"undone": len(untouched), "kept": kept}
