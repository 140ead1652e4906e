"""E-mail search by prefix (as the agent types an address) through a btree with varchar_pattern_ops.

The plain btree served only equality (the database's collation is not C), so LIKE 'x%' fell to the
trigram index, whose posting lists for "mai", "com"... cover nearly every row (~50 ms at 1 M
customers). A pattern-ops btree serves both = and LIKE 'x%'; it replaces the plain one.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("customers", "0005_servicerequest_survey_sent_at")]

    operations = [
        migrations.RemoveIndex(model_name="customer", name="customer_email"),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["email"], name="customer_email", opclasses=["varchar_pattern_ops"]),
        ),
    ]
