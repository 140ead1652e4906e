"""One restriction call for every read path (pattern: NetBox's RestrictedQuerySet)."""

from django.db import models


def perm_for(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        """Only the rows `user` may `action` (view, change, delete).

        Outside a user's rights a row does not exist for them: callers turn an empty
        result into 404, never 403.
        """
        from cdm import access

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        if not user.has_perm(perm_for(self.model, action)):
            return self.none()
        scope = access.scope_q(user, self.model, action)
        return self if scope is None else self.filter(scope)
