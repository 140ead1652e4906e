"""API v1 views of customers: list, read, create, change, upsert and batch upsert by another system's id,
merge and undo. Every write calls the same services as the pages; these views only parse and answer."""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cdm import access
from cdm.api.conditional import etag, not_modified, version_from_if_match
from cdm.api.errors import ApiError, django_errors, drf_errors
from cdm.api.fields import comparable_time
from cdm.api.models import ApiToken
from cdm.api.views import ApiView, ApiViewSet
from cdm.errors import NotFound
from cdm.models import Team
from cdm.webhooks import origin
from customers import selectors, services
from customers.api.serializers import (
    MAX_BATCH,
    BatchResultSerializer,
    BatchUpsertSerializer,
    CandidateSerializer,
    CustomerSerializer,
    MergeRequestSerializer,
    MergeSerializer,
    UndoRequestSerializer,
    UpsertBodySerializer,
)
from customers.models import Customer, ExternalIdentity, Merge
from customers.selectors.customers import CustomerMerged
from customers.selectors.search import customer_search
from customers.services.merge import MERGE_PERM

# Error answers and their body (ApiErrors) are added to every operation by cdm.api.schema.
ERRORS = OpenApiResponse(description='{"errors": {field: [{"code": ..., "message": ...}]}}')
IF_MATCH = OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                            description='The ETag you read ("<version>"): a stale one gets 412, nothing written.')
IDEMPOTENCY_KEY = OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                                   description="The first answer is replayed for 24 h; the same key with another "
                                               "body is a 422.")


class SafeDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 time a database can compare: offsets within ±14 h, years 1 to 9999 in UTC too."""

    def clean(self, value):
        parsed = super().clean(value)
        if parsed is not None and not comparable_time(parsed):
            raise ValidationError(_("Give a time as ISO 8601, e.g. 2026-01-31T12:00:00Z."), code="invalid")
        return parsed


class SafeDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = SafeDateTimeField


class CustomerFilter(django_filters.FilterSet):
    """Filters of the customer list (status as on the list page: active unless asked)."""

    status = django_filters.ChoiceFilter(choices=[*Customer.Status.choices, ("all", "all")], method="by_status",
                                         empty_label=None)
    team = django_filters.CharFilter(field_name="team__name", help_text="The team's name.")
    lifecycle_stage = django_filters.ChoiceFilter(choices=Customer.LifecycleStage.choices)
    country = django_filters.CharFilter(field_name="country", max_length=2)
    created_after = SafeDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = SafeDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Customer
        fields = ["status", "team", "lifecycle_stage", "country", "created_after", "created_before"]

    def by_status(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(status=value)

    @property
    def qs(self):
        queryset = super().qs
        if "status" not in self.data:
            queryset = queryset.filter(status=Customer.Status.ACTIVE)
        return queryset


def _visible(user):
    return (Customer.objects.restrict(user, "view").defer(*access.SENSITIVE_FIELDS)
            .select_related("team", "owner", "merged_into")
            .prefetch_related(Prefetch("external_ids", queryset=ExternalIdentity.objects.order_by("system", "pk"))))


def _shown(request, customer, *, status_code=status.HTTP_200_OK, headers=None) -> Response:
    customer = _visible(request.user).get(pk=customer.pk)
    data = CustomerSerializer(customer, context={"request": request}).data
    return Response(data, status=status_code, headers={"ETag": etag(customer.version), **(headers or {})})


def _candidates(request, found) -> list[dict]:
    return [{"customer_number": c.customer_number,
             "url": request.build_absolute_uri(reverse("api:customer-detail", args=[c.customer_number])),
             "name": c.full_name, "probability": round(m.probability, 3), "reasons": list(m.reasons)}
            for c, m in found]


def _ambiguous(request, exc: services.AmbiguousMatch) -> Response:
    message = _("Several existing customers may be this person; nothing was written. Upsert again with "
                "?on_ambiguous=create to create a new customer anyway (the data stewards will review it).")
    return Response({"errors": {"detail": [{"code": "ambiguous_match", "message": message}]},
                     "candidates": _candidates(request, exc.candidates), "hidden_candidates": exc.hidden},
                    status=status.HTTP_409_CONFLICT)


def _team_for_new(request, name) -> Team | None:
    """The team a new customer goes to: the body's, else the token's default team, else the caller's only one."""
    if name:
        return name  # already a Team (the serializer's SlugRelatedField)
    token = request.auth if isinstance(request.auth, ApiToken) else None
    if token is not None and token.default_team_id:
        return token.default_team
    teams = list(selectors.customer_create_teams(user=request.user)[:2])
    return teams[0] if len(teams) == 1 else None


def _team_required():
    return ValidationError({"team": ValidationError(_('Name the team the new customer belongs to, e.g. '
                                                      '"team": "North".'), code="required")})


@extend_schema_view(
    list=extend_schema(summary="List customers", parameters=[OpenApiParameter(
        "q", OpenApiTypes.STR, description="Search as on the list page (name, number, e-mail, phone, external id): "
                                          "the best matches, one page, no cursor.")]),
    retrieve=extend_schema(summary="Read a customer", responses={200: CustomerSerializer, 304: None, 404: ERRORS}),
    create=extend_schema(summary="Create a customer", parameters=[IDEMPOTENCY_KEY, OpenApiParameter(
        "create_anyway", OpenApiTypes.BOOL, description="Create although identity resolution finds a likely "
                                                        "existing customer (the stewards review it).")],
        responses={201: CustomerSerializer, 400: ERRORS}),
    partial_update=extend_schema(summary="Change a customer", parameters=[IF_MATCH],
                                 responses={200: CustomerSerializer, 400: ERRORS, 404: ERRORS, 412: ERRORS}),
)
class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = CustomerSerializer
    lookup_field = "customer_number"
    lookup_value_regex = "[0-9]{1,20}"
    filterset_class = CustomerFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Customer.objects.none()
        return _visible(self.request.user)

    def list(self, request, *args, **kwargs):
        query = request.query_params.get("q", "").strip()
        if not query:
            return super().list(request, *args, **kwargs)
        found = customer_search(queryset=self.filter_queryset(self.get_queryset()), user=request.user, query=query)
        size = self.paginator.get_page_size(request) or 50
        rows = CustomerSerializer(found[:size], many=True, context={"request": request}).data
        return Response({"next": None, "previous": None, "results": rows})

    def retrieve(self, request, customer_number=None):
        # One read: the customer as shown, within the caller's rights (the pages' customer_get reads more).
        customer = _visible(request.user).filter(customer_number=customer_number).first()
        if customer is not None and customer.status != Customer.Status.MERGED:
            if not_modified(request, customer.version):
                return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag(customer.version)})
            data = CustomerSerializer(customer, context={"request": request}).data
            return Response(data, headers={"ETag": etag(customer.version)})
        try:
            customer = selectors.customer_get(user=request.user, customer_number=customer_number)
        except CustomerMerged as merged:
            if merged.survivor is None:
                raise
            url = reverse("api:customer-detail", args=[merged.survivor.customer_number])
            return Response({"errors": {"detail": [{
                "code": "merged", "message": _("This customer was merged into %(number)s.") % {
                    "number": merged.survivor.customer_number}, "survivor": merged.survivor.customer_number}]}},
                status=status.HTTP_301_MOVED_PERMANENTLY, headers={"Location": request.build_absolute_uri(url)})
        if not_modified(request, customer.version):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag(customer.version)})
        return _shown(request, customer)

    def create(self, request):
        if not request.user.has_perm("customers.add_customer"):
            raise PermissionDenied(_("Your role may not create customers."))
        serializer = CustomerSerializer(data=request.data, context={"request": request, "creating": True})
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        team = _team_for_new(request, fields.pop("team", None))
        if team is None:
            raise _team_required()
        fields.setdefault("source", Customer.Source.API)
        create_anyway = request.query_params.get("create_anyway", "").lower() in ("1", "true", "yes")
        customer = services.customer_create_checked(by=request.user, team=team, create_anyway=create_anyway,
                                                    reason=_("Created through the API"), **fields)
        url = request.build_absolute_uri(reverse("api:customer-detail", args=[customer.customer_number]))
        return _shown(request, customer, status_code=status.HTTP_201_CREATED, headers={"Location": url})

    def partial_update(self, request, customer_number=None):
        customer = selectors.customer_get(user=request.user, customer_number=customer_number, action="change")
        version = version_from_if_match(request, customer.version)
        serializer = CustomerSerializer(customer, data=request.data, partial=True, context={"request": request})
        serializer.is_valid(raise_exception=True)
        updated = services.customer_update(customer=customer, by=request.user, version=version,
                                           reason=_("Changed through the API"), **serializer.validated_data)
        return _shown(request, updated)

    @extend_schema(summary="Merge customers into this one (data stewards)", request=MergeRequestSerializer,
                   parameters=[IDEMPOTENCY_KEY], responses={201: MergeSerializer, 400: ERRORS, 403: ERRORS})
    @action(detail=True, methods=["post"])
    def merge(self, request, customer_number=None):
        payload = MergeRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        survivor = selectors.customer_get(user=request.user, customer_number=customer_number, action="change")
        absorbed = []
        for index, number in enumerate(payload.validated_data["absorb"]):
            found = Customer.objects.restrict(request.user, "change").filter(customer_number=number).first()
            if found is None:
                raise ApiError(_("No customer %(number)s that you may change.") % {"number": number},
                               code="not_found", status_code=400, field=f"absorb.{index}")
            absorbed.append(found)
        merge = services.customers_merge(
            survivor=survivor, absorbed=absorbed, by=request.user, reason=payload.validated_data.get("reason", ""),
            acknowledge_consent_difference=payload.validated_data["acknowledge_consent_difference"])
        return Response(_merge_data(merge), status=status.HTTP_201_CREATED)


def _merge_data(merge: Merge) -> dict:
    merge = Merge.objects.select_related("survivor").prefetch_related("absorbed").get(pk=merge.pk)
    return {"id": merge.pk, "survivor": merge.survivor.customer_number,
            "absorbed": sorted(c.customer_number for c in merge.absorbed.all()), "status": merge.status,
            "merged_at": serializers.DateTimeField().to_representation(merge.at)}


class MergeUndoView(ApiView):
    @extend_schema(summary="Undo a merge exactly (data stewards)", request=UndoRequestSerializer,
                   parameters=[IDEMPOTENCY_KEY], responses={200: MergeSerializer, 400: ERRORS, 403: ERRORS,
                                                            404: ERRORS})
    def post(self, request, pk):
        payload = UndoRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if not request.user.has_perm(MERGE_PERM):  # the merges exist for stewards only
            raise NotFound()
        merge = get_object_or_404(Merge, pk=pk)
        services.merge_undo(merge=merge, by=request.user, reason=payload.validated_data.get("reason", ""))
        return Response(_merge_data(merge))


UPSERT_RESPONSES = {200: CustomerSerializer, 201: CustomerSerializer, 400: ERRORS, 409: inline_serializer(
    "AmbiguousMatch", {"errors": serializers.DictField(), "candidates": CandidateSerializer(many=True),
                       "hidden_candidates": serializers.IntegerField()}), 412: ERRORS}


class CustomerUpsertView(ApiView):
    """A customer by the id another system gives it: read it, or create-or-update it (upsert)."""

    @extend_schema(summary="Read a customer by another system's id", responses={200: CustomerSerializer,
                                                                               404: ERRORS})
    def get(self, request, system, external_id):
        customer = selectors.customer_by_external_id(system=system, external_id=external_id, user=request.user)
        if customer is None:
            raise NotFound()
        if not_modified(request, customer.version):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag(customer.version)})
        return _shown(request, customer)

    @extend_schema(summary="Create or update a customer by another system's id (upsert)",
                   request=UpsertBodySerializer, parameters=[IF_MATCH, OpenApiParameter(
                       "on_ambiguous", OpenApiTypes.STR, enum=["refuse", "create"],
                       description="Several likely existing customers: refuse (409, the default) or create.")],
                   responses=UPSERT_RESPONSES)
    def put(self, request, system, external_id):
        linked = ExternalIdentity.objects.filter(system=system.lower(), external_id=external_id).exists()
        if linked and selectors.customer_by_external_id(system=system, external_id=external_id,
                                                        user=request.user) is None:
            raise NotFound()  # linked to a customer outside the caller's rights, whatever the body says
        body = dict(request.data) if isinstance(request.data, dict) else request.data
        source_at = _source_at(body.pop("source_updated_at", None)) if isinstance(body, dict) else None
        # Partial: a body updating a known customer names only what changed; a new one needs a family name
        # (the service says so, naming the field).
        serializer = CustomerSerializer(data=body, partial=True, context={"request": request, "creating": True})
        serializer.is_valid(raise_exception=True)
        return self._answer(request, upsert_one(request, system, external_id, dict(serializer.validated_data),
                                                on_ambiguous=request.query_params.get("on_ambiguous", "refuse"),
                                                source_at=source_at))

    def _answer(self, request, result):
        if isinstance(result, Response):
            return result
        if result.created:
            url = request.build_absolute_uri(reverse("api:customer-detail", args=[result.customer.customer_number]))
            return _shown(request, result.customer, status_code=status.HTTP_201_CREATED, headers={"Location": url})
        return _shown(request, result.customer)


def _source_at(value):
    """The body's `source_updated_at`: when the data changed in the sending system (the sync rules compare it)."""
    if value is None:
        return None
    try:
        return serializers.DateTimeField().to_internal_value(value)
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({"source_updated_at": exc.detail}) from None


def upsert_one(request, system: str, external_id: str, fields: dict, *, on_ambiguous: str = "refuse",
               if_match: bool = True, source_at=None):
    """The upsert service for one record of a request: its result, or a 409 Response when ambiguous."""
    team = _team_for_new(request, fields.pop("team", None))
    version = None
    if if_match and request.headers.get("If-Match"):
        linked = selectors.customer_by_external_id(system=system, external_id=external_id)
        if linked is not None:
            version = version_from_if_match(request, linked.version)
    try:
        with origin(system):  # the data comes from the system the URL names: no echo to it
            return services.customer_upsert(by=request.user, system=system, external_id=external_id, fields=fields,
                                            team=team, version=version, on_ambiguous=on_ambiguous,
                                            source_at=source_at)
    except services.AmbiguousMatch as exc:
        return _ambiguous(request, exc)


class CustomerBatchUpsertView(ApiView):
    @extend_schema(summary=f"Upsert up to {MAX_BATCH} customers by another system's ids", request=BatchUpsertSerializer,
                   parameters=[IDEMPOTENCY_KEY],
                   responses={200: inline_serializer("BatchUpsertResults", {
                       "results": BatchResultSerializer(many=True)}), 400: ERRORS})
    def post(self, request, system):
        payload = BatchUpsertSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        results = []
        for index, record in enumerate(payload.validated_data["records"]):
            results.append({"index": index, "external_id": record["external_id"],
                            **_batch_record(request, system, record)})
        return Response({"results": results})


def _batch_record(request, system: str, record: dict) -> dict:
    """One record of a batch, in its own transaction: a bad one is reported and the rest go on."""
    serializer = CustomerSerializer(data=record["fields"], partial=True, context={"request": request, "creating": True})
    if not serializer.is_valid():
        return {"result": "error", "errors": drf_errors(serializer.errors)}
    try:
        result = upsert_one(request, system, record["external_id"], dict(serializer.validated_data), if_match=False,
                            source_at=record.get("source_updated_at"))
    except ValidationError as exc:
        return {"result": "error", "errors": django_errors(exc)}
    except ApiError as exc:
        return {"result": "error", "errors": exc.errors}
    except Http404:
        return {"result": "error", "errors": {"detail": [{"code": "not_found", "message": _(
            "This id is linked to a customer outside your rights.")}]}}
    except PermissionDenied as exc:
        return {"result": "error", "errors": {"detail": [{"code": "permission_denied", "message": str(exc)}]}}
    if isinstance(result, Response):
        return {"result": "error", "errors": result.data["errors"], "candidates": result.data["candidates"]}
    outcome = "unchanged" if result.outcome == "unchanged" else ("created" if result.created else "updated")
    answer = {"result": outcome, "customer_number": result.customer.customer_number}
    if result.skipped:
        answer["skipped"] = [{"field": s.field, "reason": s.reason, "kept_from": s.kept_system} for s in result.skipped]
    return answer
