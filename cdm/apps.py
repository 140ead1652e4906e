from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CdmConfig(AppConfig):
    name = "cdm"
    verbose_name = "CDM platform"

    def ready(self):
        from django.core import checks

        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from cdm import auth_events, middleware
        from cdm.crypto import check_keys

        # Permissions exist only after post_migrate creates them, so role grants follow them there.
        post_migrate.connect(_after_migrate, dispatch_uid="cdm.after_migrate")
        checks.register(check_keys, checks.Tags.security)
        user_login_failed.connect(auth_events.login_failed, dispatch_uid="cdm.login_failed")
        user_locked_out.connect(auth_events.login_locked_out, dispatch_uid="cdm.login_locked_out")
        user_logged_in.connect(middleware.session_started, dispatch_uid="cdm.session_started")


def _after_migrate(sender, **kwargs):
    # post_migrate fires once per app; the last app in INSTALLED_APPS sees every permission.
    from django.apps import apps

    if sender is list(apps.get_app_configs())[-1]:
        from cdm.access import sync_roles
        from cdm.crypto import canary_ensure

        sync_roles()
        canary_ensure()
