"""The data stewards' review queue: clusters of possible duplicates, reviewed side by side, decided by keyboard.

Stewards and admins only (the candidate view permission); for anyone else the pages do not exist (404).
Every decision goes through customers.services and sends the steward on to the next open cluster.
"""

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cdm.forms import form_add_errors
from cdm.models import Team
from cdm.pagination import PeekPage
from customers import selectors, services
from customers.forms import DuplicateDecisionForm, DuplicateQueueFilterForm
from customers.models import DuplicateCandidate
from customers.panels import record_summaries

VIEW_PERM = "customers.view_duplicatecandidate"
QUEUE_PAGE_SIZE = 25


def _require_steward(user) -> None:
    if not user.has_perm(VIEW_PERM):
        raise Http404


@login_required
@require_GET
def duplicate_queue(request):
    _require_steward(request.user)
    form = DuplicateQueueFilterForm(request.GET or None, teams=Team.objects.restrict(request.user, "view"))
    filters = form.filters() if request.GET else {}
    clusters = selectors.duplicate_clusters(user=request.user, **filters)
    page = PeekPage(clusters, request.GET.get("page"), QUEUE_PAGE_SIZE)
    keys = [c["cluster"] for c in page.object_list]
    pairs = {}
    for pair in selectors.duplicate_candidates(user=request.user).filter(cluster__in=keys):
        pairs.setdefault(pair.cluster, []).append(pair)
    rows = []
    for c in page.object_list:
        members = {}
        for p in pairs.get(c["cluster"], []):
            members.setdefault(p.customer_a_id, p.customer_a)
            members.setdefault(p.customer_b_id, p.customer_b)
        top = pairs.get(c["cluster"], [None])[0]
        rows.append({**c, "customers": list(members.values()), "reasons": top.reasons[:3] if top else [],
                     "cross_team": any(p.cross_team for p in pairs.get(c["cluster"], []))})
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "customers/duplicate_queue.html", {
        "form": form, "rows": rows, "page": page, "query": query.urlencode(),
        "open_clusters": selectors.duplicate_clusters(user=request.user).count() if not filters else None,
    })


@login_required
@require_GET
def duplicate_cluster(request, cluster):
    _require_steward(request.user)
    review = selectors.cluster_review(user=request.user, cluster=cluster)
    if review is None:
        raise Http404
    summaries = record_summaries(request.user, review["records"])
    columns = [{"customer": c, "holdings": h, "external_ids": e, "summary": summaries.get(c.pk, [])}
               for c, h, e in zip(review["records"], review["holdings"], review["external_ids"])]
    return render(request, "customers/duplicate_cluster.html", {
        **review, "columns": columns, "can_decide": request.user.has_perm(services.DECIDE_PERM),
        "can_merge": request.user.has_perm("customers.merge_customers"),
        "merge_url": reverse("customers:duplicate_merge", args=[cluster])
        if request.user.has_perm("customers.merge_customers") else None,
        "next_url": _next_cluster_url(request.user, after=cluster),
    })


def _next_cluster_url(user, *, after: int | None = None) -> str:
    for row in selectors.duplicate_clusters(user=user)[:2]:
        if row["cluster"] != after:
            return reverse("customers:duplicate_cluster", args=[row["cluster"]])
    return reverse("customers:duplicates")


def _pair(user, pk) -> DuplicateCandidate:
    pair = selectors.duplicate_candidates(user=user, status=DuplicateCandidate.Status.OPEN).filter(pk=pk).first()
    if pair is None:
        raise Http404
    return pair


@login_required
@require_POST
def duplicate_pair_dismiss(request, pk):
    _require_steward(request.user)
    pair = _pair(request.user, pk)
    form = DuplicateDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.duplicate_candidate_dismiss(candidate=pair, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Not a duplicate: %(a)s and %(b)s will not be proposed again.") % {
                "a": pair.customer_a.customer_number, "b": pair.customer_b.customer_number})
            return redirect(_next_cluster_url(request.user, after=pair.cluster))
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("customers:duplicate_cluster", pair.cluster)


@login_required
@require_POST
def duplicate_pair_skip(request, pk):
    _require_steward(request.user)
    pair = _pair(request.user, pk)
    services.duplicate_candidate_skip(candidate=pair, by=request.user)
    messages.info(request, _("Skipped: the pair waits at the end of the queue."))
    return redirect(_next_cluster_url(request.user, after=pair.cluster))


# --- merge and undo ---------------------------------------------------------------------------------

MERGE_PERM = "customers.merge_customers"


def _cluster_records(user, cluster: int) -> list:
    review = selectors.cluster_review(user=user, cluster=cluster)
    if review is None:
        raise Http404
    return review["records"]


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def duplicate_merge(request, cluster):
    """The merge of a cluster: which records, which survives, which value of each field; then one POST."""
    _require_steward(request.user)
    if not request.user.has_perm(MERGE_PERM):
        raise Http404
    records = _cluster_records(request.user, cluster)
    by_pk = {c.pk: c for c in records}
    data = request.POST if request.method == "POST" else request.GET
    chosen = [by_pk[pk] for pk in (_int_or_none(v) for v in data.getlist("records")) if pk in by_pk] or records
    survivor = by_pk.get(_int_or_none(data.get("survivor")))
    errors: list[str] = []
    plan = None
    try:
        if survivor is not None and survivor not in chosen:
            chosen = [survivor, *chosen]
        plan = services.merge_plan(survivor=survivor, absorbed=[c for c in chosen if c != survivor], by=request.user)
    except ValidationError as exc:
        errors.extend(exc.messages)
    if request.method == "POST" and plan is not None:
        choices = {f.unit: data.get(f"choice-{f.unit}") for f in plan.fields if data.get(f"choice-{f.unit}")}
        resolutions = {c.key: data.get(f"resolve-{i}") for i, c in enumerate(plan.conflicts)
                       if data.get(f"resolve-{i}")}
        try:
            merge = services.customers_merge(
                survivor=plan.survivor, absorbed=plan.absorbed, by=request.user, choices=choices,
                resolutions=resolutions, reason=data.get("reason", "")[:500],
                acknowledge_consent_difference=bool(data.get("acknowledge_consent_difference")))
        except ValidationError as exc:
            errors.extend(exc.messages)
        else:
            messages.success(request, _("Merged %(n)s records into %(number)s. Undo is possible from its merge page.")
                             % {"n": len(plan.records), "number": plan.survivor.customer_number})
            return redirect("customers:merge", merge.pk)
    return render(request, "customers/duplicate_merge.html", {
        "cluster": cluster, "records": records, "chosen": {c.pk for c in chosen}, "plan": plan, "errors": errors,
        "posted": data if request.method == "POST" else None,
        "conflicts": list(enumerate(plan.conflicts)) if plan else [],
        "moves": [(apps.get_model(label)._meta.verbose_name_plural, n) for label, n in plan.moves.items() if n]
        if plan else [],
    })


@login_required
def merge_detail(request, pk):
    """One merge: what it did, and undo."""
    _require_steward(request.user)
    merge = selectors.merge_get(user=request.user, pk=pk)
    if request.method == "POST":
        if not request.user.has_perm(MERGE_PERM):
            raise Http404
        try:
            result = services.merge_undo(merge=merge, by=request.user, reason=request.POST.get("reason", "")[:500])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Merge undone: %(numbers)s are back as they were.") % {
                "numbers": ", ".join(c.customer_number for c in result.restored)})
            for text in result.messages:
                messages.info(request, text)
            return redirect(merge.survivor)
        return redirect("customers:merge", merge.pk)
    return render(request, "customers/merge_detail.html", {
        "merge": merge, "absorbed": list(merge.absorbed.order_by("customer_number")),
        "can_undo": request.user.has_perm(MERGE_PERM) and merge.status == merge.Status.DONE,
    })
