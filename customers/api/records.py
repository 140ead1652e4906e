"""API v1: a customer's orders and product holdings, under /customers/<number>/. Writes call the services
(order_create, product_holding_create, product_holding_change_status); these views parse and answer."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response

from cdm.api.errors import ApiError
from cdm.querysets import perm_for
from customers import services
from customers.api.base import CUSTOMER_NUMBER, CustomerRowsView, StrictFieldsMixin, SafeDateTimeField, newest_first
from customers.api.views import ERRORS, IDEMPOTENCY_KEY
from customers.models import Order, Product, ProductHolding
from customers.selectors.records import customer_orders, customer_product_holdings, order_by_number

MAX_LINES = 500


class OrderLineSerializer(StrictFieldsMixin, serializers.Serializer):
    sku = serializers.CharField(max_length=50)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                        help_text="Defaults to the SKU.")
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)


class OrderSerializer(StrictFieldsMixin, serializers.Serializer):
    """An order as the API shows it, and as an integration posts it (status, channel, currency default)."""

    order_number = serializers.CharField(max_length=40)
    placed_at = SafeDateTimeField()
    status = serializers.ChoiceField(choices=Order.Status.choices, default=Order.Status.PLACED)
    channel = serializers.ChoiceField(choices=Order.Channel.choices, default=Order.Channel.WEB)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", default="USD", help_text="ISO 4217, e.g. EUR.")
    total_amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    lines = OrderLineSerializer(many=True, allow_empty=False, max_length=MAX_LINES)


def _same_order(order: Order, data: dict) -> bool:
    """Does the posted body describe this stored order (a retry), or another one under a taken number?"""
    stored = sorted((line.sku, line.quantity, line.unit_price) for line in order.lines.all())
    posted = sorted((line["sku"], line["quantity"], line["unit_price"]) for line in data["lines"])
    return (order.placed_at == data["placed_at"] and order.channel == data["channel"] and order.status == data["status"]
            and order.currency == data["currency"].upper() and stored == posted)


@extend_schema_view(
    get=extend_schema(summary="List a customer's orders (newest first)", tags=["orders"], parameters=[CUSTOMER_NUMBER]),
    post=extend_schema(
        summary="Record an order of the customer", tags=["orders"], parameters=[CUSTOMER_NUMBER, IDEMPOTENCY_KEY],
        description="Idempotent by `order_number`: the same order posted again answers 200 with the stored "
                    "order (nothing written); another order under a number already taken is a 409 naming "
                    "`order_number`.",
        request=OrderSerializer, responses={200: OrderSerializer, 201: OrderSerializer, 400: ERRORS, 409: ERRORS}),
)
class CustomerOrdersView(CustomerRowsView):
    model = Order
    serializer_class = OrderSerializer
    pagination_class = newest_first("placed_at")

    def rows(self):
        return customer_orders(user=self.request.user, customer=self.customer)

    def post(self, request, customer_number):
        # Before the order number is looked up: a role that may not add orders learns nothing from a 200 or 409.
        if not request.user.has_perm(perm_for(Order, "add")):
            raise PermissionDenied(_("Your role may not record orders."))
        payload = OrderSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        existing = order_by_number(order_number=data["order_number"])
        if existing is not None:
            return self._posted_before(existing, data)
        try:
            order = services.order_create(customer=self.customer, by=request.user, **data)
        except (IntegrityError, ValidationError):
            # Another request with this order number committed first (the unique check or the insert lost the
            # race): answer as if it had come before this one.
            existing = order_by_number(order_number=data["order_number"])
            if existing is None:
                raise
            return self._posted_before(existing, data)
        return Response(OrderSerializer(customer_orders(user=request.user, customer=self.customer).get(pk=order.pk)).data,
                        status=status.HTTP_201_CREATED)


    def _posted_before(self, existing, data):
        if existing.customer_id == self.customer.pk and _same_order(existing, data):
            return Response(OrderSerializer(existing).data)
        raise ApiError(_("An order %(number)s already exists with other data; nothing was written.")
                       % {"number": existing.order_number}, code="exists", status_code=status.HTTP_409_CONFLICT,
                       field="order_number")


class HoldingSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="code", queryset=Product.objects.filter(active=True),
                                           help_text="The product's code.")
    product_name = serializers.CharField(source="product.name", read_only=True)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1)

    class Meta:
        model = ProductHolding
        fields = ("id", "product", "product_name", "status", "started_on", "ended_on", "quantity")
        read_only_fields = ("id", "status", "ended_on")


class HoldingChangeSerializer(StrictFieldsMixin, serializers.Serializer):
    status = serializers.ChoiceField(choices=ProductHolding.Status.choices)
    ended_on = serializers.DateField(required=False, help_text="When cancelled: the last day (default today).")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


@extend_schema_view(
    get=extend_schema(summary="List the products a customer holds", tags=["holdings"], parameters=[CUSTOMER_NUMBER]),
    post=extend_schema(summary="Add a product the customer holds", tags=["holdings"],
                       parameters=[CUSTOMER_NUMBER, IDEMPOTENCY_KEY], request=HoldingSerializer,
                       responses={201: HoldingSerializer, 400: ERRORS}),
)
class CustomerHoldingsView(CustomerRowsView):
    model = ProductHolding
    serializer_class = HoldingSerializer
    pagination_class = newest_first("started_on")

    def rows(self):
        return customer_product_holdings(user=self.request.user, customer=self.customer)

    def post(self, request, customer_number):
        payload = HoldingSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        holding = services.product_holding_create(customer=self.customer, by=request.user,
                                                  reason=_("Added through the API"), **payload.validated_data)
        return Response(HoldingSerializer(holding).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    patch=extend_schema(summary="Change the status of a product the customer holds", tags=["holdings"],
                        parameters=[CUSTOMER_NUMBER], request=HoldingChangeSerializer,
                        responses={200: HoldingSerializer, 400: ERRORS}),
)
class CustomerHoldingView(CustomerRowsView):
    model = ProductHolding
    serializer_class = HoldingSerializer
    http_method_names = ["patch", "options"]

    def patch(self, request, customer_number, pk):
        holding = get_object_or_404(customer_product_holdings(user=request.user, customer=self.customer), pk=pk)
        payload = HoldingChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        changed = services.product_holding_change_status(holding=holding, by=request.user, **payload.validated_data)
        return Response(HoldingSerializer(customer_product_holdings(user=request.user, customer=self.customer)
                                          .get(pk=changed.pk)).data)
