"""Transactional rows in the admin: listed through restrict(), written through their services."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from customers import services
from customers.admin.base import PolicyHistoryMixin, ReadOnlyInline, ReadOnlyRecordAdmin, ServiceBackedAdmin, _adopt
from customers.models import (
    Activity,
    ExternalIdentity,
    Feedback,
    Note,
    Order,
    OrderLine,
    ProductHolding,
    ServiceRequest,
)


@admin.register(ServiceRequest)
class ServiceRequestAdmin(PolicyHistoryMixin, ServiceBackedAdmin, SimpleHistoryAdmin):
    list_display = ("reference", "customer", "kind", "subject", "status", "priority", "assignee", "opened_at")
    list_filter = ("status", "kind", "priority", "channel")
    search_fields = ("reference", "subject", "customer__customer_number")
    readonly_fields = ("reference", "created_by", "closed_at")
    fields = ("reference", "customer", "kind", "channel", "subject", "description", "priority", "status", "assignee",
              "resolution", "created_by", "closed_at")

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in form.changed_data if f not in ("customer",)}
        if change:
            saved = services.service_request_update(request=obj, by=request.user, **data)
        else:
            data.pop("status", None)
            data.pop("resolution", None)
            saved = services.service_request_create(customer=form.cleaned_data["customer"], by=request.user, **data)
        _adopt(obj, saved)


@admin.register(ProductHolding)
class ProductHoldingAdmin(PolicyHistoryMixin, ServiceBackedAdmin, SimpleHistoryAdmin):
    list_display = ("customer", "product", "status", "started_on", "ended_on")
    list_filter = ("status", "product")
    fields = ("customer", "product", "status", "started_on", "ended_on", "quantity")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("customer", "product", "started_on", "quantity")

    def save_model(self, request, obj, form, change):
        if change:
            saved = services.product_holding_change_status(holding=obj, status=form.cleaned_data["status"],
                                                           ended_on=form.cleaned_data.get("ended_on"), by=request.user)
        else:
            saved = services.product_holding_create(
                customer=form.cleaned_data["customer"], product=form.cleaned_data["product"],
                started_on=form.cleaned_data["started_on"], quantity=form.cleaned_data["quantity"],
                status=form.cleaned_data["status"], by=request.user)
        _adopt(obj, saved)


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("sku", "description", "quantity", "unit_price", "line_total")
    show_change_link = False


@admin.register(Order)
class OrderAdmin(ReadOnlyRecordAdmin):
    list_display = ("order_number", "customer", "placed_at", "status", "channel", "total_amount", "currency")
    list_filter = ("status", "channel")
    search_fields = ("order_number", "customer__customer_number")
    inlines = [OrderLineInline]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyRecordAdmin):
    list_display = ("occurred_at", "customer", "kind", "source")
    list_filter = ("kind",)
    search_fields = ("customer__customer_number",)


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyRecordAdmin):
    list_display = ("received_at", "customer", "kind", "score", "service_request")
    list_filter = ("kind",)


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(ReadOnlyRecordAdmin):
    list_display = ("system", "external_id", "customer", "created_at")
    list_filter = ("system",)
    search_fields = ("external_id", "customer__customer_number")


@admin.register(Note)
class NoteAdmin(ServiceBackedAdmin):
    list_display = ("created_at", "customer", "author", "body", "pinned")
    fields = ("customer", "body", "pinned")

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)  # notes are never rewritten

    def save_model(self, request, obj, form, change):
        saved = services.note_create(customer=form.cleaned_data["customer"], by=request.user,
                                     body=form.cleaned_data["body"], pinned=form.cleaned_data["pinned"])
        _adopt(obj, saved)
