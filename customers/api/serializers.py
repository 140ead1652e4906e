"""Customers as the API shows and takes them, cut to the caller's field policy (cdm.access): a field outside
it is neither shown nor writable. Writes go through the services; serializers only parse and shape."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from cdm import access
from cdm.api.fields import StrictFieldsMixin
from cdm.models import Team
from customers.models import Customer
from customers.services.base import CREATE_FIELDS

# What the API shows of a customer, in order (sensitive fields only through the audited reveal of the pages).
SHOWN = tuple(f for group, names in access.CUSTOMER_FIELDS.items() if group != access.FG.SENSITIVE for f in names
              if f != "address_issues")
# Set by the system or by their own use cases (merge, archive, restore), never by a PATCH or an upsert body.
NEVER_WRITTEN = frozenset({"owner", "status", "merged_into", "team", *access.SYSTEM_FIELDS})
MAX_BATCH = 100


class CustomerSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """The context's `user` decides the fields; `creating` lets a new customer name its team."""

    url = serializers.HyperlinkedIdentityField(view_name="api:customer-detail", lookup_field="customer_number")
    team = serializers.SlugRelatedField(slug_field="name", queryset=Team.objects.all(), required=False)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    merged_into = serializers.SlugRelatedField(slug_field="customer_number", read_only=True)
    country = CountryField(required=False, allow_blank=True)
    external_ids = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = ("url", *SHOWN, "external_ids")
        read_only_fields = tuple(access.SYSTEM_FIELDS)
        extra_kwargs = {"family_name": {"required": True}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.context.get("user") or getattr(self.context.get("request"), "user", None)
        if user is None:  # the schema: every field
            return
        visible = set(access.customer_fields(user, "view")) | {"url"}
        if access.FG.GOVERNANCE in access.visible_groups(user):
            visible.add("external_ids")
        for name in list(self.fields):
            if name not in visible:
                self.fields.pop(name)
        self.writable = writable_fields(user, creating=self.context.get("creating", False))

    def get_external_ids(self, customer) -> list[dict]:
        return [{"system": link.system, "external_id": link.external_id} for link in customer.external_ids.all()]

    def field_known(self, name: str) -> bool:
        return name in self.Meta.fields or name == "team"  # the team, on create only, even where not shown

    def field_writable(self, name: str) -> bool:
        return name in getattr(self, "writable", ())


class UpsertBodySerializer(CustomerSerializer):
    """The body of an upsert as the schema shows it: the customer's fields and when they changed at the source."""

    source_updated_at = serializers.DateTimeField(required=False, write_only=True, help_text=(
        "When the data changed in your system (default: now). A change older than the stored value, or from a "
        "system of lower priority for the field's group, does not overwrite; it is recorded."))

    class Meta(CustomerSerializer.Meta):
        fields = (*CustomerSerializer.Meta.fields, "source_updated_at")


def writable_fields(user, *, creating: bool) -> frozenset:
    fields = set(access.customer_fields(user, "edit"))
    if creating:
        fields |= set(CREATE_FIELDS) | {"team"}
    return frozenset(f for f in fields if f in SHOWN and (f not in NEVER_WRITTEN or (creating and f == "team")))


class CandidateSerializer(serializers.Serializer):
    customer_number = serializers.CharField()
    url = serializers.CharField()
    name = serializers.CharField()
    probability = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


class BatchRecordSerializer(serializers.Serializer):
    """One record of a batch upsert: its external id and its fields (parsed per record by CustomerSerializer)."""

    external_id = serializers.CharField(max_length=200)
    source_updated_at = serializers.DateTimeField(required=False, help_text=(
        "When the data changed in your system: a change older than the stored value is skipped (sync rules)."))
    fields = serializers.DictField(help_text="Customer fields, as in PUT /systems/{system}/customers/{external_id}.")


class BatchUpsertSerializer(serializers.Serializer):
    records = BatchRecordSerializer(many=True, allow_empty=False, max_length=MAX_BATCH)


class BatchResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField()
    result = serializers.ChoiceField(choices=["created", "updated", "unchanged", "error"])
    customer_number = serializers.CharField(required=False)
    errors = serializers.DictField(required=False)
    skipped = serializers.ListField(child=serializers.DictField(), required=False,
                                    help_text="Fields whose change did not overwrite: older, or lower priority.")


class MergeRequestSerializer(serializers.Serializer):
    absorb = serializers.ListField(child=serializers.CharField(max_length=20), min_length=1, max_length=20,
                                   help_text="Customer numbers merged into this one.")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
    acknowledge_consent_difference = serializers.BooleanField(required=False, default=False)


class MergeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    survivor = serializers.CharField()
    absorbed = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()
    merged_at = serializers.DateTimeField()


class UndoRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
