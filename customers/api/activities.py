"""API v1: behavioural events. Posted in bulk (up to 1,000 a request, each validated by its kind's typed
properties and recorded on its own: a bad one stops nothing) and listed per customer, newest first."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from cdm.api.errors import django_errors, drf_errors
from cdm.api.views import ApiView
from cdm.querysets import perm_for
from customers import selectors, services
from customers.api.base import CUSTOMER_NUMBER, CustomerRowsView, SafeDateTimeField, StrictFieldsMixin, newest_first
from customers.api.views import ERRORS, IDEMPOTENCY_KEY
from customers.models import Activity
from customers.selectors.customers import CustomerMerged
from customers.selectors.records import customer_activities, customer_by_external_id

MAX_EVENTS = 1000


class ActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Activity
        fields = ("id", "kind", "occurred_at", "source", "properties")


class ActivityEventSerializer(StrictFieldsMixin, serializers.Serializer):
    """One event of a batch: whose (customer_number, or system and external_id), what, when."""

    customer_number = serializers.RegexField(r"^[0-9]{1,20}$", required=False)
    system = serializers.SlugField(max_length=50, required=False)
    external_id = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=Activity.Kind.choices)
    occurred_at = SafeDateTimeField(required=False, help_text="Default: now.")
    source = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    properties = serializers.DictField(required=False, default=dict,
                                       help_text="Typed by kind, e.g. visit: url (required), referrer, duration_s.")

    def validate_properties(self, value):
        def has_nul(item) -> bool:
            if isinstance(item, str):
                return "\x00" in item
            if isinstance(item, dict):
                return any(has_nul(k) or has_nul(v) for k, v in item.items())
            return isinstance(item, list) and any(has_nul(v) for v in item)

        if has_nul(value):  # PostgreSQL's jsonb refuses it: a 400 here, not a 500 there
            raise serializers.ValidationError(_("Null characters are not allowed."), code="null_characters_not_allowed")
        return value

    def validate(self, data):
        by_number = "customer_number" in data
        by_link = "system" in data or "external_id" in data
        if by_number == by_link:
            raise serializers.ValidationError({"customer_number": [serializers.ErrorDetail(
                _("Name the customer by customer_number, or by system and external_id (not both)."),
                code="required")]})
        if by_link and not ("system" in data and "external_id" in data):
            missing = "system" if "system" not in data else "external_id"
            raise serializers.ValidationError({missing: [serializers.ErrorDetail(
                _("This field is required with %(other)s.") % {"other": "external_id" if missing == "system"
                                                                 else "system"}, code="required")]})
        return data


class ActivityBatchSerializer(StrictFieldsMixin, serializers.Serializer):
    events = serializers.ListField(child=serializers.DictField(), allow_empty=False, max_length=MAX_EVENTS,
                                   help_text="Each as ActivityEvent; parsed and recorded one by one.")


class ActivityResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    result = serializers.ChoiceField(choices=["recorded", "error"])
    id = serializers.IntegerField(required=False)
    customer_number = serializers.CharField(required=False)
    errors = serializers.DictField(required=False)


def _not_found(field: str) -> dict:
    return {field: [{"code": "not_found", "message": _("No such customer that you may add events to.")}]}


def _event_customer(user, data: dict):
    if "customer_number" in data:
        try:
            return selectors.customer_get(user=user, customer_number=data["customer_number"])
        except CustomerMerged as merged:
            if merged.survivor is None:
                raise
            return merged.survivor
    customer = customer_by_external_id(user=user, system=data["system"], external_id=data["external_id"])
    if customer is None:
        raise Http404
    return customer


def _record(request, event) -> dict:
    """One event in its own transaction (activity_record is a use case): its result, or its errors."""
    payload = ActivityEventSerializer(data=event)
    if not payload.is_valid():
        return {"result": "error", "errors": drf_errors(payload.errors)}
    data = dict(payload.validated_data)
    field = "customer_number" if "customer_number" in data else "external_id"
    try:
        customer = _event_customer(request.user, data)
        activity = services.activity_record(customer=customer, by=request.user, kind=data["kind"],
                                            occurred_at=data.get("occurred_at"), source=data["source"],
                                            properties=data["properties"])
    except ValidationError as exc:
        return {"result": "error", "errors": django_errors(exc)}
    except Http404:
        return {"result": "error", "errors": _not_found(field)}
    except PermissionDenied as exc:
        return {"result": "error", "errors": {"detail": [{"code": "permission_denied", "message": str(exc)}]}}
    return {"result": "recorded", "id": activity.pk, "customer_number": customer.customer_number}


class ActivityBatchView(ApiView):
    @extend_schema(
        summary=f"Record up to {MAX_EVENTS} behavioural events", tags=["activities"],
        description="Each event is validated (its kind's typed properties) and recorded on its own: the answer "
                    "holds a result per event, by index, and a bad one stops nothing. Events of a customer you "
                    "may not change are errors (not_found).",
        request=inline_serializer("ActivityBatch", {"events": ActivityEventSerializer(many=True)}),
        parameters=[IDEMPOTENCY_KEY],
        responses={200: inline_serializer("ActivityBatchResults", {"results": ActivityResultSerializer(many=True)}),
                   400: ERRORS})
    def post(self, request):
        if not request.user.has_perm(perm_for(Activity, "add")):
            raise PermissionDenied(_("Your role may not record activities."))
        payload = ActivityBatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return Response({"results": [{"index": index, **_record(request, event)}
                                     for index, event in enumerate(payload.validated_data["events"])]})


@extend_schema_view(get=extend_schema(summary="List a customer's behavioural events (newest first)",
                                      tags=["activities"], parameters=[CUSTOMER_NUMBER]))
class CustomerActivitiesView(CustomerRowsView):
    model = Activity
    serializer_class = ActivitySerializer
    pagination_class = newest_first("occurred_at")
    http_method_names = ["get", "head", "options"]

    def rows(self):
        return customer_activities(user=self.request.user, customer=self.customer)
