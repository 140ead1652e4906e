"""Admin for support staff. Saves go through customers.services; fields follow the field policy."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cdm import access
from cdm.admin import RestrictedAdminMixin
from cdm.errors import ConflictError
from cdm.pagination import LargeTablePaginator
from cdm.services import audit_record
from customers import selectors, services
from customers.models import (
    Activity,
    AttributeDefinition,
    Customer,
    CustomerAttribute,
    CustomerGroupObjectPermission,
    CustomerUserObjectPermission,
    ExternalIdentity,
    Feedback,
    Note,
    Order,
    OrderLine,
    Product,
    ProductHolding,
    ServiceRequest,
)
from customers.normalize import normalize_customer_data

SENSITIVE = set(access.CUSTOMER_FIELDS[access.FG.SENSITIVE])


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


class ExternalIdentityInline(ReadOnlyInline):
    model = ExternalIdentity
    fields = ("system", "external_id", "created_at")


class ProductHoldingInline(ReadOnlyInline):
    model = ProductHolding
    fields = ("product", "status", "started_on", "ended_on", "quantity")


class ServiceRequestInline(ReadOnlyInline):
    model = ServiceRequest
    fields = ("reference", "kind", "subject", "status", "priority", "opened_at")


class NoteInline(ReadOnlyInline):
    model = Note
    fields = ("created_at", "author", "body", "pinned")


class AttributeInline(ReadOnlyInline):
    model = CustomerAttribute
    fields = ("definition", "value")
    readonly_fields = ("value",)


class StatusFilter(admin.SimpleListFilter):
    """Archived, merged and erased customers leave the default list but stay one click away."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*Customer.Status.choices, ("all", _("All"))]

    def value(self):
        return super().value() or Customer.Status.ACTIVE

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {"selected": self.value() == lookup, "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}

    def queryset(self, request, queryset):
        return queryset if self.value() == "all" else queryset.filter(status=self.value())


class CustomerAdminForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    change_reason = forms.CharField(
        label=_("Reason for this change"), required=False, max_length=200,
        help_text=_("Kept in the change history, e.g. “customer moved house”."),
    )

    class Meta:
        model = Customer
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The version the user starts from is the stored one (also on simple-history's revert page).
            self.initial["version"] = Customer.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()

    def changed_customer_fields(self) -> dict:
        skip = {"version", "change_reason", "team"} if self.instance.pk else {"version", "change_reason"}
        return {f: self.cleaned_data[f] for f in self.changed_data if f not in skip and f in self.cleaned_data}

    def clean(self):
        cleaned = super().clean()
        # The service's own normaliser, so errors land on their fields before anything is written.
        try:
            normalize_customer_data(self.changed_customer_fields())
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        if self.instance.pk and cleaned.get("version") is not None:
            current = Customer.objects.get(pk=self.instance.pk)
            if current.version != cleaned["version"]:
                raise ValidationError(services.customer_conflict(current).message, code="conflict")
        return cleaned

    def _post_clean(self):
        # Model validation runs in the service, on normalised values.
        pass


@admin.register(Customer)
class CustomerAdmin(RestrictedAdminMixin, PolicyHistoryMixin, SimpleHistoryAdmin):
    form = CustomerAdminForm
    paginator = LargeTablePaginator
    show_full_result_count = False
    list_per_page = 50
    list_select_related = ("team",)
    ordering = ("-created_at",)
    list_filter = (StatusFilter, "lifecycle_stage", "team", "source", "address_status", "country")
    search_help_text = _("Customer number, name, e-mail, phone in any format, or external ID.")
    search_fields = ("customer_number",)  # the real search is selectors.customer_search
    inlines = [ExternalIdentityInline, AttributeInline, ProductHoldingInline, ServiceRequestInline, NoteInline]
    actions = ["restore_selected"]

    # -- lists ---------------------------------------------------------------------------
    LIST_COLUMNS = ("customer_number", "full_name", "email", "phone", "city", "country", "birth_year", "team",
                    "status", "last_activity_at")

    def get_list_display(self, request):
        visible = set(access.customer_fields(request.user)) | {"full_name", "birth_year"}
        if "date_of_birth" not in visible:
            visible.discard("birth_year")
        return [c for c in self.LIST_COLUMNS if c in visible]

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return selectors.customer_search(queryset=queryset, user=request.user, query=search_term), False

    @admin.display(description=_("name"), ordering="family_name")
    def full_name(self, obj):
        return obj.full_name

    @admin.display(description=_("born"), ordering="date_of_birth")
    def birth_year(self, obj):
        return obj.date_of_birth.year if obj.date_of_birth else "–"

    # -- the change form follows the field policy -------------------------------------------
    def _revealing(self, request, obj) -> bool:
        """Sensitive fields show only after an explicit, audited reveal (?reveal=1) by a permitted user."""
        return (obj is not None and request.GET.get("reveal") == "1"
                and access.FG.SENSITIVE in access.visible_groups(request.user))

    def get_fieldsets(self, request, obj=None):
        visible = access.visible_groups(request.user)
        creating = obj is None
        sets = []
        for group, names in access.CUSTOMER_FIELDS.items():
            if group not in visible:
                continue
            if group == access.FG.SENSITIVE and not creating and not self._revealing(request, obj):
                sets.append((access.FG.LABELS[group], {"fields": (), "description": _(
                    'Hidden. <a href="?reveal=1">Reveal national ID and financial data</a> '
                    "— every reveal is recorded in the audit log.")}))
                continue
            # `version` travels as the hidden field of the identity section (optimistic locking).
            fields = [f for f in names if f not in ("national_id_index", "version")]
            if creating:
                fields = [f for f in fields if f not in access.SYSTEM_FIELDS]
            if group == access.FG.IDENTITY:
                fields = fields + ["version", "change_reason"]
            sets.append((access.FG.LABELS[group], {"fields": fields}))
        return sets

    def get_readonly_fields(self, request, obj=None):
        visible = access.customer_fields(request.user)
        editable = set(access.customer_fields(request.user, "edit"))
        if obj is None:
            editable |= services.CREATE_FIELDS | {"team"}
        else:
            editable.discard("team")  # moving a customer between teams is its own use case
        if not self.has_change_permission(request, obj) and obj is not None:
            editable = set()
        return [f for f in visible if f not in editable and f not in ("national_id_index", "version")]

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        return [i for i in self.inlines if access.can_see_model(request.user, i.model)
                and request.user.has_perm(f"customers.view_{i.model._meta.model_name}")]

    def visible_history_fields(self, request):
        return selectors.history_fields(request.user)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if self._revealing(request, obj) and request.method == "GET":
            # Who saw which sensitive fields of whom is audited; the values never are.
            audit_record(by=request.user, action="customer.reveal", obj=obj, fields=SENSITIVE)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # -- saves go through the services -------------------------------------------------------
    def save_model(self, request, obj, form, change):
        fields = form.changed_customer_fields()
        reason = form.cleaned_data.get("change_reason", "")
        if change:
            saved = services.customer_update(customer=obj, by=request.user, version=form.cleaned_data["version"],
                                             reason=reason, **fields)
        else:
            fields.pop("team", None)
            saved = services.customer_create(by=request.user, team=form.cleaned_data["team"], reason=reason, **fields)
        _adopt(obj, saved)

    def save_related(self, request, form, formsets, change):
        # Inlines are read-only: related rows are written by their own services, never by this form.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ConflictError as exc:  # lost the race between the form's check and the save
            messages.error(request, exc.message)
            return HttpResponseRedirect(request.path)

    def has_delete_permission(self, request, obj=None):
        return False  # erasure is a data-subject process, not a delete button

    @admin.action(description=_("Restore selected archived customers"), permissions=["change"])
    def restore_selected(self, request, queryset):
        restored, skipped = 0, 0
        for customer in queryset.filter(status=Customer.Status.ARCHIVED):
            services.customer_restore(customer=customer, by=request.user, reason="restored from the admin list")
            restored += 1
        skipped = queryset.exclude(status=Customer.Status.ARCHIVED).count()
        messages.success(request, _("Restored %(n)d customers.") % {"n": restored}
                         + (_(" %(n)d were not archived and were left as they are.") % {"n": skipped} if skipped else ""))


class ServiceBackedAdmin(RestrictedAdminMixin, admin.ModelAdmin):
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


@admin.register(ServiceRequest)
class ServiceRequestAdmin(PolicyHistoryMixin, ServiceBackedAdmin, SimpleHistoryAdmin):
    list_display = ("reference", "customer", "kind", "subject", "status", "priority", "assignee", "opened_at")
    list_filter = ("status", "kind", "priority", "channel")
    search_fields = ("reference", "subject", "customer__customer_number")
    readonly_fields = ("reference", "created_by", "closed_at")
    fields = ("reference", "customer", "kind", "channel", "subject", "description", "priority", "status", "assignee",
              "resolution", "created_by", "closed_at")

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in form.changed_data if f not in ("customer",)}
        if change:
            saved = services.service_request_update(request=obj, by=request.user, **data)
        else:
            data.pop("status", None)
            data.pop("resolution", None)
            saved = services.service_request_create(customer=form.cleaned_data["customer"], by=request.user, **data)
        _adopt(obj, saved)


@admin.register(ProductHolding)
class ProductHoldingAdmin(PolicyHistoryMixin, ServiceBackedAdmin, SimpleHistoryAdmin):
    list_display = ("customer", "product", "status", "started_on", "ended_on")
    list_filter = ("status", "product")
    fields = ("customer", "product", "status", "started_on", "ended_on", "quantity")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("customer", "product", "started_on", "quantity")

    def save_model(self, request, obj, form, change):
        if change:
            saved = services.product_holding_change_status(holding=obj, status=form.cleaned_data["status"],
                                                           ended_on=form.cleaned_data.get("ended_on"), by=request.user)
        else:
            saved = services.product_holding_create(
                customer=form.cleaned_data["customer"], product=form.cleaned_data["product"],
                started_on=form.cleaned_data["started_on"], quantity=form.cleaned_data["quantity"],
                status=form.cleaned_data["status"], by=request.user)
        _adopt(obj, saved)


class ReadOnlyRecordAdmin(ServiceBackedAdmin):
    """Records that arrive from channels and integrations: browsable, not edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("sku", "description", "quantity", "unit_price", "line_total")
    show_change_link = False


@admin.register(Order)
class OrderAdmin(ReadOnlyRecordAdmin):
    list_display = ("order_number", "customer", "placed_at", "status", "channel", "total_amount", "currency")
    list_filter = ("status", "channel")
    search_fields = ("order_number", "customer__customer_number")
    inlines = [OrderLineInline]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyRecordAdmin):
    list_display = ("occurred_at", "customer", "kind", "source")
    list_filter = ("kind",)
    search_fields = ("customer__customer_number",)


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyRecordAdmin):
    list_display = ("received_at", "customer", "kind", "score", "service_request")
    list_filter = ("kind",)


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(ReadOnlyRecordAdmin):
    list_display = ("system", "external_id", "customer", "created_at")
    list_filter = ("system",)
    search_fields = ("external_id", "customer__customer_number")


@admin.register(Note)
class NoteAdmin(ServiceBackedAdmin):
    list_display = ("created_at", "customer", "author", "body", "pinned")
    fields = ("customer", "body", "pinned")

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)  # notes are never rewritten

    def save_model(self, request, obj, form, change):
        saved = services.note_create(customer=form.cleaned_data["customer"], by=request.user,
                                     body=form.cleaned_data["body"], pinned=form.cleaned_data["pinned"])
        _adopt(obj, saved)


class CatalogAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        services.catalog_save(instance=obj, by=request.user)


@admin.register(Product)
class ProductAdmin(CatalogAdmin):
    list_display = ("code", "name", "kind", "unit_price", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")


@admin.register(AttributeDefinition)
class AttributeDefinitionAdmin(CatalogAdmin):
    list_display = ("label", "key", "data_type", "field_group", "active")
    list_filter = ("field_group", "data_type", "active")
    search_fields = ("label", "key")


class CustomerGrantAdmin(admin.ModelAdmin):
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


class CustomerAttributeForm(forms.ModelForm):
    value = forms.CharField(label=_("value"), help_text=_("For “several of a list”, separate values with commas."))

    class Meta:
        model = CustomerAttribute
        fields = ("customer", "definition")

    def clean(self):
        cleaned = super().clean()
        definition = cleaned.get("definition") or getattr(self.instance, "definition", None)
        if definition is not None and "value" in cleaned:
            value = cleaned["value"]
            if definition.data_type == AttributeDefinition.DataType.MULTI:
                value = [v.strip() for v in value.split(",") if v.strip()]
            services.attribute_value_clean(definition, value)  # errors land on "value"
            cleaned["typed_value"] = value
        return cleaned

    def _post_clean(self):
        pass  # the service validates the row

@admin.register(CustomerAttribute)
class CustomerAttributeAdmin(ServiceBackedAdmin):
    form = CustomerAttributeForm
    list_display = ("customer", "definition", "value", "updated_at")
    list_filter = ("definition",)
    list_select_related = ("customer", "definition")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            value = obj.value
            form.base_fields["value"].initial = ", ".join(value) if isinstance(value, list) else value
        return form

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("customer", "definition")

    def save_model(self, request, obj, form, change):
        saved = services.customer_attribute_set(
            customer=obj.customer if change else form.cleaned_data["customer"],
            definition=obj.definition if change else form.cleaned_data["definition"],
            value=form.cleaned_data["typed_value"], by=request.user)
        _adopt(obj, saved)
