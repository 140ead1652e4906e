from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import (
    EmptyResultSet,
    FieldDoesNotExist,
    FullResultSet,
    ValidationError,
)
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404, HttpResponseRedirect
from django.utils.text import smart_split
from django.utils.translation import gettext_lazy as _

from cdm import access
from cdm.crypto import is_encrypted_field
from cdm.errors import ConflictError
from cdm.models import AuditEvent, Team
from cdm.services import team_create, team_update


class SafeChangeList(ChangeList):
    """A changelist whose bad URL parameters get the admin's "invalid parameters" answer (?e=1), not a 500."""

    def get_queryset(self, request, exclude_parameters=None):
        self._cap_search_words(request)
        try:
            queryset = super().get_queryset(request, exclude_parameters)
            # Date lookups compute their bounds only when the SQL is compiled (`?occurred_at__year=99999999999`
            # fails there, with a ValueError or OverflowError), so compile it here, where the admin can still
            # answer "invalid parameters".
            _sql, params = queryset.query.sql_with_params()
        except (EmptyResultSet, FullResultSet):
            return queryset
        except (ValueError, OverflowError, TypeError, ValidationError) as exc:
            raise IncorrectLookupParameters(exc) from exc
        # `?id__in=99999999999999999999999`: SQLite cannot bind it (OverflowError when the page renders),
        # and no 64-bit column holds it anyway.
        if any(isinstance(p, int) and not _BIGINT[0] <= p <= _BIGINT[1] for p in params):
            raise IncorrectLookupParameters(_("A number in the filter is out of range."))
        return queryset


    def _cap_search_words(self, request):
        # Every word is one more OR of LIKEs: ~1000 words overflow SQLite's expression depth (a 500)
        # and are no search a person types.
        limit = getattr(self.model_admin, "search_max_words", CdmAdminMixin.search_max_words)
        words = list(smart_split(self.query))
        if len(words) > limit and not getattr(self, "_search_capped", False):
            self.query, self._search_capped = " ".join(words[:limit]), True
            messages.warning(request, _("Only the first %(n)d words of the search were used.") % {"n": limit})


_BIGINT = (-(2**63), 2**63 - 1)


def _blind_indexes(model) -> dict:
    source = getattr(model, "instance_type", model)  # simple-history models point at their model
    return getattr(source, "blind_indexes", {})


def _is_blind_index(model, field) -> bool:
    return field.name in _blind_indexes(model)


def _is_sensitive(model, field) -> bool:
    return (access.field_group_of(field.name) == access.FG.SENSITIVE or is_encrypted_field(field)
            or field.name in {source for source, _normaliser in _blind_indexes(model).values()})


class ServiceRefusalsMixin:
    """A service's refusal the form could not foresee (someone saved first, rights changed meanwhile) shows
    as a message on the form's page again, never as a 500: the form checks, the service decides."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, ConflictError) as exc:
            messages.error(request, exc.message if isinstance(exc, ConflictError) else " ".join(exc.messages))
            return HttpResponseRedirect(request.path)


class UseCaseTransactionsMixin:
    """Admin saves go through use cases (cdm.use_cases), each in its own durable transaction: the
    admin's atomic block around its change and delete views would nest them, so these views run
    without it (what they write beyond the service is the admin's log entry)."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        return self._delete_view(request, object_id, extra_context)


class CdmAdminMixin:
    """What every CDM ModelAdmin needs: URL filters that respect the field policy, and no 500 on bad URLs.

    - A list filter from the URL (`?annual_income__isnull=False`) on a sensitive column is refused
      (400) for a user who may not see sensitive data; a blind-index column is never filterable:
      a prefix filter on a keyed hash lets anyone guess the value one character at a time.
    - Out-of-range parameters (`?occurred_at__year=99999999999`) redirect with ?e=1.
    - simple-history's version page answers 404 for an id that is not one.
    - A search uses its first `search_max_words` words.
    """

    search_max_words = 10

    def lookup_allowed(self, lookup, value, request=None):
        sees_sensitive = request is not None and access.FG.SENSITIVE in access.visible_groups(request.user)
        model = self.model
        for part in lookup.split(LOOKUP_SEP):
            try:
                field = model._meta.get_field(part)
            except FieldDoesNotExist:
                break  # a transform or lookup name: what follows is no column
            if _is_blind_index(model, field) or (_is_sensitive(model, field) and not sees_sensitive):
                return False
            if not getattr(field, "path_infos", None):
                break
            model = field.path_infos[-1].to_opts.model
        return super().lookup_allowed(lookup, value, request)

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)
        if issubclass(changelist, SafeChangeList):
            return changelist
        return type(f"Safe{changelist.__name__}", (SafeChangeList, changelist), {})

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        history_model = getattr(self.model, self.model._meta.simple_history_manager_attribute).model
        try:
            self.model._meta.pk.to_python(unquote(object_id))
            history_model._meta.pk.to_python(version_id)
        except ValidationError:
            raise Http404(_("No such version.")) from None
        return super().history_form_view(request, object_id, version_id, extra_context)


class CdmModelAdmin(CdmAdminMixin, admin.ModelAdmin):
    """The base of a CDM admin that reads no customer scope (catalogs, settings)."""


def admin_site_harden(site=admin.site) -> None:
    """Give every registered ModelAdmin that lacks it CdmAdminMixin: Django's, third-party apps' (Celery results
    and schedules) and any app's that forgot it. Runs once the admin modules are loaded (CdmConfig.ready)."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, CdmAdminMixin):
            continue
        cls = type(model_admin)
        site.unregister(model)
        site.register(model, type(cls.__name__, (CdmAdminMixin, cls), {"__module__": cls.__module__}))


class RestrictedAdminMixin(CdmAdminMixin):
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

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # The version page reads the historical row by id: without this, a version of a customer outside
        # the user's rights would open.
        try:
            in_scope = self.get_object(request, unquote(object_id)) is not None
        except (ValueError, OverflowError):
            in_scope = False
        if not in_scope:
            raise Http404(_("No such object."))
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Team)
class TeamAdmin(CdmModelAdmin):
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
class AuditEventAdmin(ReadOnlyAdminMixin, CdmModelAdmin):
    """The audit log."""

    list_display = ("occurred_at", "actor_username", "action", "object_type", "object_repr", "field_names", "ip_address")
    list_filter = ("action", "object_type")
    search_fields = ("actor_username", "object_id", "object_repr", "action")
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    @admin.display(description=_("fields"))
    def field_names(self, obj):
        return ", ".join(obj.fields)


# The user and group admin need the mixins above.
from cdm import admin_users  # noqa: F401
from cdm.api import admin as api_admin  # noqa: F401, E402
from cdm.webhooks import admin as webhooks_admin  # noqa: E402,F401
