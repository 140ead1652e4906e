"""Admin: purposes and notice versions are edited through consent.services; consent records are read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cdm.admin import CdmModelAdmin, ReadOnlyAdminMixin, RestrictedAdminMixin, ServiceRefusalsMixin
from cdm.pagination import LargeTablePaginator
from consent import services
from consent.models import ConsentRecord, PrivacyNotice, Purpose


class ServiceSavedAdmin(ServiceRefusalsMixin, CdmModelAdmin):
    """Catalog rows: saved by a service; deactivated or superseded, never deleted (records point at them)."""

    service = None
    service_arg = ""
    actions = None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        self.service(**{self.service_arg: obj}, by=request.user, changed=form.changed_data)


@admin.register(Purpose)
class PurposeAdmin(ServiceSavedAdmin):
    service = staticmethod(services.purpose_save)
    service_arg = "purpose"
    list_display = ("name", "key", "short_name", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("key", "name")
    fields = ("key", "name", "short_name", "description", "active")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("key",)  # segments and integrations refer to the key


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(ServiceSavedAdmin):
    service = staticmethod(services.privacy_notice_save)
    service_arg = "notice"
    list_display = ("version", "published_at")
    search_fields = ("version",)
    fields = ("version", "published_at", "text")

    def get_readonly_fields(self, request, obj=None):
        # Consents given under a version are evidence of what the customer read.
        if obj is not None and obj.consent_records.exists():
            return ("version", "published_at", "text")
        return ()


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdminMixin, RestrictedAdminMixin, admin.ModelAdmin):
    """Append-only evidence: browsable within the user's customer scope, never added or changed here."""

    list_display = ("recorded_at", "customer", "purpose", "state", "method", "source", "recorded_by_username")
    list_filter = ("purpose", "method", "granted")
    search_fields = ("customer__customer_number",)
    search_help_text = _("Customer number.")
    list_select_related = ("customer", "purpose")
    date_hierarchy = "recorded_at"
    paginator = LargeTablePaginator
    show_full_result_count = False
    actions = None
    fields = ("customer", "purpose", "granted", "method", "notice", "recorded_at", "source", "evidence", "note",
              "recorded_by_username")
    readonly_fields = fields

    @admin.display(description=_("consent"), ordering="granted")
    def state(self, obj):
        return _("granted") if obj.granted else _("withdrawn")


