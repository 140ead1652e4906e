"""The base every API view derives from: token or session authentication, throttling per token, the error
shape, Idempotency-Key on POST. Apps' viewsets mix in `ApiViewMixin` first."""

from __future__ import annotations

from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from cdm.api import idempotency
from cdm.api.authentication import rights_keep
from cdm.api.models import ApiToken
from cdm.webhooks import origin
from cdm.webhooks.outbox import origin_set


class ApiViewMixin:
    def dispatch(self, request, *args, **kwargs):
        with origin(""):  # whatever initial() sets is undone when the request ends, however it ends
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        self._idempotency = None
        super().initial(request, *args, **kwargs)  # authentication, rights, throttling first
        if isinstance(request.auth, ApiToken) and request.auth.system:
            # Changes an integration makes come from its system: its own webhook endpoint is not told of them.
            origin_set(request.auth.system)
        if request.method == "POST":
            self._idempotency = idempotency.claim(request)

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            record = exc.record
            return Response(idempotency.stored_body(record), status=record.status_code,
                            headers={**record.response_headers, "Idempotent-Replayed": "true"})
        try:
            return super().handle_exception(exc)
        except Exception:
            record, self._idempotency = getattr(self, "_idempotency", None), None
            if record is not None:
                idempotency.release(record)  # a crash: the same key may be retried
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        rights_keep(request._request)
        record, self._idempotency = getattr(self, "_idempotency", None), None
        if record is not None:
            idempotency.store(record, response)
        return response


class ApiView(ApiViewMixin, APIView):
    pass


class ApiViewSet(ApiViewMixin, viewsets.GenericViewSet):
    pass
