from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cdm.crypto import encrypted
from cdm.querysets import GlobalScopeQuerySet, RestrictedQuerySet


class TeamQuerySet(GlobalScopeQuerySet):
    pass


class Team(models.Model):
    """A portfolio of customers. Its group's members work on the team's customers.

    Rights are held on the team (direct-FK guardian rows below), so a million customers
    need no million permission rows.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="team",
        help_text=_("Members of this group work on the team's customers."),
    )

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        permissions = [
            ("view_team_customers", "Can view the team's customers"),
            ("change_team_customers", "Can change the team's customers"),
            ("add_team_customers", "Can add customers to the team"),
            ("delete_team_customers", "Can delete the team's customers"),
        ]

    def __str__(self):
        return self.name


class TeamUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="user_perms")


class TeamGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="group_perms")


class AppendOnlyError(Exception):
    pass


class AppendOnlyQuerySet(RestrictedQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} are append-only: they cannot be changed.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} are append-only: they cannot be changed.")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} are append-only: they cannot be deleted.")

    def _raw_delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} are append-only: they cannot be deleted.")


class AppendOnlyModel(models.Model):
    """Rows are written once. The model, its queryset and database triggers (cdm.migration_ops.append_only)
    refuse changes and deletes."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name_plural} are append-only: they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.verbose_name_plural} are append-only: they cannot be deleted.")


@receiver(pre_delete, dispatch_uid="cdm.refuse_append_only_cascade")
def _refuse_cascade_delete(sender, instance, **kwargs):
    # A cascade (e.g. deleting a customer) collects these rows instead of raw-deleting them once a
    # pre_delete receiver exists, so this fires and the whole delete rolls back.
    if isinstance(instance, AppendOnlyModel):
        raise AppendOnlyError(f"{instance._meta.verbose_name_plural} are append-only: they cannot be deleted.")


class AuditEventQuerySet(AppendOnlyQuerySet, GlobalScopeQuerySet):
    pass


class AuditEvent(AppendOnlyModel):
    """Who did what to which object, naming fields, never values. Append-only."""

    occurred_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # No database FK: deleting or deactivating a user must never rewrite the log.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
        null=True, blank=True, related_name="+",
    )
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=50, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    fields = models.JSONField(_("fields"), default=list, blank=True, help_text=_("Field names, never values."))
    reason = models.TextField(_("reason"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-occurred_at"], name="audit_object_idx")]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username or 'system'} {self.action} {self.object_repr}"


class KeyCanary(models.Model):
    """A known value stored with the keys in force, so a changed key is caught at start-up.

    The start-up check decrypts it and recomputes its blind index; it fails fast with a clear
    message instead of serving pages that crash on every customer.
    """

    PLAINTEXT = "cdm-key-canary"

    name = models.CharField(max_length=20, unique=True, default="default")
    value = encrypted(models.CharField(max_length=64))
    value_index = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    blind_indexes = {"value_index": ("value", "builtins.str")}

    def __str__(self):
        return f"key canary {self.name}"


# The API's tokens and stored idempotent results live with the API (cdm/api/models.py).
from cdm.api.models import ApiToken, IdempotencyRecord  # noqa: E402, F401
# Outbound webhooks and the transactional outbox (cdm/webhooks/).
from cdm.webhooks.models import OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint  # noqa: E402,F401
