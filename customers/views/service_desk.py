"""The service desk on the 360° page: requests and complaints, notes, feedback (htmx partials).

Partials for the 360° page (customers/_service_requests.html, _notes.html, _feedback.html); their
context comes from service_desk_context(). Forms post with htmx and get the partial back; without
JavaScript they post plainly and are redirected to the customer's page with a message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cdm import access
from cdm.forms import focus_first_error, form_add_errors
from cdm.pagination import page_number
from cdm.querysets import perm_for
from customers import selectors, services
from customers.forms import NoteForm, ServiceRequestCloseForm, ServiceRequestLogForm, ServiceRequestStatusForm
from customers.models import Feedback, Note, ServiceRequest

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
                    prefix=_row_prefix(service_request, "close"), can_survey=bool(customer.email)),
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
            except ValidationError as exc:
                form_add_errors(form, exc)
            else:
                message = _("Logged %(kind)s %(reference)s: %(subject)s.") % {
                    "kind": logged.get_kind_display().lower(), "reference": logged.reference, "subject": logged.subject}
                return _desk_done(request, customer, "requests",
                                  lambda done: _requests_block(request, customer, done=done), message)
        focus_first_error(form)
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
    extra = {"can_survey": bool(customer.email)} if action == "close" else {}
    form = form_class(request.POST, prefix=_row_prefix(service_request, action), **extra)
    if form.is_valid():
        data = form.cleaned_data
        wrote = True
        try:
            if action == "close":
                services.service_request_close(request=service_request, by=request.user,
                                               resolution=data["resolution"], send_survey=data.get("send_survey", False))
                message = _("Closed %(reference)s.") % {"reference": service_request.reference}
                if data.get("send_survey") and customer.email:
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
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            return _desk_done(request, customer, "requests",
                              lambda done: _requests_block(request, customer, done=done), message, wrote=wrote)
    focus_first_error(form)
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
            except ValidationError as exc:
                form_add_errors(form, exc)
            else:
                return _desk_done(request, customer, "notes", lambda done: _notes_block(request, customer, done=done),
                                  _("Note added."))
        focus_first_error(form)
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
    """The user's open requests and complaints across their customers, urgent first (or by age)."""
    _desk_require(request.user, "requests")
    sort = request.GET.get("sort", "priority")
    sort = sort if sort in selectors.MY_REQUESTS_SORTS else "priority"
    page = Paginator(selectors.service_requests_mine(user=request.user, sort=sort), 50).get_page(
        page_number(request.GET.get("page"), 50)[0])
    return render(request, "customers/my_requests.html", {"page": page, "sort": sort})
