"""Login events: failed logins and lockouts (django-axes) in the audit log, and the lockout page.

Connected in CdmConfig.ready(). The typed username is recorded as the object, existing or not: the
audit log is read by stewards and admins, never shown to the person trying to log in.
"""

from django.conf import settings
from django.shortcuts import render

LOGIN_OBJECT_TYPE = "auth.login"


def _login_audit(*, action: str, request, username: str | None, reason: str = "") -> None:
    from cdm.services import audit_record

    username = (username or "").strip()
    audit_record(by=getattr(request, "user", None), action=action, object_type=LOGIN_OBJECT_TYPE, object_id=username[:64],
                 object_repr=username, reason=reason, request=request)


def login_failed(sender, credentials, request=None, **kwargs) -> None:
    """Django's user_login_failed: a wrong password, an unknown user, or a login refused while locked out."""
    if request is None:
        return  # authenticate() without a request (a management command, a test helper): no client to name
    # Refused by axes before any password check: flagged locked out, and (the attempt not counting) no count.
    locked = (bool(getattr(request, "axes_locked_out", False))
              and getattr(request, "axes_failures_since_start", None) is None)
    _login_audit(action="login.failed", request=request, username=credentials.get("username"),
                 reason="Refused: sign-in paused after too many failures" if locked else "")


def login_locked_out(sender, request, username=None, ip_address=None, **kwargs) -> None:
    """django-axes' user_locked_out. Axes sends it again for every attempt made while locked out; only the
    failure that starts a lockout has counted failures (`axes_failures_since_start`), so one event per lockout."""
    if request is None or getattr(request, "axes_failures_since_start", None) is None:
        return
    _login_audit(action="login.locked_out", request=request, username=username,
                 reason=f"{request.axes_failures_since_start} failed logins; paused for "
                        f"{settings.CDM_LOGIN_COOLOFF_MINUTES} minutes")


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: one friendly page, whatever the username (known or not) and whichever login form."""
    return render(request, "registration/locked_out.html", {"minutes": settings.CDM_LOGIN_COOLOFF_MINUTES},
                  status=429)
