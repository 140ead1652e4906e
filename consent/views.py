from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from cdm.forms import focus_first_error, form_add_errors
from consent import selectors, services
from consent.forms import ConsentRecordForm
from consent.models import ConsentRecord
from consent.panels import customer_consents_context
from customers.selectors import customer_get

# Tells the 360° page to reload its timeline after a write.
TIMELINE_CHANGED = "timeline-changed"


@login_required
def customer_consents(request, customer_number):
    """GET: the consents section (htmx; `?part=history` for the record list) or the full page.

    POST: record what the customer said on the phone; htmx gets the refreshed section back.
    """
    customer = customer_get(user=request.user, customer_number=customer_number)
    if not selectors.consent_visible(request.user):
        raise PermissionDenied
    partial = bool(request.htmx) and not request.htmx.boosted
    if request.method == "GET" and partial and request.GET.get("part") == "history":
        response = render(request, "consent/_consent_history.html", {
            "customer": customer, "history": selectors.consent_history(customer=customer, user=request.user)})
        patch_vary_headers(response, ["HX-Request"])
        return response
    form, recorded = None, None  # recorded: the success message shown in the refreshed partial
    if request.method == "POST":
        if not request.user.has_perm(services.RECORD_PERM):
            raise PermissionDenied
        form = ConsentRecordForm(request.POST)
        if form.is_valid():
            try:
                record = services.consent_record(customer=customer, by=request.user,
                                                 method=ConsentRecord.Method.VERBAL, source=_("phone call"),
                                                 **form.service_kwargs())
            except ValidationError as exc:
                form_add_errors(form, exc)
            else:
                recorded = _("Recorded: %(customer)s %(state)s consent to %(purpose)s.") % {
                    "customer": customer.full_name, "purpose": record.purpose.name,
                    "state": _("granted") if record.granted else _("withdrew")}
                if not partial:
                    messages.success(request, recorded)
                    return redirect("consent:customer", customer_number=customer.customer_number)
                form = None  # a fresh form for the next purpose
        if form is not None:
            focus_first_error(form)
    context = customer_consents_context(request, customer, form=form, recorded=recorded)
    if partial:
        response = render(request, "consent/_customer_consents.html", context | {"oob_badges": bool(recorded)})
        if recorded:
            response["HX-Trigger"] = TIMELINE_CHANGED
    else:
        context["history"] = selectors.consent_history(customer=customer, user=request.user)
        response = render(request, "consent/consent_page.html", context | {"customer": customer})
    patch_vary_headers(response, ["HX-Request"])
    return response
