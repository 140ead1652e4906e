"""API v1: a customer's consents. Recording calls consent.services.consent_record (a new record, never an
edit: a withdrawal is a record with granted false); the views parse and answer."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from consent import selectors, services
from consent.api.serializers import (
    ConsentRecordInputSerializer,
    ConsentRecordSerializer,
    ConsentsSerializer,
    PurposeStateSerializer,
)
from consent.models import ConsentRecord
from customers.api.base import CUSTOMER_NUMBER, CustomerRowsMixin, newest_first
from customers.api.views import ERRORS, IDEMPOTENCY_KEY


class CustomerConsentsView(CustomerRowsMixin, generics.GenericAPIView):
    model = ConsentRecord
    serializer_class = ConsentRecordSerializer
    pagination_class = newest_first("recorded_at")

    def rows(self):
        return selectors.consent_history(customer=self.customer, user=self.request.user)

    def _current(self):
        return PurposeStateSerializer(selectors.consent_status(customer=self.customer, user=self.request.user),
                                      many=True).data

    @extend_schema(summary="Read a customer's consents: the current state per purpose and the history",
                   tags=["consents"], parameters=[CUSTOMER_NUMBER], responses={200: ConsentsSerializer})
    def get(self, request, customer_number):
        page = self.paginate_queryset(self.rows())
        response = self.get_paginated_response(ConsentRecordSerializer(page, many=True).data)
        response.data = {"current": self._current(), **response.data}
        return response

    @extend_schema(summary="Record a consent given or withdrawn", tags=["consents"],
                   description="Withdraw with `granted: false`. The record keeps method, notice, evidence and note; "
                               "the current state of the purpose is the latest record.",
                   parameters=[CUSTOMER_NUMBER, IDEMPOTENCY_KEY], request=ConsentRecordInputSerializer,
                   responses={201: ConsentRecordSerializer, 400: ERRORS})
    def post(self, request, customer_number):
        payload = ConsentRecordInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        fields = dict(payload.validated_data)
        if not fields.get("source"):
            fields["source"] = "API"
        record = services.consent_record(customer=self.customer, by=request.user, **fields)
        return Response(ConsentRecordSerializer(record).data, status=status.HTTP_201_CREATED)
