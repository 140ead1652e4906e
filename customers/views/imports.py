"""The data stewards' file import: past imports, upload, mapping with a preview, dry run, run with progress, result,
the rejected rows as CSV, undo. Stewards and admins only (customers.import_customers); for anyone else the pages do
not exist (404), as the other steward pages. Every step calls customers.imports, as `manage.py import_customers`."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cdm.forms import form_add_errors
from cdm.models import Team
from customers import imports
from customers.imports.forms import ImportMappingForm, ImportUploadForm
from customers.models import ImportJob, ImportSource
from customers.querysets import customer_add_teams

LIST_SIZE = 50
PROBLEMS_SHOWN = 200
PREVIEW_ROWS = 5


def _require_importer(user) -> None:
    if not imports.import_allowed(user):
        raise Http404


def _job(request, pk) -> ImportJob:
    _require_importer(request.user)
    return imports.import_job_get(user=request.user, pk=pk)


@login_required
@require_GET
def import_list(request):
    _require_importer(request.user)
    jobs = list(imports.import_job_list(user=request.user)[:LIST_SIZE])
    return render(request, "customers/import_list.html", {"jobs": jobs})


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request):
    _require_importer(request.user)
    teams = customer_add_teams(request.user, Team.objects.order_by("name"))
    form = ImportUploadForm(request.POST or None, request.FILES or None, teams=teams,
                            sources=ImportSource.objects.values_list("name", flat=True))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = imports.import_job_create(by=request.user, file_name=upload.name, content=upload.read(),
                                            source=form.cleaned_data["source"], kind=form.cleaned_data["kind"],
                                            team=form.cleaned_data.get("team"))
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            return redirect("customers:import", job.pk)
    return render(request, "customers/import_new.html", {"form": form})


def _detail_context(request, job, form=None):
    context = {"job": job, "progress": imports.import_job_progress(job), "problems_shown": PROBLEMS_SHOWN,
               "kinds": ImportJob.Kind, "status": ImportJob.Status}
    if job.status in (ImportJob.Status.DRAFT, ImportJob.Status.DRY_RUN):
        form = form or ImportMappingForm(job=job)
        preview = job.file.rows[:PREVIEW_ROWS]
        context.update(form=form, preview_lines=[row[0] for row in preview],
                       columns=[(header, field, [row[i + 1] for row in preview])
                                for i, (header, field) in enumerate(form.columns())],
                       same_file=imports.import_job_same_file(job))
    if job.status == ImportJob.Status.DRY_RUN:
        problems = imports.import_job_problems(job, dry_run=True)
        context.update(problems=problems[:PROBLEMS_SHOWN], counts=job.dry_run_counts)
    elif job.status not in (ImportJob.Status.DRAFT,):
        problems = imports.import_job_problems(job, dry_run=False)
        context.update(problems=problems[:PROBLEMS_SHOWN], counts=job.counts,
                       rejected=job.counts.get("rejected", 0), undoable=imports.import_job_undoable(job))
    return context


@login_required
@require_http_methods(["GET", "POST"])
def import_detail(request, pk):
    """The mapping step (with a preview and, after a dry run, its report), then the progress and the result."""
    job = _job(request, pk)
    form = None
    if request.method == "POST":
        form = ImportMappingForm(request.POST, job=job)
        action = request.POST.get("action", "dry_run")
        if job.status not in (ImportJob.Status.DRAFT, ImportJob.Status.DRY_RUN):
            messages.error(request, _("This import has already been started."))
            return redirect("customers:import", job.pk)
        if form.is_valid():
            try:
                job = imports.import_job_map(job=job, mapping=form.mapping(), by=request.user)
                if action == "start":
                    imports.import_job_start(job=job, by=request.user)
                else:
                    imports.import_job_dry_run(job=job, by=request.user)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                return redirect("customers:import", job.pk)
        job.refresh_from_db()
    return render(request, "customers/import_detail.html", _detail_context(request, job, form))


@login_required
@require_GET
def import_progress(request, pk):
    """The progress fragment htmx polls every second while the import runs."""
    job = _job(request, pk)
    progress = imports.import_job_progress(job)
    response = render(request, "customers/_import_progress.html",
                      {"job": job, "progress": progress, "status": ImportJob.Status, "polled": True})
    if request.htmx and not progress["active"]:
        response["HX-Refresh"] = "true"  # the page reloads with the result (counts, problems, download)
    return response


@login_required
@require_POST
def import_cancel(request, pk):
    job = _job(request, pk)
    try:
        imports.import_job_cancel(job=job, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Cancelling: the import stops after the rows it is working on."))
    return redirect("customers:import", job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def import_undo(request, pk):
    job = _job(request, pk)
    if not imports.import_job_undoable(job):
        messages.error(request, _("Only a finished or cancelled import that created customers can be undone."))
        return redirect("customers:import", job.pk)
    if request.method == "POST":
        try:
            result = imports.import_job_undo(job=job, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Import undone: %(undone)s customers taken back, %(kept)s kept because "
                                        "someone changed them since.") % result)
        return redirect("customers:import", job.pk)
    return render(request, "customers/import_undo.html", {"job": job, "created": job.created.count()})


@login_required
@require_GET
def import_rejected_csv(request, pk):
    """The rejected rows with the file's own columns and a "reason": fix them and upload the file again."""
    job = _job(request, pk)
    if job.status in (ImportJob.Status.DRAFT, ImportJob.Status.DRY_RUN):
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response.write("\ufeff")  # spreadsheets read the BOM as UTF-8
    csv.writer(response).writerows(imports.import_job_rejected_rows(job))
    stem = job.file_name.rsplit(".", 1)[0] or "import"
    response["Content-Disposition"] = f'attachment; filename="{stem}-rejected.csv"'
    return response
