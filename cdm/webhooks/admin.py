"""The webhooks in the Django admin (admins only: no other role holds these models' permissions)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cdm.access import FieldGroup
from cdm.admin import CdmModelAdmin, ReadOnlyAdminMixin
from cdm.webhooks import http, services
from cdm.webhooks.catalogue import EventType
from cdm.webhooks.models import OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint


class WebhookEndpointForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(label=_lazy("event types"), choices=EventType.choices,
                                            widget=forms.CheckboxSelectMultiple, required=False)
    field_groups = forms.MultipleChoiceField(
        label=_lazy("field policy: field groups"), choices=FieldGroup.choices, widget=forms.CheckboxSelectMultiple,
        required=False, help_text=_lazy("Used when no role is chosen. Sensitive fields only if ticked here."))
    url = forms.CharField(label=_lazy("URL"), max_length=500,
                          help_text=_lazy("An http(s) address that accepts POST requests."))

    class Meta:
        model = WebhookEndpoint
        fields = ("name", "url", "system", "event_types", "role", "field_groups")

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        try:
            http.url_check(url)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["url"]) from None
        return url


class ReplayForm(forms.Form):
    since = forms.DateTimeField(label=_lazy("Replay failed deliveries since"),
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
                                               "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"])


def _show_secret(request, endpoint, secret, what):
    messages.warning(request, _("%(what)s for “%(name)s”, shown only now: copy it to the receiver. %(secret)s")
                     % {"what": what, "name": endpoint.name, "secret": secret})


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(CdmModelAdmin):
    form = WebhookEndpointForm
    list_display = ("name", "url", "system", "status", "failing_since", "updated_at")
    list_filter = ("status",)
    search_fields = ("name", "url", "system")
    readonly_fields = ("status", "status_reason", "failing_since", "previous_secret_expires_at", "created_at",
                       "updated_at")
    actions = ("send_test_event", "rotate_secret", "resume", "replay_failed")

    def save_model(self, request, obj, form, change):
        secret = services.webhook_endpoint_save(endpoint=obj, by=request.user)
        if secret:
            _show_secret(request, obj, secret, _("Signing secret"))

    @admin.action(description=_lazy("Send a test event"))
    def send_test_event(self, request, queryset):
        for endpoint in queryset:
            services.webhook_endpoint_send_test(endpoint=endpoint, by=request.user)
        self.message_user(request, _("Test events queued for %(n)d endpoint(s); see Webhook deliveries.")
                          % {"n": len(queryset)})

    @admin.action(description=_lazy("Rotate the signing secret (the old one stays valid 24 hours)"))
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            secret = services.webhook_endpoint_rotate_secret(endpoint=endpoint, by=request.user)
            _show_secret(request, endpoint, secret, _("New signing secret"))

    @admin.action(description=_lazy("Resume (send what waited, and new events again)"))
    def resume(self, request, queryset):
        waiting = sum(services.webhook_endpoint_resume(endpoint=e, by=request.user) for e in queryset)
        self.message_user(request, _("Resumed; %(n)d waiting deliveries go out now.") % {"n": waiting})

    @admin.action(description=_lazy("Replay failed deliveries since …"))
    def replay_failed(self, request, queryset):
        form = ReplayForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                count = services.webhook_deliveries_replay(since=form.cleaned_data["since"], endpoints=list(queryset),
                                                           by=request.user)
            except ValidationError as exc:
                form.add_error("since", exc.message_dict.get("since", exc.messages))
            else:
                self.message_user(request, _("%(n)d failed deliveries queued again.") % {"n": count})
                return None
        return TemplateResponse(request, "admin/cdm/webhookendpoint/replay.html", {
            **self.admin_site.each_context(request), "title": _("Replay failed deliveries"), "form": form,
            "queryset": queryset, "opts": self.model._meta, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "now": timezone.now()})


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ("at", "response_code", "duration_ms", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, CdmModelAdmin):
    """The delivery log: one row per event and endpoint, its attempts below."""

    list_display = ("event_type", "endpoint", "status", "attempts", "last_response_code", "last_duration_ms",
                    "last_attempt_at", "next_attempt_at")
    list_filter = ("status", "endpoint")
    list_select_related = ("event", "endpoint")
    date_hierarchy = "created_at"
    fields = ("webhook_id", "event_type", "endpoint", "status", "attempts", "next_attempt_at", "last_attempt_at",
              "last_response_code", "last_duration_ms", "last_error", "created_at")
    readonly_fields = fields
    inlines = (WebhookAttemptInline,)
    show_full_result_count = False

    @admin.display(description=_lazy("event type"), ordering="event__type")
    def event_type(self, obj):
        return obj.event.type

    @admin.display(description="webhook-id")
    def webhook_id(self, obj):
        return obj.event.webhook_id


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdminMixin, CdmModelAdmin):
    """The outbox: every event, and whether the relay has published it."""

    list_display = ("occurred_at", "type", "object_type", "object_id", "origin_system", "published_at")
    list_filter = ("type", "origin_system")
    search_fields = ("object_id",)
    date_hierarchy = "occurred_at"
    # `sensitive` is never shown: it is encrypted at rest for the endpoints allowed it alone.
    fields = ("webhook_id", "type", "occurred_at", "object_type", "object_id", "origin_system", "published_at",
              "payload")
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description="webhook-id")
    def webhook_id(self, obj):
        return obj.webhook_id
