"""Row scopes of customers and of the rows that hang off a customer (the gate's hooks, cdm.querysets)."""

from __future__ import annotations

import operator
from functools import reduce

from django.db.models import Q

from cdm import access
from cdm.querysets import NO_ROWS, RestrictedQuerySet, _allowed

TEAM_RIGHTS = access.TEAM_RIGHTS
CUSTOMER_GRANTS = access.ObjectRights(target="customers.customer", user_model="customers.CustomerUserObjectPermission",
                                      group_model="customers.CustomerGroupObjectPermission",
                                      codename_suffix="_customer")


def customer_scope_q(user, action: str) -> Q | None:
    """The customers `user` may `action`: their teams' portfolios and their per-customer grants;
    None for roles that act on every customer. Adding means adding to a team's portfolio."""
    if action == "add":
        if user.has_perm("customers.change_all_customers"):
            return None
        return Q(team_id__in=access.object_ids(user, TEAM_RIGHTS.target, "add_team_customers"))
    if user.has_perm(f"customers.{action}_all_customers"):
        return None
    actions = (action, "change") if action == "view" else (action,)  # who may change a customer may see it
    return (_in("team_id", user, TEAM_RIGHTS.target, [f"{a}_team_customers" for a in actions])
            | _in("pk", user, CUSTOMER_GRANTS.target, [f"{a}_customer" for a in actions]))


def _in(column: str, user, target: str, codenames: list[str]) -> Q:
    """`column` among the objects on which `user` holds any of `codenames`: one list when they are lists."""
    found = [access.object_ids(user, target, codename) for codename in codenames]
    if all(isinstance(ids, list) for ids in found):
        return Q(**{f"{column}__in": sorted(set().union(*found))})
    return reduce(operator.or_, (Q(**{f"{column}__in": ids}) for ids in found))


def customer_add_teams(user, teams):
    """The teams of `teams` (a Team queryset) that `user` may add customers to: the gate's rule for
    adding, restrict(user, "add") on customers."""
    from customers.models import Customer

    allowed = _allowed(user, Customer, "add")
    if allowed is not None:
        return teams if allowed else teams.none()
    if customer_scope_q(user, "add") is None:
        return teams
    return teams.filter(pk__in=access.object_ids(user, TEAM_RIGHTS.target, "add_team_customers"))


def parent_action(action: str) -> str:
    """The customer's right that a right on one of its rows needs: reading a row needs the customer's
    view right; adding, changing or deleting one needs its change right (a view grant reads, never writes)."""
    return "view" if action == "view" else "change"


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


class CustomerRowQuerySet(RestrictedQuerySet):
    """Rows that hang off a customer (the model names the path in `restrict_via`): they follow the
    customer's scope, and the field policy says whether the user's role reads them at all."""

    def scope_q(self, user, action: str) -> Q | None:
        from customers.models import Customer

        if not access.can_see_model(user, self.model):
            return NO_ROWS
        customers = customer_scope_q(user, parent_action(action))
        if customers is None:
            return None
        return Q(**{f"{self.model.restrict_via}__in": Customer.objects.filter(customers).values("pk")})

    def of_customer(self, user, customer, action: str = "view"):
        """Rows hanging off `customer` that `user` may `action`.

        When `customer` came from Customer.objects.restrict(user, ...) (customers.selectors.customer_get),
        that query already checked the customer's scope, which is the scope of its rows: only the model
        permission and the field policy remain, and no subquery is repeated. Otherwise, restrict().
        """
        rows = self.filter(**{self.model.restrict_via: customer})
        if parent_action(action) not in (checked_actions(customer, user) or ()):
            return rows.restrict(user, action)
        allowed = _allowed(user, self.model, action)
        if allowed is False or (allowed is None and not access.can_see_model(user, self.model)):
            return rows.none()
        return rows
