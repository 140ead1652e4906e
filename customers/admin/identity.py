"""Identity resolution in the admin: candidates, merges and match models, to read (stewards decide in the review
queue, /customers/duplicates/, where the services run)."""

from django.contrib import admin

from cdm.admin import CdmModelAdmin
from customers import services
from customers.admin.base import ReadOnlyRecordAdmin
from customers.models import AutoMergeRule, DuplicateCandidate, MatchModel, Merge


@admin.register(AutoMergeRule)
class AutoMergeRuleAdmin(CdmModelAdmin):
    """Admins decide which exact identifiers merge without a steward; none does until a rule is made active."""

    list_display = ("name", "identifier", "min_score", "same_team_only", "active", "updated_at")
    list_filter = ("active", "identifier")
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        services.auto_merge_rule_save(instance=obj, by=request.user)


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(ReadOnlyRecordAdmin):
    list_display = ("customer_a", "customer_b", "score", "status", "cross_team", "origin", "detected_at")
    list_filter = ("status", "origin", "cross_team")
    search_fields = ("customer_a__customer_number", "customer_b__customer_number")
    raw_id_fields = ("customer_a", "customer_b")
    list_select_related = ("customer_a", "customer_b")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(Merge)
class MergeAdmin(ReadOnlyRecordAdmin):
    list_display = ("survivor", "status", "by", "rule", "at", "undone_at")
    list_filter = ("status", "rule")
    search_fields = ("survivor__customer_number",)
    list_select_related = ("survivor", "by", "rule")
    raw_id_fields = ("survivor",)
    exclude = ("snapshot",)  # what undo restores: the moved rows' values, not for reading here

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "snapshot"] + ["absorbed"]


@admin.register(MatchModel)
class MatchModelAdmin(ReadOnlyRecordAdmin):
    list_display = ("created_at", "active", "trained_on")
    list_select_related = ()
    raw_id_fields = ()

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
