from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CdmConfig(AppConfig):
    name = "cdm"
    verbose_name = "CDM platform"

    def ready(self):
        from cdm import access

        # Permissions exist only after post_migrate creates them, so role grants follow them there.
        post_migrate.connect(_sync_roles_once, dispatch_uid="cdm.sync_roles")
        _ = access


def _sync_roles_once(sender, **kwargs):
    # post_migrate fires once per app; the last app in INSTALLED_APPS sees every permission.
    from django.apps import apps

    if sender is list(apps.get_app_configs())[-1]:
        from cdm.access import sync_roles

        sync_roles()
