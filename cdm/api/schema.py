"""The OpenAPI schema's common parts: the one error shape, and the error answers every operation may give.

A postprocessing hook of drf-spectacular, so that no view can forget to document an answer it gives: 401 and
429 everywhere, 403 and 404 (rights, no such record), 400 for input, 409/422 for Idempotency-Key on POST,
412 for If-Match on PUT and PATCH, each with the `ApiErrors` body of cdm.api.errors.
"""

ERROR_SCHEMA = {
    "type": "object",
    "description": 'Every failure: {"errors": {field: [{"code", "message"}]}}; "detail" holds errors of the '
                   'request as a whole, "non_field_errors" those of the body as a whole.',
    "properties": {"errors": {"type": "object", "additionalProperties": {"type": "array", "items": {
        "type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        "required": ["code", "message"]}}}},
    "required": ["errors"],
}
DESCRIPTIONS = {
    "400": "Bad input: the fields named are wrong; nothing was written.",
    "401": "No valid API token (or session).",
    "403": "Your role may not do this.",
    "404": "No such record, or outside your rights (never told apart).",
    "409": "A conflict: several likely existing customers, or the same Idempotency-Key still being processed.",
    "412": "If-Match names an old version: someone changed the record since you read it; nothing was written.",
    "422": "This Idempotency-Key was used with another request.",
    "429": "Too many requests for this token: retry after the Retry-After header's seconds.",
}
BY_METHOD = {
    "get": ("400", "401", "403", "404", "429"),
    "post": ("400", "401", "403", "404", "409", "422", "429"),
    "put": ("400", "401", "403", "404", "409", "412", "429"),
    "patch": ("400", "401", "403", "404", "412", "429"),
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["ApiErrors"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/ApiErrors"}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in BY_METHOD.get(method, ()):
                response = responses.setdefault(code, {"description": DESCRIPTIONS[code]})
                content = response.setdefault("content", {}).setdefault("application/json", {})
                if "schema" not in content:
                    content["schema"] = ref
    return result


from drf_spectacular.extensions import OpenApiAuthenticationExtension  # noqa: E402


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "cdm.api.authentication.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "An API token issued in the admin (or `manage.py api_token`): "
                               "`Authorization: Bearer cdm_…`."}
