"""The user and group admin: the forms offer only what the user may give, and saves go through cdm.users."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from cdm import users
from cdm.admin import CdmAdminMixin, ServiceRefusalsMixin

User = get_user_model()

# Only a superuser gives these; for anyone else they are shown, not edited.
SUPERUSER_ONLY_FLAGS = ("is_superuser", "is_staff")


def _add_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError on the form: on its field when the form shows it, else above the form."""
    for name, errors in exc.error_dict.items() if hasattr(exc, "error_dict") else [(NON_FIELD_ERRORS, exc.error_list)]:
        if name in form.fields:
            form.add_error(name, errors)
        else:
            label = User._meta.get_field(name).verbose_name if name in SUPERUSER_ONLY_FLAGS else ""
            form.add_error(None, [f"{label}: {m}" if label else m for e in errors for m in e.messages])


def _grantable(request, selector):
    """What the user may give, worked out once per request (the admin builds its form more than once)."""
    cache = request.__dict__.setdefault("_cdm_grantable", {})
    if selector not in cache:
        cache[selector] = selector(request.user)  # the rule runs here; the queryset is a list of ids
    return cache[selector].all()


def _kept(stored, offered) -> list:
    """Rows the user already has that the form does not offer: a save keeps them (only a superuser removes them)."""
    offered = set(offered)
    return [row for row in stored if row not in offered]


def _add_kept_help(form_class, name: str, kept) -> None:
    if kept and name in form_class.base_fields:
        field = form_class.base_fields[name]
        note = _("Also held, and kept (you cannot give it yourself): %(names)s.") % {
            "names": ", ".join(str(k) for k in kept)}
        field.help_text = f"{field.help_text} {note}".strip()


class CdmUserChangeForm(UserChangeForm):
    actor = None  # set per request by CdmUserAdmin.get_form
    locked = ()  # superuser-only flags this user may not change

    def clean(self):
        cleaned = super().clean()
        for name in self.locked:
            # Not on the form (read-only), so a posted value is a tampered form: say so, change nothing.
            if name in self.data and forms.BooleanField().to_python(self.data[name]) != getattr(self.instance, name):
                label = User._meta.get_field(name).verbose_name
                self.add_error(None, _("%(field)s: only a superuser can change it.") % {"field": label})
        if not self.errors:
            try:
                users.user_rights_check(by=self.actor, user=self.instance, **self.rights())
            except ValidationError as exc:
                _add_errors(self, exc)
        return cleaned

    def rights(self) -> dict:
        """The new rights as the services take them: complete sets, kept rows included; flags on the form."""
        data = self.cleaned_data
        rights = {flag: data[flag] for flag in ("is_active", *SUPERUSER_ONLY_FLAGS) if flag in data}
        if "groups" in data:
            stored = list(self.instance.groups.all()) if self.instance.pk else []
            rights["groups"] = [*data["groups"], *_kept(stored, self.fields["groups"].queryset)]
        if "user_permissions" in data:
            stored = list(self.instance.user_permissions.all()) if self.instance.pk else []
            rights["permissions"] = [*data["user_permissions"],
                                     *_kept(stored, self.fields["user_permissions"].queryset)]
        return rights


# django.contrib.auth's admin registered these; ours replace them.
for _model in (User, Group):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(User)
class CdmUserAdmin(ServiceRefusalsMixin, CdmAdminMixin, UserAdmin):
    form = CdmUserChangeForm

    def _may_touch(self, request, obj) -> bool:
        return obj is None or not obj.is_superuser or request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_touch(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_touch(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and not request.user.is_superuser:
            readonly += SUPERUSER_ONLY_FLAGS
        return readonly

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = _grantable(request, users.grantable_groups)
        elif db_field.name == "user_permissions":
            kwargs["queryset"] = _grantable(request, users.grantable_permissions)
        return super().formfield_for_manytomany(db_field, request=request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            return form  # a new user starts with no rights; they are given on the change form
        locked = () if request.user.is_superuser else SUPERUSER_ONLY_FLAGS
        form = type(form.__name__, (form,), {"actor": request.user, "locked": locked})
        if "groups" in form.base_fields:
            _add_kept_help(form, "groups", _kept(obj.groups.all(), form.base_fields["groups"].queryset))
        if "user_permissions" in form.base_fields:
            _add_kept_help(form, "user_permissions",
                           _kept(obj.user_permissions.select_related("content_type"),
                                 form.base_fields["user_permissions"].queryset))
        return form

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Profile fields are saved here; rights only through the service, which checks and audits them.
        stored = User._default_manager.get(pk=obj.pk)
        for flag in users.FLAGS:
            setattr(obj, flag, getattr(stored, flag))
        super().save_model(request, obj, form, change)
        users.user_rights_change(by=request.user, user=obj, **form.rights())

    def save_related(self, request, form, formsets, change):
        if not change:
            return super().save_related(request, form, formsets, change)
        for formset in formsets:  # groups and permissions were written by the service
            self.save_formset(request, form, formset, change=change)



class CdmGroupForm(forms.ModelForm):
    actor = None

    class Meta:
        model = Group
        fields = ("name", "permissions")

    def clean(self):
        cleaned = super().clean()
        if "permissions" in cleaned:
            try:
                users.group_permissions_check(by=self.actor, group=self.instance, permissions=self.permissions())
            except ValidationError as exc:
                _add_errors(self, exc)
        return cleaned

    def permissions(self) -> list:
        stored = list(self.instance.permissions.all()) if self.instance.pk else []
        return [*self.cleaned_data["permissions"], *_kept(stored, self.fields["permissions"].queryset)]


@admin.register(Group)
class CdmGroupAdmin(ServiceRefusalsMixin, CdmAdminMixin, GroupAdmin):
    form = CdmGroupForm

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "permissions":
            kwargs["queryset"] = _grantable(request, users.grantable_permissions)
        return super().formfield_for_manytomany(db_field, request=request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form = type(form.__name__, (form,), {"actor": request.user})
        if obj is not None:
            _add_kept_help(form, "permissions", _kept(obj.permissions.select_related("content_type"),
                                                      form.base_fields["permissions"].queryset))
        return form

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
        users.group_permissions_change(by=request.user, group=form.instance, permissions=form.permissions())

