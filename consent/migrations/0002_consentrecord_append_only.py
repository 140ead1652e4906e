"""Database triggers that refuse UPDATE and DELETE on consent records (see cdm.migration_ops.append_only)."""

from django.db import migrations

from cdm.migration_ops import append_only


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [append_only("consent_consentrecord")]
