"""Platform middleware: no caching of signed-in pages, and sessions that end when left alone.

Static files never reach these: WhiteNoise answers them earlier in MIDDLEWARE, with its own
(long, public) caching headers.
"""

import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import ngettext

from cdm import access

# Requests a page makes by itself (the live-record poll of the 360° and edit pages) send this header.
# They are not activity: an open tab polling every few seconds must not keep a session alive forever.
BACKGROUND_HEADER = "X-CDM-Background"

SESSION_STARTED = "cdm_session_started"  # epoch seconds of the first request after login
SESSION_ACTIVE = "cdm_session_active"  # epoch seconds of the latest request by the user
# The activity stamp is rewritten at most this often, so a busy user's session is not saved on every
# request; the idle timeout is exact to within this many seconds.
ACTIVITY_RESOLUTION = 60


class PrivateCacheMiddleware:
    """Every response to a signed-in user carries `Cache-Control: private, no-store`: pages with personal
    data stay out of shared caches and the browser's disk cache (and its Back button after logout)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        signed_in = bool(user and user.is_authenticated)  # before the view: logout and idle expiry end it
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if signed_in or (user and user.is_authenticated):  # after the view: the login's own response
            patch_cache_control(response, private=True, no_store=True)
        return response


def session_started(sender, request, user, **kwargs) -> None:
    """user_logged_in (connected in CdmConfig.ready): the clocks start at sign-in, and the user's rights are
    read once into the session login() saves (RightsInSessionMiddleware)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_STARTED] = session[SESSION_ACTIVE] = int(time.time())
        if settings.CDM_RIGHTS_IN_SESSION and user.is_active and not user.is_superuser:
            access.forget_rights(user)
            access.rights_from_session(session, user)
            access.user_roles(user)  # one query: groups, permissions, object rights
            access.rights_to_session(session, user)


class RightsInSessionMiddleware:
    """A user's rights (groups, model permissions, team rights, grants) are read once per session instead
    of once per request: the session keeps them under the rights version (cdm.access.rights_version), which
    every change of rights bumps, so a change reaches every open session at its next request.

    On with CDM_RIGHTS_IN_SESSION (default: when CDM_CACHE_URL names a shared cache, or with DEBUG on);
    a per-process cache would not tell the other server processes of a change."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if not settings.CDM_RIGHTS_IN_SESSION or user is None or not user.is_authenticated or user.is_superuser:
            return self.get_response(request)  # (an API token's user is set later, by the API: not seen here)
        access.rights_from_session(request.session, user)
        response = self.get_response(request)
        if request.user.is_authenticated and request.user.pk == user.pk:  # not signed out meanwhile
            access.rights_to_session(request.session, user)
        return response


def is_background(request) -> bool:
    return request.headers.get(BACKGROUND_HEADER) == "1"


class SessionTimeoutMiddleware:
    """Sign a user out after CDM_SESSION_IDLE_MINUTES without activity, or CDM_SESSION_MAX_HOURS after
    signing in, whichever comes first, and say so on the login page.

    Django alone cannot do both: a session saved on every request moves its expiry forward every time
    (no maximum age), and one never saved expires at a fixed time (no idle timeout). So the session keeps
    two stamps; SESSION_COOKIE_AGE (the maximum age) stays the outer bound for cookie and database row.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            expired = self._expired(request, time.time())
            if expired:
                return self._sign_out(request, expired)
        response = self.get_response(request)
        user = getattr(request, "user", None)
        # An API token request has no session: stamping one would create a session row and a cookie per call.
        if user is not None and user.is_authenticated and getattr(request, "cdm_api_token", None) is None:
            self._stamp(request, time.time())
        return response

    @staticmethod
    def _expired(request, now: float) -> str:
        session = request.session
        started, active = session.get(SESSION_STARTED), session.get(SESSION_ACTIVE)
        if started is None or active is None:
            return ""  # a session from before these stamps: stamped below
        if now - started > settings.CDM_SESSION_MAX_HOURS * 3600:
            return "max_age"
        if now - active > settings.CDM_SESSION_IDLE_MINUTES * 60:
            return "idle"
        return ""

    @staticmethod
    def _stamp(request, now: float) -> None:
        session = request.session
        if SESSION_STARTED not in session:  # a session from before these stamps
            session[SESSION_STARTED] = session[SESSION_ACTIVE] = int(now)
        elif not is_background(request) and now - session.get(SESSION_ACTIVE, 0) >= ACTIVITY_RESOLUTION:
            session[SESSION_ACTIVE] = int(now)

    @staticmethod
    def _sign_out(request, why: str):
        # Back to where the user was: for htmx (the poll, a search), the page in the address bar.
        current = request.headers.get("HX-Current-URL") if request.headers.get("HX-Request") else None
        if current:
            parts = urlsplit(current)
            next_url = parts.path + (f"?{parts.query}" if parts.query else "")
        else:
            next_url = request.get_full_path()
        logout(request)
        if why == "idle":
            minutes = settings.CDM_SESSION_IDLE_MINUTES
            text = ngettext("You were signed out after %(n)d minute without activity.",
                            "You were signed out after %(n)d minutes without activity.", minutes) % {"n": minutes}
        else:
            hours = settings.CDM_SESSION_MAX_HOURS
            text = ngettext("You were signed out %(n)d hour after signing in. Please sign in again.",
                            "You were signed out %(n)d hours after signing in. Please sign in again.",
                            hours) % {"n": hours}
        messages.info(request, text)
        response = redirect_to_login(next_url)
        if current:
            # htmx would follow a redirect and swap the login page into the polled element: load it instead.
            htmx_response = HttpResponse(status=200)
            htmx_response["HX-Redirect"] = response["Location"]
            return htmx_response
        return response
