"""`Idempotency-Key` on POST, with Stripe's semantics.

The first answer to a key (per caller) is stored and replayed, header `Idempotent-Replayed: true`, for 24 hours.
The same key with another body or on another route is a 422; while the first request still runs, a 409.
An answer of 5xx is not stored (the request may be retried under the same key). The key is claimed in its own
committed row before the work starts, so two concurrent requests with one key never both do the work.
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.utils.encoders import JSONEncoder

from cdm.api.errors import ApiError
from cdm.api.models import ApiToken, IdempotencyRecord

HEADER = "Idempotency-Key"
KEEP = datetime.timedelta(hours=24)
MAX_KEY = 255
# A claim older than this whose request never finished (a killed worker) may be taken over.
ABANDONED = datetime.timedelta(minutes=5)
REPLAYED_HEADERS = ("Location", "ETag")


class Replay(Exception):
    def __init__(self, record: IdempotencyRecord):
        self.record = record


def principal(request) -> str:
    auth = request.auth
    return f"token:{auth.pk}" if isinstance(auth, ApiToken) else f"user:{request.user.pk}"


def claim(request) -> IdempotencyRecord | None:
    """The claimed record of this POST's key (None without a key). Raises Replay with a stored answer,
    or ApiError (422 another body, 409 still running)."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY:
        raise ApiError(_("The Idempotency-Key header must hold 1 to %(n)d characters.") % {"n": MAX_KEY},
                       code="invalid", status_code=400, field=HEADER)
    digest = hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n" + request.body).hexdigest()
    who = principal(request)
    now = timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(principal=who, key=key, method=request.method,
                                                        path=request.path[:500], request_hash=digest, created_at=now)
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(principal=who, key=key).first()
        if existing is None:
            continue  # released meanwhile: claim again
        stale = existing.created_at < now - KEEP or (existing.status_code is None
                                                     and existing.created_at < now - ABANDONED)
        if stale:
            IdempotencyRecord.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
            continue
        if existing.request_hash != digest:
            raise ApiError(_("This Idempotency-Key was used with another request (a different body or route); "
                             "use a new key for a new request."), code="idempotency_key_reused", status_code=422,
                           field=HEADER)
        if existing.status_code is None:
            raise ApiError(_("A request with this Idempotency-Key is still being processed; retry in a moment."),
                           code="in_progress", status_code=409, field=HEADER)
        raise Replay(existing)
    raise ApiError(_("This Idempotency-Key could not be claimed; retry."), code="in_progress", status_code=409,
                   field=HEADER)


def store(record: IdempotencyRecord, response) -> None:
    """Keep the answer for replay; an answer of 5xx frees the key instead."""
    if response.status_code >= 500:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return
    headers = {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)}
    body = getattr(response, "data", None)
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=response.status_code, response_body=None if body is None else json.dumps(body, cls=JSONEncoder),
        response_headers=headers)


def stored_body(record: IdempotencyRecord):
    return None if record.response_body is None else json.loads(record.response_body)


def release(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk).delete()


def forget_expired(now=None) -> int:
    """Drop stored answers older than 24 hours (a periodic clean-up)."""
    return IdempotencyRecord.objects.filter(created_at__lt=(now or timezone.now()) - KEEP).delete()[0]
