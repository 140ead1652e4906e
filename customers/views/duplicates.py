"""The data stewards' review queue: clusters of possible duplicates, reviewed side by side, decided by keyboard.

Stewards and admins only (the candidate view permission); for anyone else the pages do not exist (404).
Every decision goes through customers.services and sends the steward on to the next open cluster.
"""

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
