"""Input checks the API's serializers and filters share."""

import datetime

from django.utils.translation import gettext as _
from rest_framework import serializers

MAX_OFFSET = 14 * 3600  # seconds: the widest offset of a real time zone (a database refuses much wider ones)


def comparable_time(parsed: datetime.datetime) -> bool:
    """Can a database compare this time: its offset within ±14 h, and in UTC still within years 1 to 9999?"""
    offset = parsed.utcoffset()
    if offset is not None and abs(offset.total_seconds()) > MAX_OFFSET:
        return False
    try:
        parsed.astimezone(datetime.timezone.utc)
    except (ValueError, OverflowError):
        return False
    return True


class StrictFieldsMixin:
    """A body naming a field that does not exist, or one that is only shown, is refused by name: nothing silently
    dropped, no mass assignment. Serializers whose writable fields depend on the caller override the two tests."""

    def field_known(self, name: str) -> bool:
        return name in self.fields

    def field_writable(self, name: str) -> bool:
        return not self.fields[name].read_only

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": [serializers.ErrorDetail(
                _("Send a JSON object."), code="invalid")]})
        refused = {}
        for name in data:
            if not self.field_known(name):
                refused[name] = [serializers.ErrorDetail(_("There is no such field."), code="unknown")]
            elif not self.field_writable(name):
                refused[name] = [serializers.ErrorDetail(_("This field cannot be written here."), code="read_only")]
        if refused:
            raise serializers.ValidationError(refused)
        return super().to_internal_value(data)
