"""Catalog rows: products and attribute definitions."""

from django import forms
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


class AttributeDefinitionForm(forms.ModelForm):
    """Synonyms are checked against the allowed values (customers.services.vocabulary)."""

    class Meta:
        model = AttributeDefinition
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        if "synonyms" in cleaned:
            try:
                cleaned["synonyms"] = services.attribute_synonyms_clean(
                    allowed_values=cleaned.get("allowed_values"), synonyms=cleaned["synonyms"])
            except forms.ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


@admin.register(AttributeDefinition)
class AttributeDefinitionAdmin(CatalogAdmin):
    form = AttributeDefinitionForm
    list_display = ("label", "key", "data_type", "field_group", "active")
    list_filter = ("field_group", "data_type", "active")
    search_fields = ("label", "key")
