"""Thin Celery wrappers around cdm.services."""

from celery import shared_task

from cdm import services


@shared_task(acks_late=True)
def platform_cleanup() -> dict:
    return services.platform_cleanup()
