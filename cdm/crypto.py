"""Encryption at rest, behind one small module so the library can be swapped without touching models.

django_cryptography encrypts with CRYPTOGRAPHY_KEY (falling back to SECRET_KEY) and signs every
value with SECRET_KEY, ignoring SECRET_KEY_FALLBACKS: a changed key makes every value (and the
whole queryset that loads it) fail with BadSignature. So the fields here use a key ring of ours:
they encrypt with the current keys and decrypt with the current keys or any fallback pair, which
makes rotation possible without downtime (see `manage.py rotate_keys` and README.md).

Encrypted fields support no lookup but `isnull`; exact lookups go through `blind_index()`.
"""

from __future__ import annotations

import hashlib
import hmac
import pickle
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.conf import settings
from django.utils.encoding import force_bytes
from django_cryptography.core.signing import BadSignature, FernetSigner
from django_cryptography.fields import encrypt
from django_cryptography.utils.crypto import FernetBytes, InvalidToken

# The library's key derivation (django_cryptography.conf), reproduced so any key can be derived.
_KDF_SALT = b"django-cryptography"
_KDF_ITERATIONS = 30000


class KeysChangedError(Exception):
    """Stored values cannot be opened with the configured keys."""


@lru_cache(maxsize=16)
def _derive(raw_key: str) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=_KDF_SALT, iterations=_KDF_ITERATIONS,
                     backend=default_backend())
    return kdf.derive(force_bytes(raw_key))


@dataclass(frozen=True)
class KeyPair:
    secret_key: str  # signs each value
    encryption_key: str  # encrypts it (CRYPTOGRAPHY_KEY, or SECRET_KEY when unset)

    def fernet(self) -> FernetBytes:
        return FernetBytes(_derive(self.encryption_key), FernetSigner(key=self.secret_key))


def current_keys() -> KeyPair:
    return KeyPair(settings.SECRET_KEY, settings.CDM_ENCRYPTION_KEY or settings.SECRET_KEY)


def fallback_keys() -> list[KeyPair]:
    """Older key pairs still accepted for reading: CDM_ENCRYPTION_KEY_FALLBACKS × SECRET_KEY_FALLBACKS."""
    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    enc_keys = [settings.CDM_ENCRYPTION_KEY or settings.SECRET_KEY, *settings.CDM_ENCRYPTION_KEY_FALLBACKS]
    enc_keys += [s for s in secrets_ if s not in enc_keys]  # values written when CRYPTOGRAPHY_KEY was unset
    pairs = [KeyPair(s, e) for s in secrets_ for e in enc_keys]
    return [p for p in dict.fromkeys(pairs) if p != current_keys()]


def encrypt_bytes(data: bytes) -> bytes:
    return current_keys().fernet().encrypt(data)


def decrypt_bytes(token: bytes, *, fallbacks: bool = True) -> tuple[bytes, bool]:
    """Plaintext, and whether it needed a fallback key (i.e. the value is due for re-encryption)."""
    token = force_bytes(token)
    for i, pair in enumerate([current_keys(), *(fallback_keys() if fallbacks else [])]):
        try:
            data = pair.fernet().decrypt(token)
        except (BadSignature, InvalidToken):
            continue
        # The signature proves the secret key, not the encryption key: with the right signer and a wrong
        # AES key, CBC yields garbage that passes the padding check about once in 256 tries. Every value
        # the fields store is a pickle, so only a readable pickle proves the pair right.
        try:
            pickle.loads(data)
        except Exception:
            continue
        return data, i > 0
    raise KeysChangedError(
        "An encrypted value cannot be opened with the configured keys. SECRET_KEY or CRYPTOGRAPHY_KEY "
        "changed without the old ones listed in SECRET_KEY_FALLBACKS / CRYPTOGRAPHY_KEY_FALLBACKS."
    )


class _KeyRingFernet:
    """Stands in for the field's own FernetBytes: encrypt with the current keys, decrypt with any."""

    def encrypt(self, data):
        return encrypt_bytes(force_bytes(data))

    def decrypt(self, data, ttl=None):
        return decrypt_bytes(data)[0]


def encrypted(field):
    """Wrap a model field so its value is stored encrypted (with the key ring above)."""
    wrapped = encrypt(field)
    wrapped._fernet = _KeyRingFernet()
    return wrapped


def is_encrypted_field(field) -> bool:
    return isinstance(getattr(field, "_fernet", None), _KeyRingFernet)


# --- blind index -----------------------------------------------------------------------

def blind_index(normalised_value: str, key: str | None = None) -> str:
    """Keyed hash (HMAC-SHA256) of a normalised value, for exact lookup of an encrypted field."""
    if not normalised_value:
        return ""
    key = key if key is not None else settings.CDM_BLIND_INDEX_KEY
    return hmac.new(key.encode(), normalised_value.encode(), hashlib.sha256).hexdigest()


def blind_index_keys() -> list[str]:
    return [settings.CDM_BLIND_INDEX_KEY, *settings.CDM_BLIND_INDEX_KEY_FALLBACKS]


def blind_index_candidates(normalised_value: str) -> list[str]:
    """The index values to look up: the current key's, and during a rotation the old keys' too."""
    return [blind_index(normalised_value, key) for key in blind_index_keys()] if normalised_value else []


# --- start-up check ----------------------------------------------------------------------

def verify_keys() -> list[str]:
    """Problems with the configured keys, judged on the stored canary (empty list: all good)."""
    from django.db import DatabaseError

    from cdm.models import KeyCanary

    try:
        row = KeyCanary.objects.values_list("pk", "value_index").first()
    except DatabaseError:
        return []  # not migrated yet: nothing stored, nothing to check
    if row is None:
        return []
    problems = []
    try:
        KeyCanary.objects.get(pk=row[0])
    except KeysChangedError:
        problems.append(
            "The encryption keys changed: data stored with earlier keys cannot be decrypted with SECRET_KEY / "
            "CRYPTOGRAPHY_KEY. Put the previous values back, or list them in SECRET_KEY_FALLBACKS / "
            "CRYPTOGRAPHY_KEY_FALLBACKS and run `manage.py rotate_keys`."
        )
    if row[1] not in blind_index_candidates(KeyCanary.PLAINTEXT):
        problems.append(
            "The blind-index key changed: national-ID lookups would find nothing. Put the previous "
            "CDM_BLIND_INDEX_KEY back, or list it in CDM_BLIND_INDEX_KEY_FALLBACKS and run `manage.py rotate_keys`."
        )
    return problems


def canary_ensure() -> None:
    from django.db import DatabaseError

    from cdm.models import KeyCanary

    try:
        if not KeyCanary.objects.exists():
            KeyCanary.objects.create(value=KeyCanary.PLAINTEXT, value_index=blind_index(KeyCanary.PLAINTEXT))
    except DatabaseError:
        pass


def check_keys(app_configs=None, **kwargs):
    from django.core.checks import Error

    return [Error(message, id="cdm.E001") for message in verify_keys()]


def verify_keys_or_exit() -> None:
    """For processes that run no system checks (gunicorn, celery): refuse to start on changed keys."""
    problems = verify_keys()
    if problems:
        raise SystemExit("CDM refuses to start: " + " ".join(problems))
