"""Customer.search_name: the accent-free, case-folded "given family" that name search matches (filled by 0003)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cdm', '0005_default_schedules'),
        ('customers', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='customer',
            name='search_name',
            field=models.CharField(blank=True, default='', editable=False, max_length=400, verbose_name='search name'),
        ),
        migrations.AddField(
            model_name='historicalcustomer',
            name='search_name',
            field=models.CharField(blank=True, default='', editable=False, max_length=400, verbose_name='search name'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['search_name'], name='customer_search_name', opclasses=['varchar_pattern_ops']),
        ),
    ]
