"""The start page, included at the site root (cdm/urls.py)."""

from django.urls import path

from customers.views.home import home

urlpatterns = [path("", home, name="home")]
