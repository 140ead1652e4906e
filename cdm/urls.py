from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

admin.site.site_header = "CDM administration"
admin.site.site_title = "CDM"
admin.site.index_title = "Customer data management"

urlpatterns = [
    path("", include("customers.home_urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("customers/<str:customer_number>/consents/", include("consent.urls")),
    path("customers/", include("customers.urls")),
    path("survey/", include("customers.survey_urls")),
    path("admin/", admin.site.urls),
    path("api/", include(("cdm.api.urls", "api"), namespace="api")),
    # Browsers ask for /favicon.ico whatever the page says; lazy: the hashed static name exists only at request time.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.ico"), permanent=True), name="favicon"),
]

handler403 = "cdm.views.error_403"
handler404 = "cdm.views.error_404"
handler500 = "cdm.views.error_500"
