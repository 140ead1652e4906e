"""API tokens in the admin: issued through the service (the token is shown once, on the page after saving),
never edited afterwards (revoke and issue a new one), revoked by an action."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cdm.admin import CdmModelAdmin, ServiceRefusalsMixin, UseCaseTransactionsMixin
from cdm.api.models import ApiToken
from cdm.api.tokens import api_token_issue, api_token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceRefusalsMixin, UseCaseTransactionsMixin, CdmModelAdmin):
    list_display = ("name", "prefix_shown", "user", "system", "default_team", "state_shown", "expires_at",
                    "last_used_at", "created_at")
    list_filter = ("system", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "prefix", "user__username", "system")
    fields = ("name", "user", "system", "default_team", "expires_at", "rate")
    readonly_after = ("prefix_shown", "state_shown", "created_at", "created_by", "last_used_at", "revoked_at")
    actions = ("revoke",)
    autocomplete_fields = ()
    show_full_result_count = False

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else (*self.fields, *self.readonly_after)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else (*self.fields, *self.readonly_after)

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the audit log and last use stay readable

    @admin.display(description=_("token"))
    def prefix_shown(self, obj):
        return f"cdm_{obj.prefix}_…"

    @admin.display(description=_("state"))
    def state_shown(self, obj):
        return obj.state

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing on a token changes after it is issued
        data = form.cleaned_data
        token, raw = api_token_issue(by=request.user, name=data["name"], user=data["user"],
                                     system=data.get("system", ""), default_team=data.get("default_team"),
                                     expires_at=data.get("expires_at"), rate=data.get("rate", ""))
        obj.pk = token.pk
        messages.warning(request, format_html(
            _("The token for {name}, shown this once (it is stored only as a hash): <code>{raw}</code> "
              "Send it as “Authorization: Bearer …”."), name=token.name, raw=raw))

    def log_addition(self, request, obj, message):
        return super().log_addition(request, ApiToken.objects.get(pk=obj.pk), message)

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        done = 0
        for token in queryset:
            try:
                api_token_revoke(by=request.user, token=token)
                done += 1
            except (PermissionDenied, ValidationError) as exc:
                messages.error(request, str(exc))
        messages.success(request, ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", done) % {"n": done})
