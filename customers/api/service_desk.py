"""API v1: a customer's service requests (and complaints) and notes, under /customers/<number>/. Writes call the
service desk's services; these views parse and answer. A request has no version: no ETag, no If-Match."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response

from customers import services
from customers.api.base import CUSTOMER_NUMBER, CustomerRowsView, StrictFieldsMixin, newest_first
from customers.api.views import ERRORS, IDEMPOTENCY_KEY
from customers.models import Note, ServiceRequest
from customers.selectors.records import customer_notes, customer_service_requests
from customers.selectors.service_desk import service_request_assignees

CLOSED = ServiceRequest.Status.CLOSED


@extend_schema_field(OpenApiTypes.STR)
class AssigneeField(serializers.SlugRelatedField):
    """An assignee by username, among who a request of this customer can be assigned to (the page's list)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", allow_null=True, required=False, **kwargs)

    def get_queryset(self):
        view = self.context.get("view")
        if view is None or not hasattr(view, "customer"):
            return get_user_model().objects.none()
        return service_request_assignees(customer=view.customer, user=view.request.user)


class ServiceRequestSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    assignee = AssigneeField(help_text="The username of an agent of the customer's team (or yours).")
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ServiceRequest
        fields = ("reference", "kind", "channel", "subject", "description", "priority", "status", "assignee",
                  "created_by", "resolution", "opened_at", "closed_at", "updated_at")
        read_only_fields = ("reference", "status", "created_by", "resolution", "opened_at", "closed_at", "updated_at")


class ServiceRequestChangeSerializer(StrictFieldsMixin, serializers.Serializer):
    """A change of a request; closing it (status "closed") takes the resolution and nothing else."""

    kind = serializers.ChoiceField(choices=ServiceRequest.Kind.choices, required=False)
    channel = serializers.ChoiceField(choices=ServiceRequest.Channel.choices, required=False)
    subject = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    priority = serializers.ChoiceField(choices=ServiceRequest.Priority.choices, required=False)
    status = serializers.ChoiceField(choices=ServiceRequest.Status.choices, required=False)
    assignee = AssigneeField()
    resolution = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    send_survey = serializers.BooleanField(required=False, default=False,
                                           help_text="When closing: e-mail the customer a one-question survey.")

    def validate(self, data):
        if data.get("status") == CLOSED:
            others = sorted(set(data) - {"status", "resolution", "send_survey"})
            if others:
                raise serializers.ValidationError({name: [serializers.ErrorDetail(
                    _("Closing a request takes only its resolution: change this first, then close."),
                    code="with_close")] for name in others})
        elif data.get("send_survey"):
            raise serializers.ValidationError({"send_survey": [serializers.ErrorDetail(
                _("A survey goes out only when the request is closed."), code="not_closing")]})
        return data


@extend_schema_view(
    get=extend_schema(summary="List a customer's service requests and complaints (newest first)",
                      tags=["service requests"], parameters=[CUSTOMER_NUMBER]),
    post=extend_schema(summary="Log a service request or complaint", tags=["service requests"],
                       parameters=[CUSTOMER_NUMBER, IDEMPOTENCY_KEY], request=ServiceRequestSerializer,
                       responses={201: ServiceRequestSerializer, 400: ERRORS}),
)
class CustomerServiceRequestsView(CustomerRowsView):
    model = ServiceRequest
    serializer_class = ServiceRequestSerializer
    pagination_class = newest_first("opened_at")

    def rows(self):
        return customer_service_requests(user=self.request.user, customer=self.customer)

    def post(self, request, customer_number):
        payload = ServiceRequestSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        created = services.service_request_create(customer=self.customer, by=request.user,
                                                  reason=_("Logged through the API"), **payload.validated_data)
        return Response(ServiceRequestSerializer(created).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="Read a service request", tags=["service requests"], parameters=[CUSTOMER_NUMBER],
                      operation_id="customers_service_requests_retrieve"),
    patch=extend_schema(summary="Change a service request (status, priority, assignee...) or close it",
                        tags=["service requests"], parameters=[CUSTOMER_NUMBER],
                        description='Closing: `{"status": "closed", "resolution": "...", "send_survey": false}`; '
                                    "a closed request cannot be closed again (400).",
                        request=ServiceRequestChangeSerializer, responses={200: ServiceRequestSerializer, 400: ERRORS}),
)
class CustomerServiceRequestView(CustomerRowsView):
    model = ServiceRequest
    serializer_class = ServiceRequestSerializer
    lookup_field = "reference"
    http_method_names = ["get", "patch", "head", "options"]

    def rows(self):
        return customer_service_requests(user=self.request.user, customer=self.customer)

    def get(self, request, customer_number, reference):
        return Response(ServiceRequestSerializer(get_object_or_404(self.rows(), reference=reference)).data)

    def patch(self, request, customer_number, reference):
        found = get_object_or_404(self.rows(), reference=reference)
        payload = ServiceRequestChangeSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        changes = dict(payload.validated_data)
        send_survey = changes.pop("send_survey", False)
        if changes.get("status") == CLOSED:
            services.service_request_close(request=found, by=request.user, resolution=changes.get("resolution", ""),
                                           send_survey=send_survey, reason=_("Closed through the API"))
        elif changes:
            services.service_request_update(request=found, by=request.user, reason=_("Changed through the API"),
                                            **changes)
        return Response(ServiceRequestSerializer(self.rows().get(pk=found.pk)).data)


class NoteSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    body = serializers.CharField(max_length=20_000)

    class Meta:
        model = Note
        fields = ("id", "body", "pinned", "author", "created_at")
        read_only_fields = ("id", "author", "created_at")


@extend_schema_view(
    get=extend_schema(summary="List a customer's notes (newest first)", tags=["notes"], parameters=[CUSTOMER_NUMBER]),
    post=extend_schema(summary="Add a note to a customer", tags=["notes"], parameters=[CUSTOMER_NUMBER, IDEMPOTENCY_KEY],
                       request=NoteSerializer, responses={201: NoteSerializer, 400: ERRORS}),
)
class CustomerNotesView(CustomerRowsView):
    model = Note
    serializer_class = NoteSerializer
    pagination_class = newest_first("created_at")

    def rows(self):
        return customer_notes(user=self.request.user, customer=self.customer)

    def post(self, request, customer_number):
        payload = NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        note = services.note_create(customer=self.customer, by=request.user, **payload.validated_data)
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)
