from django.urls import re_path

from consent.api import views
from customers.api.base import CUSTOMER_ROUTE

urlpatterns = [
    re_path(CUSTOMER_ROUTE + r"consents/$", views.CustomerConsentsView.as_view(), name="customer-consents"),
]
