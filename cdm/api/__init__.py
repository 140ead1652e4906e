"""The REST API's platform layer (apps bring their serializers and viewsets in `<app>/api/`).

- models: API tokens of the integrations (hashed at rest) and stored idempotent results.
- tokens: the services that issue, revoke and check tokens; authentication reads them.
- errors: the one error shape, `{"errors": {field: [{"code", "message"}]}}`, for every failure.
- idempotency, conditional: `Idempotency-Key` on POST, `ETag` / `If-Match` / `If-None-Match`.
- views: the base view every API view of an app derives from (all of the above, throttled per token).
"""
