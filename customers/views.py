from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cdm import access
from cdm.errors import ConflictError
from cdm.pagination import PeekPage
from cdm.querysets import perm_for
from cdm.services import audit_record
from consent.views import customer_consents_context
from customers import selectors, services
from customers.forms import CustomerCreateForm, CustomerEditForm
from customers.models import Customer
from customers.forms import (NoteForm, ServiceRequestCloseForm, ServiceRequestLogForm, ServiceRequestStatusForm,
                             SurveyForm)
from customers.models import Feedback, Note, ServiceRequest


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
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Created %(customer)s.") % {"customer": customer})
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


def _matches_context(request, fields: dict) -> dict:
    matches = list(selectors.customer_possible_duplicates(user=request.user, **fields)[:10])
    return {"matches": matches, "visible": set(access.customer_fields(request.user))}


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

    context = service_desk_context(request, customer) | customer_consents_context(request, customer)
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
        "sees": groups,
        "can_edit": can_change and bool(access.customer_fields(request.user, "edit")),
        "can_restore": can_change and customer.status == Customer.Status.ARCHIVED,
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
    customer = selectors.customer_get(user=request.user, customer_number=customer_number)
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
    if access.FG.SENSITIVE not in access.visible_groups(request.user):
        raise PermissionDenied
    fields = access.CUSTOMER_FIELDS[access.FG.SENSITIVE]
    audit_record(by=request.user, action="customer.reveal", obj=customer, fields=fields)
    return render(request, "customers/_sensitive.html", {
        "customer": customer,
        "rows": [(Customer._meta.get_field(f).verbose_name, _display(customer, f)) for f in fields],
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
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(customer=customer, by=request.user, version=form.cleaned_data["version"],
                                     reason=form.cleaned_data["change_reason"], **form.changes(customer))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except ConflictError as exc:
            # The user's input stays in the form so they can apply it again after reading the other change.
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved %(customer)s.") % {"customer": customer.full_name})
            return redirect(customer)
    return render(request, "customers/customer_edit.html", {"form": form, "customer": customer})


# --- service desk: requests and complaints, notes, feedback ----------------------------------------
# Partials for the 360° page (customers/_service_requests.html, _notes.html, _feedback.html); their
# context comes from service_desk_context(). Forms post with htmx and get the partial back; without
# JavaScript they post plainly and are redirected to the customer's page with a message.

# Every successful htmx write says so: the 360° page reloads its timeline on this event.
TIMELINE_CHANGED = "timeline-changed"
DESK_PARTIALS = {"requests": "customers/_service_requests.html", "notes": "customers/_notes.html",
                 "feedback": "customers/_feedback.html"}
DESK_ANCHORS = {"requests": "service-requests", "notes": "customer-notes", "feedback": "customer-feedback"}
DESK_MODELS = {"requests": ServiceRequest, "notes": Note, "feedback": Feedback}


def _desk_may_see(user, section: str) -> bool:
    model = DESK_MODELS[section]
    return access.can_see_model(user, model) and user.has_perm(perm_for(model, "view"))


def _desk_require(user, section: str, perm: str | None = None) -> None:
    # Called after customer_get(): a customer outside the user's rights is 404 before this says 403.
    if not _desk_may_see(user, section) or (perm and not user.has_perm(perm)):
        raise PermissionDenied


def _form_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: field-keyed errors next to their field."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _focus_first_error(form) -> None:
    # htmx focuses [autofocus] in swapped content, browsers on page load: the agent lands on the field to fix.
    for name in form.errors:
        if name in form.fields:
            form.fields[name].widget.attrs["autofocus"] = True
            return


def _error_code(exc: ValidationError, field: str) -> str | None:
    errors = getattr(exc, "error_dict", {}).get(field) or []
    return errors[0].code if errors else None


def _row_prefix(service_request, action: str) -> str:
    return f"{service_request.reference}-{action}"


def _requests_block(request, customer, *, form=None, bound=None, done: str = "") -> dict:
    """`bound`: {reference: {"status"|"close": bound form}} to show a failed change with its errors."""
    user = request.user
    can_log = user.has_perm("customers.add_servicerequest")
    can_update = selectors.service_request_can_update(user=user, customer=customer)
    bound = bound or {}
    rows, shown = [], set()
    for service_request in selectors.service_requests_open(user=user, customer=customer):
        row = {"request": service_request}
        if can_update:
            own = bound.get(service_request.reference, {})
            row |= {
                "url": reverse("customers:service_request", args=[customer.customer_number, service_request.reference]),
                "status_form": own.get("status") or ServiceRequestStatusForm(
                    prefix=_row_prefix(service_request, "status"), initial={"status": service_request.status}),
                "close_form": own.get("close") or ServiceRequestCloseForm(
                    prefix=_row_prefix(service_request, "close"), initial={"send_survey": bool(customer.email)}),
            }
            shown.add(service_request.reference)
        rows.append(row)
    # A change that failed on a request no longer open (closed meanwhile) has no row to show its errors on.
    alert = " ".join(e for ref, by_action in bound.items() if ref not in shown
                     for f in by_action.values() for errors in f.errors.values() for e in errors)
    if can_log and form is None:
        form = ServiceRequestLogForm(prefix="sr-new", initial={"assignee": user.pk},
                                     assignees=selectors.service_request_assignees(customer=customer, user=user))
    return {"rows": rows, "form": form if can_log else None, "can_update": can_update, "done": done, "alert": alert,
            "url": reverse("customers:service_requests", args=[customer.customer_number])}


def _notes_block(request, customer, *, form=None, done: str = "") -> dict:
    can_add = request.user.has_perm("customers.add_note")
    if can_add and form is None:
        form = NoteForm(prefix="note")
    return {"notes": selectors.notes_latest(user=request.user, customer=customer),
            "form": form if can_add else None, "done": done,
            "url": reverse("customers:notes", args=[customer.customer_number])}


def _feedback_block(request, customer) -> dict:
    return {"items": selectors.feedback_list(user=request.user, customer=customer),
            "url": reverse("customers:feedback", args=[customer.customer_number])}


def service_desk_context(request, customer) -> dict:
    """Context for the service-desk partials, under the key "service_desk".

    The 360° page merges it into its own (`context |= service_desk_context(request, customer)`) and
    includes each partial whose section is not None: a role that may not see service requests,
    notes or feedback (marketing) gets None for all three.
    """
    user = request.user
    return {"service_desk": {
        "requests": _requests_block(request, customer) if _desk_may_see(user, "requests") else None,
        "notes": _notes_block(request, customer) if _desk_may_see(user, "notes") else None,
        "feedback": _feedback_block(request, customer) if _desk_may_see(user, "feedback") else None,
    }}


def _desk_response(request, customer, section: str, block: dict, *, status: int = 200):
    """htmx: the section's partial alone; otherwise the customer's service-desk page with every section."""
    if request.htmx and not request.htmx.boosted:
        response = render(request, DESK_PARTIALS[section],
                          {"customer": customer, "service_desk": {section: block}}, status=status)
    else:
        context = service_desk_context(request, customer)
        context["service_desk"][section] = block
        response = render(request, "customers/service_desk.html", context | {"customer": customer}, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _desk_done(request, customer, section: str, block_after, message: str, *, wrote: bool = True):
    """After a successful POST: the fresh partial (htmx) or a redirect to the customer's page with a message."""
    if request.htmx:
        response = _desk_response(request, customer, section, block_after(done=message))
        if wrote:
            response["HX-Trigger"] = TIMELINE_CHANGED
        return response
    (messages.success if wrote else messages.info)(request, message)
    return redirect(f"{customer.get_absolute_url()}#{DESK_ANCHORS[section]}")


@login_required
@require_http_methods(["GET", "POST"])
def service_requests(request, customer_number):
    """GET: the customer's open requests and complaints. POST: log one."""
    customer = selectors.customer_get(user=request.user, customer_number=customer_number)
    _desk_require(request.user, "requests")
    form = None
    if request.method == "POST":
        _desk_require(request.user, "requests", "customers.add_servicerequest")
        form = ServiceRequestLogForm(request.POST, prefix="sr-new",
                                     assignees=selectors.service_request_assignees(customer=customer, user=request.user))
        if form.is_valid():
            try:
                logged = services.service_request_create(customer=customer, by=request.user, **form.cleaned_data)
            except Customer.DoesNotExist:
                raise Http404 from None  # rights withdrawn since the page loaded
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                message = _("Logged %(kind)s %(reference)s: %(subject)s.") % {
                    "kind": logged.get_kind_display().lower(), "reference": logged.reference, "subject": logged.subject}
                return _desk_done(request, customer, "requests",
                                  lambda done: _requests_block(request, customer, done=done), message)
        _focus_first_error(form)
    return _desk_response(request, customer, "requests", _requests_block(request, customer, form=form))


@login_required
@require_POST
def service_request_change(request, customer_number, reference):
    """Change the status of one open request, or close it with a resolution (action=close)."""
    customer = selectors.customer_get(user=request.user, customer_number=customer_number)
    _desk_require(request.user, "requests", "customers.change_servicerequest")
    service_request = selectors.service_request_get(user=request.user, customer=customer, reference=reference,
                                                    action="change")
    action = "close" if request.POST.get("action") == "close" else "status"
    form_class = ServiceRequestCloseForm if action == "close" else ServiceRequestStatusForm
    form = form_class(request.POST, prefix=_row_prefix(service_request, action))
    if form.is_valid():
        data = form.cleaned_data
        wrote = True
        try:
            if action == "close":
                services.service_request_close(request=service_request, by=request.user,
                                               resolution=data["resolution"], send_survey=data["send_survey"])
                message = _("Closed %(reference)s.") % {"reference": service_request.reference}
                if data["send_survey"] and customer.email:
                    message += " " + _("The customer will get a satisfaction survey by e-mail.")
            elif data["status"] == service_request.status:
                wrote = False
                message = _("%(reference)s is already “%(status)s”.") % {
                    "reference": service_request.reference, "status": service_request.get_status_display()}
            else:
                changed = services.service_request_update(
                    request=service_request, by=request.user, status=data["status"],
                    reason=_("Status set to %(status)s") % {"status": ServiceRequest.Status(data["status"]).label})
                message = _("%(reference)s is now “%(status)s”.") % {
                    "reference": changed.reference, "status": changed.get_status_display()}
        except (ServiceRequest.DoesNotExist, Customer.DoesNotExist):
            raise Http404 from None  # rights withdrawn since the page loaded
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return _desk_done(request, customer, "requests",
                              lambda done: _requests_block(request, customer, done=done), message, wrote=wrote)
    _focus_first_error(form)
    block = _requests_block(request, customer, bound={service_request.reference: {action: form}})
    return _desk_response(request, customer, "requests", block)


@login_required
@require_http_methods(["GET", "POST"])
def customer_notes(request, customer_number):
    """GET: the customer's latest notes, pinned first. POST: add a note."""
    customer = selectors.customer_get(user=request.user, customer_number=customer_number)
    _desk_require(request.user, "notes")
    form = None
    if request.method == "POST":
        _desk_require(request.user, "notes", "customers.add_note")
        form = NoteForm(request.POST, prefix="note")
        if form.is_valid():
            try:
                services.note_create(customer=customer, by=request.user, **form.cleaned_data)
            except Customer.DoesNotExist:
                raise Http404 from None
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                return _desk_done(request, customer, "notes", lambda done: _notes_block(request, customer, done=done),
                                  _("Note added."))
        _focus_first_error(form)
    return _desk_response(request, customer, "notes", _notes_block(request, customer, form=form))


@login_required
@require_GET
def customer_feedback(request, customer_number):
    """Feedback the customer gave (satisfaction surveys and more), newest first."""
    customer = selectors.customer_get(user=request.user, customer_number=customer_number)
    _desk_require(request.user, "feedback")
    return _desk_response(request, customer, "feedback", _feedback_block(request, customer))


@login_required
@require_GET
def my_requests(request):
    """The user's open requests and complaints across their customers, oldest first."""
    _desk_require(request.user, "requests")
    page = Paginator(selectors.service_requests_mine(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "customers/my_requests.html", {"page": page})


# --- the public satisfaction survey (no login: the signed link is the credential) -------------------

# The token is in the URL: keep it out of other sites' Referer headers, search engines and caches.
# ("no-referrer" would make browsers send "Origin: null" with the form, which CSRF checks refuse.)
SURVEY_HEADERS = {"Referrer-Policy": "same-origin", "X-Robots-Tag": "noindex, nofollow"}
SURVEY_REFUSED_STATUS = {"expired": 410, "invalid": 404, "answered": 200}


def _survey_render(request, template: str, context: dict, status: int = 200):
    response = render(request, template, context, status=status)
    for header, value in SURVEY_HEADERS.items():
        response[header] = value
    add_never_cache_headers(response)
    return response


def _survey_refused(request, exc: ValidationError):
    """Expired, tampered or already answered: a friendly page that shows nothing of the request."""
    code = _error_code(exc, "token") or "invalid"
    return _survey_render(request, "customers/survey_refused.html", {"code": code, "message": exc.messages[0]},
                          status=SURVEY_REFUSED_STATUS.get(code, 404))


# No CSRF check: the signed token in the URL is the only credential, so a forged cross-site post would
# need the link itself; the check would only turn away customers whose browsers block cookies.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def survey(request, token):
    """One question, 1–5, and an optional comment; the answer is stored as CSAT feedback on the request."""
    try:
        service_request = services.survey_token_read(token)
    except ValidationError as exc:
        return _survey_refused(request, exc)
    form = SurveyForm(request.POST if request.method == "POST" else None, subject=service_request.subject)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_answer(token=token, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            if _error_code(exc, "token"):
                return _survey_refused(request, exc)
            _form_errors(form, exc)
        else:
            return redirect("survey:thanks")
    _focus_first_error(form)
    return _survey_render(request, "customers/survey_form.html", {"form": form, "subject": service_request.subject})


@require_GET
def survey_thanks(request):
    return _survey_render(request, "customers/survey_thanks.html", {})
