"""The Celery app. Without CELERY_BROKER_URL, settings make tasks run in-process."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdm.settings")

app = Celery("cdm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _refuse_changed_keys(**kwargs):
    from cdm.crypto import verify_keys_or_exit

    verify_keys_or_exit()
