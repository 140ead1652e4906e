"""The customers app's REST API (v1): serializers, viewsets and routes under /api/v1/ (cdm.api has the platform)."""
