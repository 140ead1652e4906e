"""Per-customer grants to users and groups, created and revoked through the audited service."""

from django.contrib import admin
from django.contrib.auth.models import Permission
from django.utils.translation import gettext_lazy as _

from cdm.admin import CdmModelAdmin, UseCaseTransactionsMixin
from customers import services
from customers.models import (
    CustomerGroupObjectPermission,
    CustomerUserObjectPermission,
)


class CustomerGrantAdmin(UseCaseTransactionsMixin, CdmModelAdmin):
    """Grants on one customer; created and revoked through the audited service."""

    list_display = ("content_object", "holder", "permission")
    list_select_related = ("content_object", "permission")
    raw_id_fields = ("content_object",)
    actions = None

    @admin.display(description=_("granted to"))
    def holder(self, obj):
        return getattr(obj, "user", None) or getattr(obj, "group", None)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "permission":
            kwargs["queryset"] = Permission.objects.filter(
                content_type__app_label="customers",
                codename__in=[f"{a}_customer" for a in services.GRANT_ACTIONS])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        holder = {"user": form.cleaned_data["user"]} if "user" in form.cleaned_data else {"group": form.cleaned_data["group"]}
        saved = services.customer_grant(customer=form.cleaned_data["content_object"], by=request.user,
                                        action=form.cleaned_data["permission"].codename.split("_")[0], **holder)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.customer_grant_revoke(grant=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for grant in queryset:
            services.customer_grant_revoke(grant=grant, by=request.user)


@admin.register(CustomerUserObjectPermission)
class CustomerUserGrantAdmin(CustomerGrantAdmin):
    raw_id_fields = ("content_object", "user")
    list_select_related = ("content_object", "permission", "user")
    search_fields = ("user__username", "content_object__customer_number")


@admin.register(CustomerGroupObjectPermission)
class CustomerGroupGrantAdmin(CustomerGrantAdmin):
    list_select_related = ("content_object", "permission", "group")
    search_fields = ("group__name", "content_object__customer_number")
