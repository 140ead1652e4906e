"""`Authorization: Bearer cdm_…`: the request acts as the token's service account; request.auth is the token.

A token request has no session: none is read, written or sent back as a cookie (the session middlewares
look for `request.cdm_api_token`). The service account's rights are kept between its requests in the cache
instead, under the rights version, as a browser session keeps its user's (cdm.rights).
"""

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from cdm import access
from cdm.api.tokens import api_token_check

RIGHTS_KEEP_SECONDS = 3600


class CachedRights:
    """What cdm.rights needs of a session (get and set one key), kept in the cache per service account."""

    def __init__(self, user):
        self.key = f"cdm-api-rights:{user.pk}"
        self.data = cache.get(self.key) or {}

    def get(self, name, default=None):
        return self.data.get(name, default)

    def __setitem__(self, name, value):
        self.data[name] = value
        cache.set(self.key, self.data, RIGHTS_KEEP_SECONDS)


def rights_keep(request) -> None:
    """After a token request: keep the rights it read for the next one (if they are not kept already)."""
    store = getattr(request, "_cdm_rights_store", None)
    if store is not None:
        access.rights_to_session(store, request.user)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the header as “Authorization: Bearer <token>”."))
        token = api_token_check(header[1].decode(errors="replace"))
        if token is None:
            raise exceptions.AuthenticationFailed(_("The API token is unknown, revoked or expired."))
        user = token.user
        user._api_token = token
        request._request.cdm_api_token = token  # no session for this request (cdm.middleware)
        if settings.CDM_RIGHTS_IN_SESSION and not user.is_superuser:
            request._request._cdm_rights_store = store = CachedRights(user)
            access.rights_from_session(store, user)
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
