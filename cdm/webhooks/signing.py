"""Standard Webhooks signatures (https://www.standardwebhooks.com/): what a receiver checks.

    webhook-id:        msg_...      (the same on every retry of one event)
    webhook-timestamp: 1614265330   (seconds, the time of this attempt)
    webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>"> [v1,<...> ...]

The key is the base64 part of the secret `whsec_<base64>`. During a rotation the header carries one
signature per valid secret, space-separated; a receiver accepts the message if any one matches.
Hand-written (twenty lines) rather than a dependency; tests check it against the spec's test vector.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

PREFIX = "whsec_"
TOLERANCE_SECONDS = 5 * 60


class VerificationError(Exception):
    pass


def secret_new() -> str:
    """A new signing secret, `whsec_` and 32 random bytes in base64 (the spec asks for 24 to 64)."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """One signature, `v1,<base64>`."""
    body = body.encode() if isinstance(body, str) else body
    mac = hmac.new(_key(secret), f"{msg_id}.{int(timestamp)}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def signature_header(secrets_: list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature header: one signature per secret in force, space-separated."""
    return " ".join(sign(s, msg_id, timestamp, body) for s in secrets_ if s)


def verify(secret: str, headers: dict, body: bytes | str, *, now: float | None = None,
           tolerance: int = TOLERANCE_SECONDS) -> None:
    """Raise VerificationError unless `headers` carry a valid signature of `body` by `secret`.

    The receiver's side (the README shows it): a timestamp too far from now is refused, so a captured
    message cannot be replayed later."""
    headers = {k.lower(): v for k, v in headers.items()}
    try:
        msg_id, timestamp = headers["webhook-id"], int(headers["webhook-timestamp"])
        signatures = headers["webhook-signature"].split(" ")
    except (KeyError, ValueError) as exc:
        raise VerificationError("missing or malformed webhook headers") from exc
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise VerificationError("timestamp outside the tolerance")
    expected = sign(secret, msg_id, timestamp, body).split(",", 1)[1]
    for candidate in signatures:
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return
    raise VerificationError("no matching signature")
