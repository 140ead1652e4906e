from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from customers.api import activities, duplicates, records, service_desk, views
from customers.api.base import CUSTOMER_ROUTE

router = SimpleRouter(trailing_slash=True)
router.register("customers", views.CustomerViewSet, basename="customer")

urlpatterns = [
    *router.urls,
    path("merges/<int:pk>/undo/", views.MergeUndoView.as_view(), name="merge-undo"),
    path("systems/<slug:system>/batch/customers/", views.CustomerBatchUpsertView.as_view(),
         name="customer-batch-upsert"),
    path("systems/<slug:system>/customers/<path:external_id>", views.CustomerUpsertView.as_view(),
         name="customer-upsert"),
    # A customer's records, by the customer's number.
    re_path(CUSTOMER_ROUTE + r"orders/$", records.CustomerOrdersView.as_view(), name="customer-orders"),
    re_path(CUSTOMER_ROUTE + r"holdings/$", records.CustomerHoldingsView.as_view(), name="customer-holdings"),
    re_path(CUSTOMER_ROUTE + r"holdings/(?P<pk>[0-9]{1,18})/$", records.CustomerHoldingView.as_view(),
            name="customer-holding"),
    re_path(CUSTOMER_ROUTE + r"service-requests/$", service_desk.CustomerServiceRequestsView.as_view(),
            name="customer-service-requests"),
    re_path(CUSTOMER_ROUTE + r"service-requests/(?P<reference>[A-Za-z0-9-]{1,20})/$",
            service_desk.CustomerServiceRequestView.as_view(), name="customer-service-request"),
    re_path(CUSTOMER_ROUTE + r"notes/$", service_desk.CustomerNotesView.as_view(), name="customer-notes"),
    re_path(CUSTOMER_ROUTE + r"activities/$", activities.CustomerActivitiesView.as_view(), name="customer-activities"),
    path("activities/batch/", activities.ActivityBatchView.as_view(), name="activity-batch"),
    path("duplicates/", duplicates.DuplicateListView.as_view(), name="duplicate-list"),
    path("duplicates/<int:pk>/dismiss/", duplicates.DuplicateDismissView.as_view(), name="duplicate-dismiss"),
    path("duplicates/<int:pk>/skip/", duplicates.DuplicateSkipView.as_view(), name="duplicate-skip"),
]
