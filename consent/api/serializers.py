"""Consents as the API shows and takes them. A record is evidence: it is added, never changed."""

from __future__ import annotations

from rest_framework import serializers

from consent.models import ConsentRecord, PrivacyNotice, Purpose
from customers.api.base import SafeDateTimeField, StrictFieldsMixin


class ConsentRecordSerializer(serializers.ModelSerializer):
    purpose = serializers.SlugRelatedField(slug_field="key", read_only=True)
    notice = serializers.SlugRelatedField(slug_field="version", read_only=True)
    recorded_by = serializers.CharField(source="recorded_by_username", read_only=True)

    class Meta:
        model = ConsentRecord
        fields = ("id", "purpose", "granted", "method", "notice", "recorded_at", "source", "evidence", "note",
                  "recorded_by")
        read_only_fields = fields


class ConsentRecordInputSerializer(StrictFieldsMixin, serializers.Serializer):
    """Grant (granted: true) or withdraw (granted: false) one purpose; the record keeps method and evidence."""

    purpose = serializers.SlugRelatedField(slug_field="key", queryset=Purpose.objects.all(),
                                           help_text='The purpose\'s key, e.g. "email-marketing".')
    granted = serializers.BooleanField(help_text="true: granted; false: withdrawn.")
    method = serializers.ChoiceField(choices=ConsentRecord.Method.choices, default=ConsentRecord.Method.API,
                                     help_text="How the customer said so (verbal needs a note).")
    notice = serializers.SlugRelatedField(slug_field="version", queryset=PrivacyNotice.objects.all(), required=False,
                                          allow_null=True, help_text="The privacy notice version shown.")
    recorded_at = SafeDateTimeField(required=False, help_text="When the customer said so; default now.")
    source = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    evidence = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="",
                                     help_text="e.g. a form submission id or call reference.")
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class PurposeStateSerializer(serializers.Serializer):
    purpose = serializers.CharField(source="purpose.key")
    purpose_name = serializers.CharField(source="purpose.name")
    state = serializers.ChoiceField(choices=["granted", "withdrawn", "unknown"])
    record = ConsentRecordSerializer(allow_null=True)


class ConsentsSerializer(serializers.Serializer):
    """The current state of every active purpose, and a page of the history (newest first)."""

    current = PurposeStateSerializer(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ConsentRecordSerializer(many=True)
