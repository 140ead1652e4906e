"""Issuing, revoking and checking API tokens: the one place that writes ApiToken rows.

A token reads `cdm_<prefix>_<secret>`: the prefix finds the row, the SHA-256 of the whole token is compared in
constant time. The secret carries 256 random bits, so a fast hash is the right one (no password stretching:
nobody guesses 2^256); the database alone never lets anyone act as an integration.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cdm.api.models import ApiToken
from cdm.services import audit_record
from cdm.use_cases import use_case

PREFIX = "cdm"
MANAGE_PERM = "cdm.add_apitoken"
# last_used_at is written at most this often per token: an integration's every request is no write.
TOUCH_EVERY = datetime.timedelta(minutes=1)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@use_case
def api_token_issue(*, by, name: str, user, system: str = "", default_team=None, expires_at=None,
                    rate: str = "") -> tuple[ApiToken, str]:
    """A new token for the service account `user`; returns (token, the raw token to show once)."""
    if not by.has_perm(MANAGE_PERM):
        raise PermissionDenied(_("You do not have permission to issue API tokens."))
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Name the integration that will use the token.")
    if user is None or not getattr(user, "is_active", False):
        errors["user"] = _("Choose an active service account.")
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = _("The expiry must be in the future.")
    if rate:
        from cdm.api.throttling import parse_rate

        try:
            parse_rate(rate)
        except ValueError:
            errors["rate"] = _("Write the rate as a number of requests per s, min, hour or day, e.g. “600/min”.")
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    raw = f"{PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(name=name.strip(), user=user, system=(system or "").strip().lower(),
                                    default_team=default_team, prefix=prefix, key_hash=_digest(raw),
                                    expires_at=expires_at, rate=rate, created_by=by if getattr(by, "pk", None) else None)
    audit_record(by=by, action="api_token.issue", obj=token, reason=_("for %(user)s") % {"user": user})
    return token, raw


@use_case
def api_token_revoke(*, by, token: ApiToken) -> ApiToken:
    if not by.has_perm("cdm.change_apitoken"):
        raise PermissionDenied(_("You do not have permission to revoke API tokens."))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(by=by, action="api_token.revoke", obj=token)
    return token


def api_token_check(raw: str) -> ApiToken | None:
    """The live token `raw` is, or None (unknown, revoked, expired, or its service account deactivated)."""
    parts = (raw or "").split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    token = ApiToken.objects.live().select_related("user", "default_team").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.key_hash, _digest(raw)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
