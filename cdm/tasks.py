"""Thin Celery wrappers around cdm.services and cdm.webhooks.services."""

import logging

from celery import shared_task

from cdm import services
from cdm.access import SYSTEM
from cdm.webhooks import services as webhooks

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def platform_cleanup() -> dict:
    return services.platform_cleanup()


def _send(delivery_ids: list[int]) -> int:
    """One task per delivery, so a slow destination holds up only its own."""
    for n, pk in enumerate(delivery_ids):
        try:
            webhooks_deliver.delay(pk)
        except Exception:  # broker down: the deliveries stay due; webhooks_retry_due sends them later
            log.warning("webhooks: could not enqueue deliveries; the next retry run sends them", exc_info=True)
            return n
    return len(delivery_ids)


@shared_task(acks_late=True)
def webhooks_relay() -> dict:
    """Publish the outbox (one delivery per event and endpoint) and send what is due. Safe to run twice."""
    created = webhooks.webhooks_relay(by=SYSTEM)
    return {"deliveries_created": len(created), "sent": _send(webhooks.deliveries_due())}


@shared_task(acks_late=True)
def webhooks_retry_due() -> dict:
    """Pause endpoints failing for a day; send the retries that are due."""
    return {"sent": _send(webhooks.webhooks_retry_due(by=SYSTEM))}


@shared_task(acks_late=True)
def webhooks_deliver(delivery_id: int) -> str:
    delivery = webhooks.webhook_delivery_attempt(delivery_id=delivery_id, by=SYSTEM)
    return delivery.status if delivery else "not due"
