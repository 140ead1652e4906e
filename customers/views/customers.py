"""Finding a customer, the 360° page, creating and editing a customer, revealing sensitive data."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cdm import access
from cdm.errors import ConflictError
from cdm.forms import form_add_errors
from cdm.pagination import PeekPage
from customers import selectors, services
from customers.identity import realtime
from customers.forms import CustomerCreateForm, CustomerEditForm
from customers.models import Customer
from customers.panels import panels_context
from customers.views.service_desk import service_desk_context

# Results per page, also as-you-type: enough to scroll with the arrow keys, few enough to render at once.
SEARCH_PAGE_SIZE = 25


def follow_merged(view):
    """Wrap a view taking `customer_number`: a merged customer's page redirects to its survivor's."""

    @wraps(view)
    def wrapper(request, *args, customer_number, **kwargs):
        try:
            return view(request, *args, customer_number=customer_number, **kwargs)
        except selectors.CustomerMerged as merged:
            if merged.survivor is None:
                raise Http404 from None
            names = {"old": customer_number, "new": merged.survivor.customer_number}
            if request.method not in ("GET", "HEAD"):
                # The same action on the survivor may not be what the user meant: show it, save nothing.
                messages.info(request, _("%(old)s was merged into %(new)s, so nothing was saved. "
                                         "This is the record to use.") % names)
                return redirect(merged.survivor)
            match = request.resolver_match
            url = reverse(match.view_name, args=match.args,
                          kwargs={**match.kwargs, "customer_number": merged.survivor.customer_number})
            messages.info(request, _("%(old)s was merged into %(new)s: this is the record to use.") % names)
            return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)

    return wrapper


@login_required
def customer_list(request):
    """Find a customer: the full page, or (htmx, as the agent types) just the results."""
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", Customer.Status.ACTIVE)
    customers = selectors.customer_list(user=request.user, status=status, query=query)
    page = PeekPage(customers, request.GET.get("page"), SEARCH_PAGE_SIZE)  # no count over a million rows
    archived_matches = 0
    if query and status == Customer.Status.ACTIVE and not page.object_list:
        # Archived customers stay out of the list; say so when one of them is what the caller wants.
        archived_matches = selectors.customer_list(user=request.user, status=Customer.Status.ARCHIVED,
                                                   query=query).count()
    context = {
        "page": page, "query": query, "visible": set(access.customer_fields(request.user)),
        "status": status, "statuses": [*Customer.Status.choices, ("all", _("All"))],
        "archived_matches": archived_matches,
        "shortened": selectors.search_query_shortened(query), "max_words": selectors.SEARCH_MAX_WORDS,
        # An identifier that finds no one is a mistyped identifier, not a new customer (issue 9, 5.9).
        "query_kind": selectors.search_query_kind(query) if query else "",
        "name_bound": selectors.NAME_CANDIDATES,  # a name search ranks at most this many: "at least" that many
    }
    # htmx rebuilding the page from its history (a cache miss after Back) needs the whole page.
    partial = bool(request.htmx) and not request.htmx.boosted and not request.htmx.history_restore_request
    context["partial"] = partial
    response = render(request, "customers/_customer_rows.html" if partial else "customers/customer_list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def customer_create(request):
    """New customer. Possible duplicates show while the agent types; creating one anyway takes a confirmation."""
    teams = selectors.customer_create_teams(user=request.user)
    if not request.user.has_perm("customers.add_customer") or not teams.exists():
        raise PermissionDenied
    # GET parameters prefill the form (e.g. from a search that found no one); never the confirmation.
    initial = {k: v for k, v in request.GET.items() if k != "create_anyway"}
    form = CustomerCreateForm(request.POST or None, user=request.user, teams=teams, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create_checked(
                by=request.user, team=form.cleaned_data["team"], create_anyway=form.cleaned_data["create_anyway"],
                **form.customer_data())
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Created %(customer)s.") % {"customer": customer})
            if getattr(customer, "raised_for_review", False):
                messages.info(request, REVIEW_MESSAGE)
            return redirect(customer)
    return render(request, "customers/customer_create.html", {
        "form": form, **_matches_context(request, form.match_data()),
    })


@login_required
@require_GET
def customer_create_matches(request):
    """htmx, from the new-customer form: existing customers that may be the person being typed in."""
    if not request.user.has_perm("customers.add_customer"):
        raise PermissionDenied
    fields = {f: request.GET.get(f, "") for f in CustomerCreateForm.MATCH_FIELDS}
    return render(request, "customers/_matches.html", _matches_context(request, fields))


# Neutral: says nothing of whom the record resembles (the agent may not see that customer).
REVIEW_MESSAGE = _("The data stewards will check this record against existing customers.")


def _matches_context(request, fields: dict) -> dict:
    found = realtime.check(user=request.user, values=fields, limit=10)
    return {"matches": [(c, m) for c, m in found.visible], "visible": set(access.customer_fields(request.user))}


@login_required
def customer_detail(request, customer_number):
    """The 360° page: one customer, everything the user's role may see, newest first."""
    customer = selectors.customer_get(user=request.user, customer_number=customer_number)
    visible = set(access.customer_fields(request.user))
    groups = access.visible_groups(request.user)
    can_change = customer.user_may_change

    def rows(group):
        return [(Customer._meta.get_field(f).verbose_name, _display(customer, f))
                for f in access.CUSTOMER_FIELDS[group] if f in visible and f not in HIDDEN_ON_PAGE]

    context = service_desk_context(request, customer) | panels_context(request, customer)
    return render(request, "customers/customer_detail.html", context | {
        "customer": customer,
        "identity": rows(access.FG.IDENTITY),
        "contact": rows(access.FG.CONTACT) if access.FG.CONTACT in groups else None,
        "governance": rows(access.FG.GOVERNANCE),
        "can_reveal": access.FG.SENSITIVE in groups,
        "holdings": selectors.customer_holdings(customer=customer, user=request.user),
        "timeline": selectors.customer_timeline(customer=customer, user=request.user, page=request.GET.get("page")),
        "history": selectors.customer_history(customer=customer, user=request.user),
        "duplicates": selectors.customer_suspected_duplicates(customer=customer, user=request.user),
        "merges": selectors.customer_merges(user=request.user, customer=customer),
        "sees": groups,
        "can_edit": can_change and bool(access.customer_fields(request.user, "edit")),
        "can_restore": (can_change and customer.status == Customer.Status.ARCHIVED
                        and request.user.has_perm(services.STATUS_PERM)),
    })


# Shown elsewhere on the page (header, history) or meaningless to a person.
HIDDEN_ON_PAGE = {"national_id_index", "address_issues", "customer_number", "status", "lifecycle_stage", "version",
                  "merged_into"}


@login_required
def customer_timeline(request, customer_number):
    customer = selectors.customer_get(user=request.user, customer_number=customer_number)
    return render(request, "customers/_timeline.html", {
        "customer": customer,
        "timeline": selectors.customer_timeline(customer=customer, user=request.user, page=request.GET.get("page")),
    })


@login_required
def customer_version(request, customer_number):
    """Polled by the open page: says so when someone else changed the record meanwhile."""
    customer = selectors.customer_version_get(user=request.user, customer_number=customer_number)
    try:
        loaded = int(request.GET.get("v", customer.version))
    except ValueError:
        loaded = customer.version
    change = selectors.customer_change_since(customer=customer, version=loaded)
    return render(request, "customers/_live.html", {"customer": customer, "change": change, "loaded": loaded})


@login_required
@require_POST
def customer_reveal(request, customer_number):
    """Sensitive fields, shown only on an explicit request by a permitted user; every reveal is audited."""
    customer = selectors.customer_get(user=request.user, customer_number=customer_number)
    values = services.customer_reveal(customer=customer, by=request.user, where="360° page")
    return render(request, "customers/_sensitive.html", {
        "customer": customer,
        "rows": [(Customer._meta.get_field(f).verbose_name, "–" if v in (None, "") else v) for f, v in values.items()],
    })


def _display(customer, field):
    value = getattr(customer, f"get_{field}_display", lambda: getattr(customer, field))()
    return "–" if value in (None, "", {}) else value


@login_required
@require_POST
def customer_restore(request, customer_number):
    customer = selectors.customer_get(user=request.user, customer_number=customer_number, action="change")
    try:
        services.customer_restore(customer=customer, by=request.user, reason=request.POST.get("reason", "").strip())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(customer)s is active again.") % {"customer": customer.full_name})
    return redirect(customer)


@login_required
def customer_edit(request, customer_number):
    customer = selectors.customer_get(user=request.user, customer_number=customer_number, action="change")
    if not access.customer_fields(request.user, "edit"):
        raise PermissionDenied  # may change the record (e.g. attributes) but no master-data field
    initial = {f: getattr(customer, f) for f in access.customer_fields(request.user, "edit")} | {"version": customer.version}
    form = CustomerEditForm(request.POST or None, user=request.user, initial=initial)
    conflict = None  # after a lost race: each field the other user changed, their value beside this user's
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.customer_update(customer=customer, by=request.user, version=form.cleaned_data["version"],
                                             reason=form.cleaned_data["change_reason"], **form.changes(customer))
        except ValidationError as exc:
            form_add_errors(form, exc)
        except ConflictError as exc:
            # The user's input stays in the form, now based on the version they have seen the changes of:
            # saving again applies it on top of the other change.
            form.add_error(None, exc.message)
            form.data = form.data.copy()
            form.data["version"] = exc.version
            conflict = [{"label": form.fields[f].label if f in form.fields else Customer._meta.get_field(f).verbose_name,
                         "theirs": _display_value(value), "yours": _display_value(form.cleaned_data.get(f, "")),
                         "editable": f in form.fields}
                        for f, value in getattr(exc, "theirs", {}).items()]
        else:
            messages.success(request, _("Saved %(customer)s.") % {"customer": customer.full_name})
            if getattr(saved, "raised_for_review", False):
                messages.info(request, REVIEW_MESSAGE)
            return redirect(customer)
    return render(request, "customers/customer_edit.html", {"form": form, "customer": customer, "conflict": conflict})


def _display_value(value):
    return "–" if value in (None, "") else value
