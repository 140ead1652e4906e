"""Identity resolution in the admin: candidates and match models, to read (stewards decide in the review
queue, /customers/duplicates/, where the services run)."""

from django.contrib import admin

from customers.admin.base import ReadOnlyRecordAdmin
from customers.models import DuplicateCandidate, MatchModel


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(ReadOnlyRecordAdmin):
    list_display = ("customer_a", "customer_b", "score", "status", "cross_team", "origin", "detected_at")
    list_filter = ("status", "origin", "cross_team")
    search_fields = ("customer_a__customer_number", "customer_b__customer_number")
    raw_id_fields = ("customer_a", "customer_b")
    list_select_related = ("customer_a", "customer_b")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(MatchModel)
class MatchModelAdmin(ReadOnlyRecordAdmin):
    list_display = ("created_at", "active", "trained_on")
    list_select_related = ()
    raw_id_fields = ()

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
