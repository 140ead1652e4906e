"""The webhooks' periodic tasks, every minute: the relay publishes what no on-commit hook could (the broker
was down), and the retry run sends the retries that are due. Admins edit them in the admin."""

from django.db import migrations

SCHEDULES = [
    ("webhooks.relay", "cdm.tasks.webhooks_relay"),
    ("webhooks.retry_due", "cdm.tasks.webhooks_retry_due"),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(minute="*", hour="*", day_of_week="*", day_of_month="*",
                                                       month_of_year="*", timezone="UTC")
    for name, task in SCHEDULES:
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab, "enabled": True})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("cdm", "0007_webhooks_outbox"), ("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(create, remove)]
