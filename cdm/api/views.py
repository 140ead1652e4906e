"""The base every API view derives from: token or session authentication, throttling per token, the error
shape, Idempotency-Key on POST. Apps' viewsets mix in `ApiViewMixin` first."""

from __future__ import annotations

from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from cdm.api import idempotency


class ApiViewMixin:
    def initial(self, request, *args, **kwargs):
        self._idempotency = None
        super().initial(request, *args, **kwargs)  # authentication, rights, throttling first
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
        record, self._idempotency = getattr(self, "_idempotency", None), None
        if record is not None:
            idempotency.store(record, response)
        return response


class ApiView(ApiViewMixin, APIView):
    pass


class ApiViewSet(ApiViewMixin, viewsets.GenericViewSet):
    pass
