"""What the customer admins share: policy-filtered history, read-only inlines, service-backed saves."""

from django.contrib import admin

from cdm.admin import RestrictedAdminMixin, UseCaseTransactionsMixin
from cdm.pagination import LargeTablePaginator


def _adopt(obj, saved):
    """Make the admin's in-memory object the row the service saved (admin then logs and redirects)."""
    obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
    obj._state.adding = False


class PolicyHistoryMixin:
    """History pages diff only the fields the user may see (and carry no inline styles)."""

    object_history_list_template = "admin/cdm_history_list.html"

    history_visible_fields: tuple = ()

    def visible_history_fields(self, request):
        return None  # None: every field

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        included = self.visible_history_fields(request)
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(current, foreign_keys_are_objs=foreign_keys_are_objs,
                                              included_fields=included)
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True
    max_num = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class ServiceBackedAdmin(UseCaseTransactionsMixin, RestrictedAdminMixin, admin.ModelAdmin):
    """Transactional rows: listed through restrict(), created and changed through their services."""

    list_select_related = ("customer",)
    paginator = LargeTablePaginator
    show_full_result_count = False
    raw_id_fields = ("customer",)
    actions = None

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is None else tuple(self.readonly_fields) + ("customer",)


class ReadOnlyRecordAdmin(ServiceBackedAdmin):
    """Records that arrive from channels and integrations: browsable, not edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
