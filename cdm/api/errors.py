"""The API's one error shape: `{"errors": {<field>: [{"code": ..., "message": ...}]}}`.

Errors of a field are under its name; those of the request as a whole under "non_field_errors" (bad input)
or "detail" (authentication, rights, not found, conflicts, throttling). Every failure, DRF's own and the
domain's (cdm.errors, Django's ValidationError and PermissionDenied), goes through `exception_handler`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cdm.errors import ConflictError

NON_FIELD = "non_field_errors"
DETAIL = "detail"


class ApiError(exceptions.APIException):
    """An answer of `status_code` with errors under `field` (and `extra` keys beside the code and message)."""

    def __init__(self, message: str, *, code: str, status_code: int, field: str = DETAIL, **extra):
        self.status_code = status_code
        self.errors = {field: [{"code": code, "message": str(message), **extra}]}
        super().__init__(message, code)


class PreconditionFailed(ApiError):
    def __init__(self, message: str, *, code: str = "stale", **extra):
        super().__init__(message, code=code, status_code=status.HTTP_412_PRECONDITION_FAILED, **extra)


def body(errors: dict) -> dict:
    return {"errors": errors}


def django_errors(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {(NON_FIELD if field == "__all__" else field): [_item(e) for e in errors]
                for field, errors in exc.error_dict.items()}
    return {NON_FIELD: [_item(e) for e in exc.error_list]}


def _item(error: DjangoValidationError) -> dict:
    message = error.message % error.params if error.params else error.message
    return {"code": error.code or "invalid", "message": force_str(message)}


def drf_errors(detail, field: str = NON_FIELD) -> dict:
    """DRF's nested detail ({field: [ErrorDetail]}, [ErrorDetail], ErrorDetail) flattened to our shape;
    a nested serializer's fields are named with dots ("records.3.email")."""
    out: dict[str, list] = {}

    def walk(value, name):
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in ("non_field_errors", "__all__"):
                    walk(inner, name)  # the errors of the object itself: under its own name
                else:
                    walk(inner, key if name == NON_FIELD else f"{name}.{key}")
        elif isinstance(value, list) and value and not all(isinstance(v, (str, exceptions.ErrorDetail)) for v in value):
            for index, inner in enumerate(value):
                if inner:
                    walk(inner, f"{name}.{index}")
        elif isinstance(value, list):
            for item in value:
                walk(item, name)
        else:
            out.setdefault(name, []).append({"code": getattr(value, "code", "invalid") or "invalid",
                                             "message": force_str(value)})

    walk(detail, field)
    return out


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        return Response(body(django_errors(exc)), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ConflictError):
        item = {"code": "stale", "message": exc.message, "version": exc.version,
                "changed_fields": exc.changed_fields}
        return Response(body({DETAIL: [item]}), status=status.HTTP_412_PRECONDITION_FAILED,
                        headers={"ETag": f'"{exc.version}"'} if exc.version is not None else None)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django's 500 (logged), never a traceback in the body
    if isinstance(exc, ApiError):
        response.data = body(exc.errors)
        return response
    if isinstance(exc, exceptions.ValidationError):
        response.data = body(drf_errors(exc.detail))
    else:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        item = {"code": code, "message": force_str(exc.detail)}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            item["retry_after"] = int(exc.wait)
        response.data = body({DETAIL: [item]})
    return response
