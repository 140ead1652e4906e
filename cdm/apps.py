from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save


class CdmConfig(AppConfig):
    name = "cdm"
    verbose_name = "CDM platform"

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.core import checks

        from cdm import audit_receivers, auth_events, middleware
        from cdm.api import schema  # noqa: F401 (registers the API token's OpenAPI security scheme)
        from cdm.admin import admin_site_harden
        from cdm.crypto import check_keys

        # Permissions exist only after post_migrate creates them, so role grants follow them there.
        post_migrate.connect(_after_migrate, dispatch_uid="cdm.after_migrate")
        checks.register(check_keys, checks.Tags.security)
        User = get_user_model()
        from django.contrib.auth.models import Group

        for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
            m2m_changed.connect(_rights_changed_m2m, sender=through, dispatch_uid=f"cdm.rights.{through.__name__}")
        post_save.connect(_user_saved, sender=User, dispatch_uid="cdm.rights.user_saved")
        post_save.connect(_object_right_changed, dispatch_uid="cdm.rights.object_saved")
        post_delete.connect(_object_right_changed, dispatch_uid="cdm.rights.object_deleted")
        user_login_failed.connect(auth_events.login_failed, dispatch_uid="cdm.login_failed")
        user_locked_out.connect(auth_events.login_locked_out, dispatch_uid="cdm.login_locked_out")
        user_logged_in.connect(middleware.session_started, dispatch_uid="cdm.session_started")
        audit_receivers.connect()
        # django.contrib.admin's ready() has loaded every admin module by now.
        admin_site_harden()


def _after_migrate(sender, app_config=None, **kwargs):
    """Derive the roles' permissions once per migrate, whatever the order of INSTALLED_APPS.

    post_migrate fires once per app, each app's permissions created in its turn; the first call
    creates every app's content types and permissions itself (both idempotent), then syncs.
    """
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    first = next(c for c in apps.get_app_configs() if c.models_module is not None)
    if sender is not first:
        return
    using = kwargs.get("using", "default")
    for config in apps.get_app_configs():
        create_contenttypes(config, verbosity=0, using=using)
        create_permissions(config, verbosity=0, using=using)
    from cdm.access import sync_roles
    from cdm.crypto import canary_ensure

    sync_roles()
    canary_ensure()


def _rights_changed_m2m(sender, instance, action, reverse, **kwargs):
    """A user's groups or permissions, or a group's permissions, changed (from either side)."""
    from django.contrib.auth.models import Group

    from cdm.access import forget_rights, rights_changed

    if action.startswith("post_"):
        rights_changed()
        if not reverse and not isinstance(instance, Group):
            forget_rights(instance)


def _user_saved(sender, instance, update_fields=None, **kwargs):
    """Active, staff or superuser may have changed (a login only touches last_login)."""
    from cdm.access import forget_rights, rights_changed

    if update_fields is None or not set(update_fields) <= {"last_login", "password"}:
        rights_changed()
        forget_rights(instance)


def _object_right_changed(sender, instance, **kwargs):
    """A guardian row of a registered kind (team rights, customer grants) was written: the user's cached
    rights are stale."""
    from cdm.access import forget_rights, object_rights_sources, rights_changed

    label = sender._meta.label
    if any(label in (s.user_model, s.group_model) for s in object_rights_sources()):
        rights_changed()
        user = getattr(instance, "user", None)
        if user is not None:
            forget_rights(user)
