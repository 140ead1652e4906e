"""One HTTP POST to a destination, with short timeouts, no redirects and no private addresses."""

from __future__ import annotations

import email.utils
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


@dataclass
class Response:
    status: int | None  # None: no HTTP answer (refused, timed out, bad address)
    duration_ms: int
    error: str = ""
    retry_after: float | None = None  # seconds, from a Retry-After header


def url_check(url: str, *, resolve: bool = True) -> None:
    """A ValidationError on "url" unless `url` is an absolute http(s) address CDM may send to."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": _("Enter an absolute http:// or https:// address.")}, code="invalid_url")
    if settings.CDM_WEBHOOKS_ALLOW_PRIVATE or not resolve:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError):
        raise ValidationError({"url": _("The host name %(host)s cannot be resolved.") % {"host": parts.hostname}},
                              code="unresolvable") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise ValidationError({"url": _("%(host)s is a private, loopback or reserved address: webhooks are not "
                                            "sent there.") % {"host": parts.hostname}}, code="private_address")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could point anywhere, an internal address included: a 3xx is the destination's answer.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _opener():
    proxy = settings.CDM_WEBHOOKS_PROXY
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": proxy, "https": proxy} if proxy else {}), _NoRedirect)


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


def post(url: str, body: bytes, headers: dict) -> Response:
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        url_check(url)
    except ValidationError as exc:
        return Response(None, 0, error=" ".join(exc.messages))
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", "User-Agent": "CDM-Webhooks/1",
                                              **headers})
    try:
        with _opener().open(request, timeout=settings.CDM_WEBHOOKS_TIMEOUT_SECONDS) as response:
            response.read(1024)
            return Response(response.status, elapsed())
    except urllib.error.HTTPError as exc:
        return Response(exc.code, elapsed(), error=f"HTTP {exc.code}",
                        retry_after=retry_after_seconds(exc.headers.get("Retry-After")))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Response(None, elapsed(), error=str(reason)[:500] or type(exc).__name__)
