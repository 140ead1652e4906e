"""Two-way sync in the admin: each source system's priority per field group (admins), and the inbound changes
that did not overwrite (stewards and admins read them)."""

from django.contrib import admin

from customers.admin.base import ReadOnlyRecordAdmin
from customers.admin.catalog import CatalogAdmin
from customers.models import SkippedChange, SourceSystem


@admin.register(SourceSystem)
class SourceSystemAdmin(CatalogAdmin):
    list_display = ("system", "name", "priorities", "updated_at")
    search_fields = ("system", "name")


@admin.register(SkippedChange)
class SkippedChangeAdmin(ReadOnlyRecordAdmin):
    list_display = ("at", "customer", "field", "system", "reason", "kept_system", "source_at", "kept_at")
    list_filter = ("reason", "system", "field")
    search_fields = ("customer__customer_number", "system", "field")
    list_select_related = ("customer",)
    raw_id_fields = ("customer",)
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
