"""What every API view of a customer's records shares: the customer by its number within the caller's rights
(404 outside them), the field policy's group of the rows (403 when the role may not see it), the path
parameter, a time field a database can compare, and cursor pagination newest first."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import generics, serializers

from cdm import access
from cdm.api.fields import StrictFieldsMixin, comparable_time  # noqa: F401 (StrictFieldsMixin: importable here)
from cdm.api.pagination import IdCursorPagination
from cdm.api.views import ApiViewMixin
from cdm.querysets import perm_for
from customers import selectors

CUSTOMER_NUMBER = OpenApiParameter("customer_number", OpenApiTypes.STR, OpenApiParameter.PATH,
                                   description="The customer's number.", pattern="^[0-9]{1,20}$")
CUSTOMER_ROUTE = r"^customers/(?P<customer_number>[0-9]{1,20})/"


def rows_visible(user, model) -> bool:
    """May the user's role read `model`'s rows at all (field policy and model permission)?"""
    return access.can_see_model(user, model) and user.has_perm(perm_for(model, "view"))


def customer_rows_check(user, customer_number: str, model):
    """The customer of a records route: outside the caller's rights it does not exist (404, checked first);
    a role that may not read `model`'s group gets 403, as on the pages."""
    customer = selectors.customer_get(user=user, customer_number=customer_number)
    if not rows_visible(user, model):
        raise PermissionDenied(_("Your role may not see %(rows)s.") % {"rows": model._meta.verbose_name_plural})
    return customer


def newest_first(field: str):
    """A cursor pagination over `field` (indexed with the customer), newest first, ties by id."""
    return type(f"NewestBy{field.title().replace('_', '')}", (IdCursorPagination,), {"ordering": (f"-{field}", "-pk")})


class CustomerRowsMixin(ApiViewMixin):
    """A view of `model`'s rows of the customer in the path: `self.customer` is set, within the caller's rights and
    the field policy (404, 403), for every allowed method before the handler runs."""

    model = None
    filter_backends = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if getattr(self, "swagger_fake_view", False) or not hasattr(self, request.method.lower()) \
                or request.method.lower() not in self.http_method_names:
            return  # a method not allowed: 405, whatever the customer
        self.customer = customer_rows_check(request.user, kwargs["customer_number"], self.model)

    def rows(self):
        return self.model.objects.of_customer(self.request.user, self.customer)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.rows()


class CustomerRowsView(CustomerRowsMixin, generics.ListAPIView):
    """GET lists the rows (cursor, newest first); subclasses add POST (and PATCH)."""


class SafeDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time a database can compare: offsets within ±14 h, in UTC within years 1 to 9999."""

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not comparable_time(parsed):
            self.fail("invalid", format="ISO 8601, e.g. 2026-01-31T12:00:00Z")
        return parsed


