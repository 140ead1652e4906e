"""Thin Celery wrappers around customers.services: ids and plain values in, plain values out."""

from celery import shared_task

from customers import services


# Safe to run twice: archived customers are no longer candidates, so acks_late can redeliver it.
@shared_task(acks_late=True)
def customer_archive_inactive(days: int | None = None, dry_run: bool = False, batch_size: int = 1000) -> dict:
    return services.customer_archive_inactive(days=days, dry_run=dry_run, batch_size=batch_size).as_dict()
