"""/api/: the schema, its docs (static files, no CDN) and each app's v1 routes (by name: cdm imports no app)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

urlpatterns = [
    path("v1/", include("customers.api.urls")),
    path("v1/", include("consent.api.urls")),
    # Public: the schema and docs show routes and field names, never data.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[]),
         name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=[AllowAny],
                                                      authentication_classes=[]), name="docs"),
]
