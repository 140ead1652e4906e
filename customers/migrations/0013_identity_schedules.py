"""The periodic work of identity resolution and data quality (admins edit or disable it in the admin):
an incremental duplicate scan every 15 minutes, a full one (re-learning the weights) every Sunday night,
and the nightly data-quality refresh."""

from django.db import migrations

TASKS = [
    ("Scan new and changed customers for duplicates", "customers.tasks.duplicates_scan", "{}",
     {"minute": "*/15", "hour": "*", "day_of_week": "*"}),
    ("Scan every customer for duplicates and re-learn the match weights", "customers.tasks.duplicates_scan",
     '{"full": true, "retrain": true}', {"minute": "30", "hour": "2", "day_of_week": "0"}),
    ("Refresh data-quality scores and the day's quality figures", "customers.tasks.customer_quality_refresh", "{}",
     {"minute": "15", "hour": "4", "day_of_week": "*"}),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, kwargs, when in TASKS:
        crontab, _ = CrontabSchedule.objects.get_or_create(day_of_month="*", month_of_year="*", timezone="UTC", **when)
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab, "kwargs": kwargs,
                                                                "enabled": True})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[t[0] for t in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [("customers", "0012_identity_resolution"),
                    ("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(create, remove)]
