"""API v1: the data stewards' review queue of suspected duplicates: list open pairs (best first), decide one is
not a duplicate, or skip it for later. For every other role the queue does not exist (404), as on the pages.
Merging is POST /customers/<number>/merge/."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.response import Response

from cdm.api.errors import ApiError
from cdm.api.pagination import IdCursorPagination
from cdm.api.views import ApiView, ApiViewMixin
from customers import selectors, services
from customers.api.base import StrictFieldsMixin
from customers.api.views import ERRORS, IDEMPOTENCY_KEY
from customers.models import DuplicateCandidate

VIEW_PERM = "customers.view_duplicatecandidate"
MIN_SCORE = OpenApiParameter("min_score", OpenApiTypes.DOUBLE, description="Only pairs scoring at least this "
                             "match probability (0 to 1).")


def require_steward(user) -> None:
    if not user.has_perm(VIEW_PERM):
        raise Http404


class PairCustomerSerializer(serializers.Serializer):
    customer_number = serializers.CharField()
    name = serializers.CharField(source="full_name")
    team = serializers.CharField(source="team.name")


class DuplicateCandidateSerializer(serializers.ModelSerializer):
    customer_a = PairCustomerSerializer()
    customer_b = PairCustomerSerializer()
    reasons = serializers.ListField(child=serializers.CharField())
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = DuplicateCandidate
        fields = ("id", "customer_a", "customer_b", "score", "reasons", "cluster", "cross_team", "origin", "status",
                  "detected_at", "skipped_at", "decided_at", "decided_by", "note")


class DismissSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500,
                                 help_text="Why they are not the same person.")


class SkipSerializer(StrictFieldsMixin, serializers.Serializer):
    pass


class BestFirst(IdCursorPagination):
    ordering = ("-score", "pk")


@extend_schema_view(get=extend_schema(summary="List open duplicate candidates, best first (data stewards)",
                                      tags=["duplicates"], parameters=[MIN_SCORE]))
class DuplicateListView(ApiViewMixin, generics.ListAPIView):
    serializer_class = DuplicateCandidateSerializer
    pagination_class = BestFirst
    filter_backends = ()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DuplicateCandidate.objects.none()
        require_steward(self.request.user)
        raw = self.request.query_params.get("min_score")
        min_score = None
        if raw not in (None, ""):
            try:
                min_score = float(raw)
                if not 0 <= min_score <= 1:
                    raise ValueError
            except ValueError:
                raise ApiError(_("Give a number from 0 to 1."), code="invalid", status_code=400,
                               field="min_score") from None
        return selectors.duplicate_candidates(user=self.request.user, min_score=min_score)


def _candidate(request, pk) -> DuplicateCandidate:
    require_steward(request.user)
    return get_object_or_404(DuplicateCandidate.objects.restrict(request.user, "view"), pk=pk)


def _shown(request, candidate) -> Response:
    found = (DuplicateCandidate.objects.restrict(request.user, "view")
             .select_related("customer_a__team", "customer_b__team", "decided_by").get(pk=candidate.pk))
    return Response(DuplicateCandidateSerializer(found).data)


class DuplicateDismissView(ApiView):
    @extend_schema(summary="Decide a pair is not a duplicate (data stewards)", tags=["duplicates"],
                   description="Remembered: the pair is never proposed again. A pair already decided is a 400.",
                   request=DismissSerializer, parameters=[IDEMPOTENCY_KEY],
                   responses={200: DuplicateCandidateSerializer, 400: ERRORS})
    def post(self, request, pk):
        candidate = _candidate(request, pk)
        payload = DismissSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.duplicate_candidate_dismiss(candidate=candidate, by=request.user, **payload.validated_data)
        return _shown(request, candidate)


class DuplicateSkipView(ApiView):
    @extend_schema(summary="Skip a pair for later: it goes to the end of the queue (data stewards)",
                   tags=["duplicates"], request=SkipSerializer, parameters=[IDEMPOTENCY_KEY],
                   responses={200: DuplicateCandidateSerializer, 400: ERRORS})
    def post(self, request, pk):
        candidate = _candidate(request, pk)
        payload = SkipSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.duplicate_candidate_skip(candidate=candidate, by=request.user)
        return _shown(request, candidate)
