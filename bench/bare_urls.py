"""CDM's URLs plus /bench/bare/customers/<number>/: a plain Django view answering the JSON the API's customer
detail gives (the same fields, the same row), with nothing of the framework: no DRF, no token, no rights, no
field policy. bench/api_load.py measures the API beside it (the framework's and the rules' cost as a ratio)."""

from django.http import Http404, JsonResponse
from django.urls import include, path

FIELDS = ("customer_number", "given_name", "family_name", "date_of_birth", "email", "phone", "company", "job_title",
          "address_line1", "address_line2", "postal_code", "city", "region", "country", "address_status",
          "email_verified_at", "phone_verified_at", "team__name", "owner__username", "source", "source_detail",
          "lifecycle_stage", "status", "merged_into__customer_number", "version", "created_at", "updated_at",
          "last_activity_at", "quality_score")


def bare_customer(request, number):
    from customers.models import Customer, ExternalIdentity

    row = Customer.objects.filter(customer_number=number).values(*FIELDS).first()
    if row is None:
        raise Http404
    row["external_ids"] = list(ExternalIdentity.objects.filter(customer__customer_number=number)
                               .values("system", "external_id"))
    row["url"] = request.build_absolute_uri(request.path)
    response = JsonResponse(row)
    response["ETag"] = f'"{row["version"]}"'
    return response


urlpatterns = [
    path("bench/bare/customers/<str:number>/", bare_customer),
    path("", include("cdm.urls")),
]
