"""The purposes every installation starts with; admins add, rename or deactivate them later."""

from django.db import migrations

PURPOSES = [
    ("email-marketing", "E-mail marketing", "E-mail", "Newsletters and offers by e-mail."),
    ("sms-marketing", "SMS marketing", "SMS", "Offers and reminders by text message."),
    ("phone-marketing", "Phone marketing", "Phone", "Sales and offer calls."),
    ("profiling", "Profiling", "Profiling", "Analysing behaviour and purchases to personalise offers."),
    ("third-party-sharing", "Sharing with third parties", "Third parties",
     "Passing contact data to selected partners for their own offers."),
]


def create_purposes(apps, schema_editor):
    Purpose = apps.get_model("consent", "Purpose")  # historical model
    for key, name, short_name, description in PURPOSES:
        Purpose.objects.get_or_create(key=key, defaults={"name": name, "short_name": short_name,
                                                         "description": description})


def remove_purposes(apps, schema_editor):
    # Purposes that already carry records stay: PROTECT would refuse, and the records need them.
    Purpose = apps.get_model("consent", "Purpose")
    Purpose.objects.filter(key__in=[p[0] for p in PURPOSES], records__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("consent", "0002_consentrecord_append_only")]

    operations = [migrations.RunPython(create_purposes, remove_purposes)]
