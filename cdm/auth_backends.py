"""Django's model permissions without their two queries per request."""

from django.contrib.auth.backends import ModelBackend


class RightsBackend(ModelBackend):
    """ModelBackend whose permissions come from the one query that also reads the user's groups and
    object rights (cdm.rights._load_rights), kept on the user object for the request and dropped when
    the rights change (cdm.access.forget_rights)."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        from cdm.rights import _load_rights

        return _load_rights(user_obj)["perms"]
