from django.urls import path

from consent import views

app_name = "consent"

# Included under customers/<customer_number>/consents/ (cdm/urls.py).
urlpatterns = [
    path("", views.customer_consents, name="customer"),
]
