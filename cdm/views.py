"""The error pages (the start page is the customers app's: customers/views/home.py)."""

from django.shortcuts import render


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)
