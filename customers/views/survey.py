"""The public satisfaction survey: no login, the signed link is the credential."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from cdm.access import SYSTEM
from cdm.forms import error_code, focus_first_error, form_add_errors
from customers import services
from customers.forms import SurveyForm

# The token is in the URL: keep it out of other sites' Referer headers, search engines and caches.
# ("no-referrer" would make browsers send "Origin: null" with the form, which CSRF checks refuse.)
SURVEY_HEADERS = {"Referrer-Policy": "same-origin", "X-Robots-Tag": "noindex, nofollow"}
SURVEY_REFUSED_STATUS = {"expired": 410, "invalid": 404, "answered": 200, "reopened": 200}


def _survey_render(request, template: str, context: dict, status: int = 200):
    response = render(request, template, context, status=status)
    for header, value in SURVEY_HEADERS.items():
        response[header] = value
    add_never_cache_headers(response)
    return response


def _survey_refused(request, exc: ValidationError):
    """Expired, tampered or already answered: a friendly page that shows nothing of the request."""
    code = error_code(exc, "token") or "invalid"
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
    form = SurveyForm(request.POST if request.method == "POST" else None, reference=service_request.reference)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_answer(token=token, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"],
                                   by=SYSTEM)
        except ValidationError as exc:
            if error_code(exc, "token"):
                return _survey_refused(request, exc)
            form_add_errors(form, exc)
        else:
            return redirect("survey:thanks")
    focus_first_error(form)
    return _survey_render(request, "customers/survey_form.html", {"form": form, "reference": service_request.reference})


@require_GET
def survey_thanks(request):
    return _survey_render(request, "customers/survey_thanks.html", {})
