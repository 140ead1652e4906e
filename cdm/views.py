"""The error pages (the start page is the customers app's: customers/views/home.py)."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def _api_error(request, status: int, code: str, message: str):
    """Under /api/ every answer is JSON in the one error shape (cdm.api.errors), even for a URL no route
    matches: an integration never gets an HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": {"detail": [{"code": code, "message": message}]}}, status=status)
    return None


def error_403(request, exception=None):
    if (answer := _api_error(request, 403, "permission_denied", _("You do not have permission to do this."))):
        return answer
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    if (answer := _api_error(request, 404, "not_found", _("Not found."))):
        return answer
    return render(request, "404.html", status=404)


def error_500(request):
    if (answer := _api_error(request, 500, "server_error", _("Something went wrong on our side; it was logged."))):
        return answer
    return render(request, "500.html", status=500)
