"""Verification of a customer's e-mail address and phone number: the actions on the 360° page and the
public page the e-mail link opens (no login: the signed link is the credential)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from cdm.access import SYSTEM
from cdm.forms import error_code
from customers import selectors, services
from customers.views.survey import SURVEY_HEADERS

VERIFY_REFUSED_STATUS = {"expired": 410, "invalid": 404, "used": 200}


@login_required
@require_POST
def customer_verify_email(request, customer_number):
    customer = selectors.customer_get(user=request.user, customer_number=customer_number, action="change")
    try:
        services.customer_email_verification_send(customer=customer, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("We sent a verification link to %(email)s.") % {"email": customer.email})
    return redirect(f"{customer.get_absolute_url()}#h-contact")


@login_required
@require_POST
def customer_verify_phone(request, customer_number):
    """action=send texts a new code; otherwise the code the customer read back is checked."""
    customer = selectors.customer_get(user=request.user, customer_number=customer_number, action="change")
    try:
        if request.POST.get("action") == "send":
            services.customer_phone_verification_send(customer=customer, by=request.user)
            messages.success(request, _("We texted a code to %(phone)s. Ask the customer to read it out; it works "
                                        "for %(minutes)d minutes.") % {"phone": customer.phone,
                                                                       "minutes": services.PHONE_CODE_MINUTES})
        else:
            services.customer_phone_verify(customer=customer, code=request.POST.get("code", ""), by=request.user)
            messages.success(request, _("The phone number is verified."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(f"{customer.get_absolute_url()}#h-contact")


def _public(request, context: dict, status: int = 200):
    response = render(request, "customers/quality_verify_email.html", context, status=status)
    for header, value in SURVEY_HEADERS.items():
        response[header] = value
    add_never_cache_headers(response)
    return response


# No CSRF check, as the survey: the signed token in the URL is the only credential.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def verify_email_confirm(request, token):
    """GET asks the customer to confirm (mail scanners that open links must not verify anything); POST verifies."""
    try:
        customer = services.email_verification_read(token)
    except ValidationError as exc:
        code = error_code(exc, "token") or "invalid"
        return _public(request, {"code": code, "message": exc.messages[0]}, VERIFY_REFUSED_STATUS.get(code, 404))
    if request.method == "POST":
        try:
            services.customer_email_verify(token=token, by=SYSTEM)
        except ValidationError:
            pass  # verified meanwhile, or no longer valid: the GET says which
        return redirect(request.path)
    return _public(request, {"code": "", "email": customer.email})
