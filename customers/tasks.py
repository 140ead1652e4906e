"""Thin Celery wrappers around customers.services: ids and plain values in, plain values out."""

from celery import shared_task

from cdm.access import SYSTEM
from customers import imports, services


# Safe to run twice: archived customers are no longer candidates, so acks_late can redeliver it.
@shared_task(acks_late=True)
def customer_archive_inactive(days: int | None = None, dry_run: bool = False, batch_size: int = 1000) -> dict:
    return services.customer_archive_inactive(days=days, dry_run=dry_run, batch_size=batch_size, by=SYSTEM).as_dict()


# Safe to redeliver: the service marks the request once the e-mail went out.
@shared_task(acks_late=True)
def service_request_send_survey(request_id: int) -> bool:
    """E-mail the customer the satisfaction survey of a closed request; False when none is due."""
    return services.service_request_survey_send(request_id=request_id, by=SYSTEM)


@shared_task(acks_late=True)
def search_words_prune() -> int:
    """Nightly: forget the search words no customer's name has any longer."""
    return services.search_words_prune()


def on_service_request_closed(*, event: str, request_id: int, send_survey: bool = False) -> None:
    """cdm.events handler: a closed request whose customer should get the survey queues its e-mail."""
    if send_survey:
        service_request_send_survey.delay(request_id)


# Safe to run twice: a scan upserts candidates and leaves decided pairs alone.
@shared_task(acks_late=True)
def duplicates_scan(full: bool = False, retrain: bool = False) -> str:
    """Every 15 minutes the customers changed since the last scan; weekly everyone, re-learning the weights."""
    return services.duplicates_scan(full=full, retrain=retrain, by=SYSTEM).summary()


# Safe to run twice: scores are recomputed from the rows and today's snapshot is replaced.
@shared_task(acks_late=True)
def customer_quality_refresh() -> dict:
    """Nightly: every active customer's data-quality score, and today's figures for the stewards' dashboard."""
    return services.customer_quality_refresh(by=SYSTEM).as_dict()


# Safe to run twice: a standardised value stays as it is.
@shared_task(acks_late=True)
def attribute_values_standardise() -> dict:
    """List-typed attribute values stored as the allowed value their synonym stands for; counts per attribute."""
    return services.attribute_values_standardise(by=SYSTEM)


# Safe to redeliver: a finished import is left alone, a running one goes on from its last saved chunk.
@shared_task(acks_late=True)
def import_job_run(job_id: int) -> str:
    """A steward's file import, chunk by chunk (customers.imports.jobs)."""
    return imports.import_job_run(job_id=job_id, by=SYSTEM).status


def on_import_queued(*, event: str, job_id: int) -> None:
    """cdm.events handler: a queued import goes to a worker (in-process without a broker)."""
    import_job_run.delay(job_id)
