"""`Authorization: Bearer cdm_…`: the request acts as the token's service account; request.auth is the token."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from cdm.api.tokens import api_token_check


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
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
