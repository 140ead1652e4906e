"""Throttling per API token (its own rate, or CDM_API_TOKEN_RATE), per user for browser sessions."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from cdm.api.models import ApiToken

_PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
            "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """"600/min" -> (600, 60). ValueError for anything else."""
    count, _slash, period = (rate or "").strip().partition("/")
    seconds = _PERIODS.get(period.strip().lower())
    if not count.strip().isdigit() or seconds is None or int(count) < 1:
        raise ValueError(rate)
    return int(count), seconds


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_rate(self):
        return getattr(settings, "CDM_API_TOKEN_RATE", "1200/min")

    def parse_rate(self, rate):
        return parse_rate(rate) if rate else (None, None)

    def allow_request(self, request, view):
        token = request.auth if isinstance(request.auth, ApiToken) else None
        if token is not None and token.rate:
            self.rate = token.rate
            self.num_requests, self.duration = parse_rate(token.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.prefix}"  # unique, never reused like an id
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return f"throttle_{self.scope}_{ident}"
