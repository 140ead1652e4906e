from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CdmConfig(AppConfig):
    name = "cdm"
    verbose_name = "CDM platform"

    def ready(self):
        from django.core import checks

        from cdm import audit_receivers
        from cdm.admin import admin_site_harden
        from cdm.crypto import check_keys

        # Permissions exist only after post_migrate creates them, so role grants follow them there.
        post_migrate.connect(_after_migrate, dispatch_uid="cdm.after_migrate")
        checks.register(check_keys, checks.Tags.security)
        audit_receivers.connect()
        # django.contrib.admin's ready() has loaded every admin module by now.
        admin_site_harden()


def _after_migrate(sender, **kwargs):
    # post_migrate fires once per app; the last app in INSTALLED_APPS sees every permission.
    from django.apps import apps

    if sender is list(apps.get_app_configs())[-1]:
        from cdm.access import sync_roles
        from cdm.crypto import canary_ensure

        sync_roles()
        canary_ensure()
