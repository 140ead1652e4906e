"""One restriction call for every read path (pattern: NetBox's RestrictedQuerySet)."""

from django.db import models


def perm_for(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


# (user pk, actions whose customer scope the query that fetched a customer checked): see mark_checked.
_CHECKED = "_cdm_checked"


def mark_checked(customer, user, actions) -> None:
    """Record on `customer`, fetched through Customer.objects.restrict(user, ...), which of the user's
    rights that query checked: of_customer() and checked_actions() then need no second query."""
    setattr(customer, _CHECKED, (user.pk, frozenset(actions)))


def checked_actions(customer, user) -> frozenset | None:
    """The actions `user` was checked for on `customer` by the query that fetched it; None if unknown."""
    checked_user, actions = getattr(customer, _CHECKED, (None, None))
    return actions if user is not None and checked_user == user.pk else None


def _allowed(user, model, action: str) -> bool | None:
    """True: every row; False: no row; None: the row scope decides (access.scope_q)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not user.has_perm(perm_for(model, action)):
        return False
    return None


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        """Only the rows `user` may `action` (view, change, delete).

        Outside a user's rights a row does not exist for them: callers turn an empty
        result into 404, never 403.
        """
        from cdm import access

        allowed = _allowed(user, self.model, action)
        if allowed is not None:
            return self if allowed else self.none()
        scope = access.scope_q(user, self.model, action)
        return self if scope is None else self.filter(scope)

    def with_right(self, user, action: str, name: str):
        """Annotate each row with the boolean `name`: may `user` also `action` it (the rules of restrict).

        Folds a second right into the query that fetches the rows, e.g. "may change" on a page
        fetched for viewing, instead of a query of its own.
        """
        from django.db.models import BooleanField, ExpressionWrapper, Value

        from cdm import access

        allowed = _allowed(user, self.model, action)
        scope = None if allowed is not None else access.scope_q(user, self.model, action)
        if scope is None:
            value = Value(allowed is not False, output_field=BooleanField())
        else:
            value = ExpressionWrapper(scope, output_field=BooleanField())
        return self.annotate(**{name: value})

    def of_customer(self, user, customer, action: str = "view"):
        """Rows hanging off `customer` (models with `restrict_via`) that `user` may `action`.

        When `customer` came from Customer.objects.restrict(user, ...) (customers.selectors.customer_get),
        that query already checked the customer's scope, which is the scope of its rows: only the model
        permission and the field policy remain, and no subquery is repeated. Otherwise, restrict().
        """
        from cdm import access

        via = self.model.restrict_via
        rows = self.filter(**{via: customer})
        # The customer's right that a row's right follows (as in access.scope_q).
        customer_action = "view" if action == "view" else "change"
        if customer_action not in (checked_actions(customer, user) or ()):
            return rows.restrict(user, action)
        allowed = _allowed(user, self.model, action)
        if allowed is False or (allowed is None and not access.can_see_model(user, self.model)):
            return rows.none()
        return rows
