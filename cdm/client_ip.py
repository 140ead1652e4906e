"""The client's IP address, as far as it can be trusted: for the audit log and login throttling.

`X-Forwarded-For` is written by whoever sent the request, so only the hops our own proxies added
count. With CDM_TRUSTED_PROXY_COUNT = N, the N proxies in front of CDM each append the address they
received the connection from: the client is the N-th entry from the right, whatever a client put
to the left of it. With N = 0 (the default: CDM is reached directly) the header is ignored and the
socket address (REMOTE_ADDR) is the client.

django-ipware parses and validates: anything that is not an IP address gives None, never text.
"""

from django.conf import settings
from ipware import get_client_ip


def trusted_proxy_count() -> int:
    return max(int(getattr(settings, "CDM_TRUSTED_PROXY_COUNT", 0) or 0), 0)


def client_ip(request) -> str | None:
    """The client address of `request` (IPv4 or IPv6, normalised), or None when none is valid."""
    proxies = trusted_proxy_count()
    if proxies:
        # ipware counts the proxy hops listed in the header after the client: the nearest proxy is
        # REMOTE_ADDR, not in the header, hence N - 1. Not strict: a client may have prepended junk.
        ip, _routable = get_client_ip(request, proxy_count=proxies - 1,
                                      request_header_order=("HTTP_X_FORWARDED_FOR",), strict=False)
        if ip is not None:
            return ip
        # No (valid) header: the request did not come through the proxies; the socket address is all we know.
    ip, _routable = get_client_ip(request, request_header_order=("REMOTE_ADDR",), strict=False)
    return ip
