"""The customer admin: lists through the real search, the change form follows the field policy."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cdm import access
from cdm.admin import RestrictedAdminMixin, ServiceRefusalsMixin, UseCaseTransactionsMixin
from cdm.forms import form_add_errors
from cdm.pagination import LargeTablePaginator
from customers import selectors, services
from customers.admin.base import PolicyHistoryMixin, ReadOnlyInline, ServiceBackedAdmin, _adopt
from customers.models import (
    AttributeDefinition,
    Customer,
    CustomerAttribute,
    ExternalIdentity,
    Note,
    ProductHolding,
    ServiceRequest,
)
from customers.normalize import address_issues_text, normalize_customer_data


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
            form_add_errors(self, exc)
        if self.instance.pk and cleaned.get("version") is not None:
            current = Customer.objects.get(pk=self.instance.pk)
            if current.version != cleaned["version"]:
                raise ValidationError(services.customer_conflict(current).message, code="conflict")
        return cleaned

    def _post_clean(self):
        # Model validation runs in the service, on normalised values.
        pass


@admin.register(Customer)
class CustomerAdmin(ServiceRefusalsMixin, UseCaseTransactionsMixin, RestrictedAdminMixin, PolicyHistoryMixin, SimpleHistoryAdmin):
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
        """Sensitive fields show only after an explicit, audited reveal (?reveal=1) by a permitted user.

        Whatever view builds its form from these fieldsets (change form, a failed save shown again, the
        history and revert forms), the reveal service writes the audit event, once per request.
        """
        if obj is None or request.GET.get("reveal") != "1" or access.FG.SENSITIVE not in access.visible_groups(
                request.user):
            return False
        revealed = getattr(request, "_cdm_revealed", set())
        if obj.pk not in revealed:
            services.customer_reveal(customer=obj, by=request.user, where=f"admin: {request.path}")
            request._cdm_revealed = revealed | {obj.pk}
        return True

    def get_fieldsets(self, request, obj=None):
        visible = access.visible_groups(request.user)
        creating = obj is None
        sets = []
        for group, names in access.CUSTOMER_FIELDS.items():
            if group not in visible:
                continue
            if group == access.FG.SENSITIVE and not creating and not self._revealing(request, obj):
                sets.append((access.FG(group).label, {"fields": (), "description": _(
                    'Hidden. <a href="?reveal=1">Reveal national ID and financial data</a> '
                    "— every reveal is recorded in the audit log.")}))
                continue
            # `version` travels as the hidden field of the identity section (optimistic locking).
            fields = [("address_issues_text" if f == "address_issues" else f) for f in names
                      if f not in ("national_id_index", "version")]
            if creating:
                fields = [f for f in fields if f not in access.SYSTEM_FIELDS]
            if group == access.FG.IDENTITY:
                fields = fields + ["version", "change_reason"]
            sets.append((access.FG(group).label, {"fields": fields}))
        return sets

    @admin.display(description=_("address issues"))
    def address_issues_text(self, obj):
        return address_issues_text(obj.address_issues) or "–"

    def get_readonly_fields(self, request, obj=None):
        visible = access.customer_fields(request.user)
        editable = set(access.customer_fields(request.user, "edit"))
        if obj is None:
            editable |= services.CREATE_FIELDS | {"team"}
        else:
            editable.discard("team")  # moving a customer between teams is its own use case
        if not self.has_change_permission(request, obj) and obj is not None:
            editable = set()
        readonly = [f for f in visible if f not in editable and f not in ("national_id_index", "version")]
        # The check's findings in words, not the JSON they are stored as.
        return [("address_issues_text" if f == "address_issues" else f) for f in readonly]

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        return [i for i in self.inlines if access.can_see_model(request.user, i.model)
                and request.user.has_perm(f"customers.view_{i.model._meta.model_name}")]

    def visible_history_fields(self, request):
        return selectors.history_fields(request.user)

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


    def has_delete_permission(self, request, obj=None):
        return False  # erasure is a data-subject process, not a delete button

    def has_change_status_permission(self, request):
        return request.user.has_perm(services.STATUS_PERM)

    @admin.action(description=_("Restore selected archived customers"), permissions=["change_status"])
    def restore_selected(self, request, queryset):
        restored, skipped = 0, 0
        for customer in queryset.filter(status=Customer.Status.ARCHIVED):
            services.customer_restore(customer=customer, by=request.user, reason="restored from the admin list")
            restored += 1
        skipped = queryset.exclude(status=Customer.Status.ARCHIVED).count()
        messages.success(request, _("Restored %(n)d customers.") % {"n": restored}
                         + (_(" %(n)d were not archived and were left as they are.") % {"n": skipped} if skipped else ""))


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
