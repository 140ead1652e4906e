from django.urls import path
from rest_framework.routers import SimpleRouter

from customers.api import views

router = SimpleRouter(trailing_slash=True)
router.register("customers", views.CustomerViewSet, basename="customer")

urlpatterns = [
    *router.urls,
    path("merges/<int:pk>/undo/", views.MergeUndoView.as_view(), name="merge-undo"),
    path("systems/<slug:system>/batch/customers/", views.CustomerBatchUpsertView.as_view(),
         name="customer-batch-upsert"),
    path("systems/<slug:system>/customers/<path:external_id>", views.CustomerUpsertView.as_view(),
         name="customer-upsert"),
]
