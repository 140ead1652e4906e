"""Thin Celery wrappers around customers.services: ids and plain values in, plain values out."""

from celery import shared_task
from django.core.mail import send_mail

from customers import services


# Safe to run twice: archived customers are no longer candidates, so acks_late can redeliver it.
@shared_task(acks_late=True)
def customer_archive_inactive(days: int | None = None, dry_run: bool = False, batch_size: int = 1000) -> dict:
    return services.customer_archive_inactive(days=days, dry_run=dry_run, batch_size=batch_size).as_dict()


# A redelivery after a crash between sending and acking sends the e-mail twice; the survey itself
# refuses a second answer, so no feedback is ever doubled.
@shared_task(acks_late=True)
def service_request_send_survey(request_id: int) -> bool:
    """E-mail the customer the satisfaction survey of a closed request; False when none is due."""
    message = services.service_request_survey_message(request_id=request_id)
    if message is None:
        return False
    send_mail(**message)
    return True
