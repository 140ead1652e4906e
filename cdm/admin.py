from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from cdm.models import AuditEvent, Team
from cdm.services import team_create, team_update


class RestrictedAdminMixin:
    """Admin pages read through `restrict()`: rows outside a user's rights are 404, as on every page."""

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user, "view")

    def _in_scope(self, request, obj, action):
        return self.model.objects.restrict(request.user, action).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self._in_scope(request, obj, "change"))

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the admin index with "doesn't exist"; we answer 404 like every other page.
        raise Http404(_("No such object."))

    def history_view(self, request, object_id, extra_context=None):
        # simple-history falls back to historical rows when the object is not in the queryset,
        # which would show the history of a customer outside the user's rights.
        if self.get_object(request, object_id) is None:
            raise Http404(_("No such object."))
        return super().history_view(request, object_id, extra_context)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "group")
    search_fields = ("name",)

    def get_fields(self, request, obj=None):
        return ("name", "slug") if obj is None else ("name", "slug", "group")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("slug", "group")

    def has_delete_permission(self, request, obj=None):
        return False  # customers must move to another team first; PROTECT would refuse anyway

    def save_model(self, request, obj, form, change):
        if change:
            team_update(team=obj, name=form.cleaned_data["name"], by=request.user)
            return
        team = team_create(name=obj.name, slug=obj.slug, by=request.user)
        obj.pk, obj.group_id = team.pk, team.group_id


class ReadOnlyAdminMixin:
    """Append-only records: browsable, never added, changed or deleted by hand (superusers included)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log."""

    list_display = ("occurred_at", "actor_username", "action", "object_type", "object_repr", "field_names", "ip_address")
    list_filter = ("action", "object_type")
    search_fields = ("actor_username", "object_id", "object_repr", "action")
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    @admin.display(description=_("fields"))
    def field_names(self, obj):
        return ", ".join(obj.fields)
