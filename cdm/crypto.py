"""Encryption at rest, behind one small module so the library can be swapped without touching models.

Encrypted fields support no lookup but `isnull`; exact lookups go through `blind_index()`.
"""

import hashlib
import hmac

from django.conf import settings
from django_cryptography.fields import encrypt


def encrypted(field):
    """Wrap a model field so its value is stored encrypted."""
    return encrypt(field)


def blind_index(normalised_value: str) -> str:
    """Keyed hash (HMAC-SHA256) of a normalised value, for exact lookup of an encrypted field."""
    if not normalised_value:
        return ""
    key = settings.CDM_BLIND_INDEX_KEY.encode()
    return hmac.new(key, normalised_value.encode(), hashlib.sha256).hexdigest()
