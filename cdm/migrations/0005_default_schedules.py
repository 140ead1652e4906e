"""Default periodic tasks; admins edit or disable them in the admin (django-celery-beat)."""

from django.db import migrations

SCHEDULES = [
    # name, task, minute, hour
    ("Archive inactive customers", "customers.tasks.customer_archive_inactive", "0", "2"),
    ("Clean up expired sessions and task results", "cdm.tasks.platform_cleanup", "30", "3"),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(minute=minute, hour=hour, day_of_week="*",
                                                           day_of_month="*", month_of_year="*", timezone="UTC")
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab, "enabled": True})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("cdm", "0004_key_canary"), ("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(create, remove)]
