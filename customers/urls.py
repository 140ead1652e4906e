from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("<str:customer_number>/", views.customer_detail, name="detail"),
    path("<str:customer_number>/edit/", views.customer_edit, name="edit"),
    path("<str:customer_number>/restore/", views.customer_restore, name="restore"),
    path("<str:customer_number>/timeline/", views.customer_timeline, name="timeline"),
    path("<str:customer_number>/version/", views.customer_version, name="version"),
    path("<str:customer_number>/reveal/", views.customer_reveal, name="reveal"),
]
