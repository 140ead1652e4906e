from django.utils.translation import gettext as _


class ConflictError(Exception):
    """A write based on a stale version: someone else saved the record first."""

    def __init__(self, obj, *, changed_by: str | None = None, changed_at=None, version: int | None = None):
        self.obj = obj
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.version = version
        super().__init__(self.message)

    @property
    def message(self) -> str:
        who = self.changed_by or _("another user or system")
        when = f" at {self.changed_at:%Y-%m-%d %H:%M:%S %Z}" if self.changed_at else ""
        return _(
            "%(obj)s was changed by %(who)s%(when)s after you loaded it (now version %(version)s). "
            "Nothing was overwritten: reload to see their changes, then apply yours again."
        ) % {"obj": self.obj, "who": who, "when": when, "version": self.version}
