"""One demo webhook endpoint, so a newcomer finds the webhook admin pages populated."""

from django.conf import settings

from cdm.access import MARKETING, SYSTEM
from cdm.models import WebhookEndpoint
from cdm.webhooks.services import webhook_endpoint_save

DEMO_NAME = "Demo endpoint (disabled: sends nothing)"


def webhook_demo_ensure(log=None) -> None:
    """Disabled, so it collects and sends nothing: an admin points it at a real receiver and resumes it."""
    if WebhookEndpoint.objects.filter(name=DEMO_NAME).exists() or not settings.CDM_WEBHOOKS_ALLOW_PRIVATE:
        return
    endpoint = WebhookEndpoint(name=DEMO_NAME, url="http://127.0.0.1:9/", role=MARKETING,
                               event_types=["customer.created", "customer.updated", "consent.changed"])
    webhook_endpoint_save(endpoint=endpoint, by=SYSTEM)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        status=WebhookEndpoint.Status.DISABLED,
        status_reason="Demo data: point it at a real receiver and resume it (Admin › Webhook endpoints).")
    if log:
        log(f"Demo webhook endpoint: {DEMO_NAME}")
