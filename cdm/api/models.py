"""API tokens and stored idempotent results (loaded by cdm.models)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiTokenQuerySet(models.QuerySet):
    def live(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, user__is_active=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class ApiToken(models.Model):
    """One integration's credential. It acts as its service account (`user`): that user's role, teams and field
    policy are the token's. Only a hash is stored: the token is shown once, when it is issued."""

    name = models.CharField(_("name"), max_length=100, help_text=_("Which integration uses it, e.g. “Shop”."))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens",
                             verbose_name=_("service account"),
                             help_text=_("The token acts as this user: its role, teams and field policy apply."))
    system = models.SlugField(_("system"), max_length=50, blank=True, help_text=_(
        "The system this integration speaks for (its external ids; its changes are not echoed back to it)."))
    default_team = models.ForeignKey("cdm.Team", on_delete=models.PROTECT, null=True, blank=True,
                                     verbose_name=_("default team"),
                                     help_text=_("New customers go to this team when the request names none."))
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    rate = models.CharField(_("rate limit"), max_length=20, blank=True, help_text=_(
        "Requests allowed, e.g. “600/min” or “20/s”; empty: the default of settings.CDM_API_TOKEN_RATE."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= timezone.now():
            return "expired"
        return "active"


class IdempotencyRecord(models.Model):
    """The first answer to a POST with an `Idempotency-Key`, replayed for 24 hours to the same caller."""

    principal = models.CharField(max_length=40)  # "token:<id>" or "user:<id>": keys are per caller
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)  # None: the first request is still running
    response_body = models.TextField(null=True)  # the JSON as sent: a JSON column refuses \u0000, bodies may hold it
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="idempotency_key_unique")]
