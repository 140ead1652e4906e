"""The domain's error vocabulary, raised by selectors and services, turned into answers in one place each.

- `NotFound`: the object does not exist *for this user* (outside their rights, or not at all): a 404
  page (it is an Http404), and later the API's 404. Never says which of the two.
- `Merged`: a NotFound for a record merged into another; carries the survivor when the user may see it,
  so pages can redirect (customers.views.follow_merged).
- `Conflict` (ConflictError): a write based on a stale version; the form shows who changed what.
- Business-rule failures are Django's `ValidationError`, keyed by field; `cdm.forms.form_add_errors`
  puts one on a form.
"""

from django.http import Http404
from django.utils.translation import gettext as _


class NotFound(Http404):
    def __init__(self, message: str = ""):
        super().__init__(message or _("No such record."))


class Merged(NotFound):
    """`record` was merged into `survivor` (None: the user may not see the survivor)."""

    def __init__(self, record, survivor=None):
        super().__init__()  # never names the survivor
        self.record = record
        self.survivor = survivor


class ConflictError(Exception):
    """A write based on a stale version: someone else saved the record first.

    `changes`: the fields changed since the version the user loaded, {label: (theirs, yours)} when
    known, so the form can show the other version beside the user's input.
    """

    def __init__(self, obj, *, changed_by: str | None = None, changed_at=None, version: int | None = None,
                 changed_fields: list[str] | None = None):
        self.obj = obj
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.version = version
        self.changed_fields = changed_fields or []
        super().__init__(self.message)

    @property
    def message(self) -> str:
        who = self.changed_by or _("another user or system")
        when = f" at {self.changed_at:%Y-%m-%d %H:%M:%S %Z}" if self.changed_at else ""
        what = (_(" They changed: %(fields)s.") % {"fields": ", ".join(self.changed_fields)}
                if self.changed_fields else "")
        return _(
            "%(obj)s was changed by %(who)s%(when)s after you loaded it (now version %(version)s).%(what)s "
            "Nothing was overwritten: your input is kept below; check their changes, then save again."
        ) % {"obj": self.obj, "who": who, "when": when, "version": self.version, "what": what}


Conflict = ConflictError
