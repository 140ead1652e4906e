"""The stewards' data-quality dashboard: the day's figures as tiles, the trend (chart, table, CSV) and a
drill-down list per figure. Stewards and admins only (customers.view_qualitysnapshot); for anyone else the
pages do not exist (404)."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cdm.pagination import PeekPage
from customers import selectors

FIGURE_PAGE_SIZE = 50


def _require_dashboard(user) -> None:
    if not selectors.quality_dashboard_allowed(user):
        raise Http404


@login_required
@require_GET
def quality_dashboard(request):
    _require_dashboard(request.user)
    return render(request, "customers/quality_dashboard.html", selectors.quality_dashboard(user=request.user))


@login_required
@require_GET
def quality_figure(request, figure):
    _require_dashboard(request.user)
    found = selectors.quality_figure_get(figure)
    if found is None:
        raise Http404
    customers = selectors.quality_figure_customers(user=request.user, figure=figure)
    page = PeekPage(customers, request.GET.get("page"), FIGURE_PAGE_SIZE)  # no count over a million rows
    return render(request, "customers/quality_figure.html", {"figure": found, "page": page})


@login_required
@require_GET
def quality_trend_csv(request):
    _require_dashboard(request.user)
    # One row a day: small enough to build at once.
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    csv.writer(response).writerows(selectors.quality_trend_csv_rows(user=request.user))
    response["Content-Disposition"] = 'attachment; filename="data-quality-trend.csv"'
    return response
