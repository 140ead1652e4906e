"""ETag / If-Match / If-None-Match built on a record's `version` (its optimistic lock).

The ETag of a record is `"<version>"` (strong): every write of master data bumps the version. Derived values
the system refreshes on its own (quality score, last activity) do not. A write with `If-Match` naming another
version is refused with 412 before anything is changed; `If-None-Match` naming the current one gives 304.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from cdm.api.errors import PreconditionFailed


def etag(version: int) -> str:
    return f'"{int(version)}"'


def _tags(header: str) -> list[str]:
    return [t.strip().removeprefix("W/") for t in header.split(",") if t.strip()]


def not_modified(request, version: int) -> bool:
    header = request.headers.get("If-None-Match")
    return bool(header) and (header.strip() == "*" or etag(version) in _tags(header))


def version_from_if_match(request, current: int) -> int:
    """The version a write is based on: If-Match's, else the current one (no precondition asked).
    `If-Match: *` is the current version. A stale version makes the service refuse the write (ConflictError,
    a 412 naming who changed what); a malformed or weak tag is a 412 at once (weak tags never match)."""
    header = (request.headers.get("If-Match") or "").strip()
    if not header or header == "*":
        return current
    versions = [int(t[1:-1]) for t in (t.strip() for t in header.split(","))
                if len(t) > 2 and t.startswith('"') and t.endswith('"') and t[1:-1].isdigit()]
    if not versions:
        raise PreconditionFailed(_('If-Match must name an ETag as the API returns it, e.g. If-Match: "3".'),
                                 code="invalid", version=current)
    return current if current in versions else versions[0]
