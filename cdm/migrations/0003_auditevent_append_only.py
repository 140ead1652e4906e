"""Database triggers that refuse UPDATE and DELETE on the audit log (see cdm.migration_ops.append_only)."""

from django.db import migrations

from cdm.migration_ops import append_only


class Migration(migrations.Migration):
    dependencies = [("cdm", "0002_create_role_groups")]

    operations = [append_only("cdm_auditevent")]
