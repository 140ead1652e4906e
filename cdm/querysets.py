"""One restriction call for every read and write path (pattern: NetBox's RestrictedQuerySet).

`restrict(user, action)` is the gate: the model permission (`app_label.<action>_<model>`) first,
then the rows the user may act on, which each model declares through its queryset's `scope_q()`.
A model that declares no scope is refused (fail closed): it must say whether the model permission
alone decides (GlobalScopeQuerySet) or which rows a user holds (e.g. customers' team portfolios).
"""

from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, Q, Value

ACTIONS = ("view", "add", "change", "delete")
# A filter no row satisfies, without a query of its own.
NO_ROWS = Q(pk__in=[])


def perm_for(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def _allowed(user, model, action: str) -> bool | None:
    """True: every row; False: no row; None: the row scope decides (scope_q)."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}: use one of {', '.join(ACTIONS)}.")
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not user.has_perm(perm_for(model, action)):
        return False
    return None


class RestrictedQuerySet(models.QuerySet):
    def scope_q(self, user, action: str) -> Q | None:
        """The rows `user`, who holds the model permission for `action`, may act on; None: every row.

        Models declare their scope by overriding this. Undeclared, a model shows no row to anyone
        but superusers: forgetting the scope hides data instead of showing all of it.
        """
        return NO_ROWS

    def restrict(self, user, action: str = "view"):
        """Only the rows `user` may `action` (view, add, change, delete).

        "add" on a model whose rows hang off another (a note of a customer) means: the rows whose
        parent the user may add to. Outside a user's rights a row does not exist for them: callers
        turn an empty result into 404, never 403.
        """
        allowed = _allowed(user, self.model, action)
        if allowed is not None:
            return self if allowed else self.none()
        scope = self.scope_q(user, action)
        return self if scope is None else self.filter(scope)

    def with_right(self, user, action: str, name: str):
        """Annotate each row with the boolean `name`: may `user` also `action` it (the rules of restrict).

        Folds a second right into the query that fetches the rows, e.g. "may change" on a page
        fetched for viewing, instead of a query of its own.
        """
        allowed = _allowed(user, self.model, action)
        scope = None if allowed is not None else self.scope_q(user, action)
        if scope is None:
            value = Value(allowed is not False, output_field=BooleanField())
        else:
            value = ExpressionWrapper(scope, output_field=BooleanField())
        return self.annotate(**{name: value})


class GlobalScopeQuerySet(RestrictedQuerySet):
    """Models without row scopes (catalogs, teams, the audit log): the model permission alone decides."""

    def scope_q(self, user, action: str) -> Q | None:
        return None
