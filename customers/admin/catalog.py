"""Catalog rows: products and attribute definitions."""

from django.contrib import admin

from cdm.admin import CdmModelAdmin
from customers import services
from customers.models import (
    AttributeDefinition,
    Product,
)


class CatalogAdmin(CdmModelAdmin):
    def save_model(self, request, obj, form, change):
        services.catalog_save(instance=obj, by=request.user)


@admin.register(Product)
class ProductAdmin(CatalogAdmin):
    list_display = ("code", "name", "kind", "unit_price", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")


@admin.register(AttributeDefinition)
class AttributeDefinitionAdmin(CatalogAdmin):
    list_display = ("label", "key", "data_type", "field_group", "active")
    list_filter = ("field_group", "data_type", "active")
    search_fields = ("label", "key")
