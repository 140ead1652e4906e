"""The stewards' review queue: duplicate candidates, their clusters and what each record holds."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, F, Max, Min, Q

from cdm.access import SENSITIVE_FIELDS
from customers.models import Customer, DuplicateCandidate, ExternalIdentity


def duplicate_candidates(*, user, status: str = DuplicateCandidate.Status.OPEN, min_score: float | None = None,
                         reason: str = "", team=None, origin: str = ""):
    """Candidate pairs `user` may see (both customers within their rights), best first, skipped ones last."""
    rows = DuplicateCandidate.objects.restrict(user, "view").filter(status=status)
    if min_score is not None:
        rows = rows.filter(score__gte=min_score)
    if reason:
        rows = rows.filter(reasons__icontains=reason)
    if team is not None:
        rows = rows.filter(Q(customer_a__team=team) | Q(customer_b__team=team))
    if origin:
        rows = rows.filter(origin=origin)
    return rows.select_related("customer_a", "customer_b", "customer_a__team", "customer_b__team").order_by(
        F("skipped_at").asc(nulls_first=True), "-score", "id")


def duplicate_clusters(*, user, min_score: float | None = None, reason: str = "", team=None, origin: str = ""):
    """Open clusters as (cluster, pairs, best score, customers), best first, skipped ones last."""
    rows = duplicate_candidates(user=user, min_score=min_score, reason=reason, team=team, origin=origin)
    return (rows.order_by().values("cluster").annotate(pairs=Count("id"), best=Max("score"), skipped=Max("skipped_at"),
                                                        first=Min("id"))
            .order_by(F("skipped").asc(nulls_first=True), "-best", "first"))


def duplicate_cluster_pairs(*, user, cluster: int):
    return duplicate_candidates(user=user).filter(cluster=cluster)


def external_ids_by_customer(customer_ids) -> dict[int, list[str]]:
    found = defaultdict(list)
    for customer_id, system, external_id in ExternalIdentity.objects.filter(customer_id__in=customer_ids).order_by(
            "system", "external_id").values_list("customer_id", "system", "external_id"):
        found[customer_id].append(f"{system}:{external_id}")
    return found


def duplicate_candidates_export(*, user, min_score: float):
    """Rows for export_duplicates: one per open pair at or above `min_score`, cluster by cluster."""
    pairs = list(duplicate_candidates(user=user, min_score=min_score).order_by("cluster", "-score", "id"))
    ids = {p.customer_a_id for p in pairs} | {p.customer_b_id for p in pairs}
    external = external_ids_by_customer(ids)
    for p in pairs:
        yield [p.cluster, p.customer_a.customer_number, p.customer_b.customer_number,
               " ".join(external.get(p.customer_a_id, [])), " ".join(external.get(p.customer_b_id, [])),
               f"{p.score:.4f}", "; ".join(p.reasons), "yes" if p.cross_team else "no", p.origin]


def customer_suspected_duplicates(*, customer: Customer, user, limit: int = 5) -> list[Customer]:
    """The customers (within `user`'s rights) an open candidate pairs with `customer`, for the 360° flag."""
    pairs = DuplicateCandidate.objects.open().filter(Q(customer_a=customer) | Q(customer_b=customer)).order_by(
        "-score").values_list("customer_a_id", "customer_b_id")[:20]
    others = [b if a == customer.pk else a for a, b in pairs]
    if not others:
        return []
    found = {c.pk: c for c in Customer.objects.restrict(user, "view").filter(pk__in=others).defer(*SENSITIVE_FIELDS)}
    return [found[pk] for pk in others if pk in found][:limit]


# Rows of a customer that the review shows as counts (internal and derived tables are left out).
_NOT_HOLDINGS = {"customers.matchprofile", "customers.duplicatecandidate", "customers.merge", "customers.phoneverification",
                 "customers.customeruserobjectpermission", "customers.customergroupobjectpermission",
                 "customers.historicalcustomer"}


def customers_holdings(*, user, customers) -> dict[int, list[tuple[str, int]]]:
    """What each record holds: rows per related model the user may see (orders 12, service requests 3, ...)."""
    from cdm import access

    ids = [c.pk for c in customers]
    held = {pk: [] for pk in ids}
    for relation in Customer._meta.related_objects:
        model = relation.related_model
        if not relation.one_to_many or model._meta.label_lower in _NOT_HOLDINGS or model is Customer:
            continue
        if not access.can_see_model(user, model) or not hasattr(model.objects, "restrict"):
            continue
        column = relation.field.name
        counts = dict(model.objects.restrict(user, "view").filter(**{f"{column}__in": ids}).order_by()
                      .values_list(column).annotate(n=Count("pk")).values_list(column, "n"))
        label = str(model._meta.verbose_name_plural)
        for pk in ids:
            if counts.get(pk):
                held[pk].append((label, counts[pk]))
    return held


def cluster_review(*, user, cluster: int) -> dict | None:
    """A cluster as the steward reviews it: its records side by side (fields the user may see, those that differ
    marked), its open pairs with score and reasons, what each record holds (the view adds the other apps'
    summaries, customers.panels.record_summaries). None: no such open cluster within the user's rights."""
    from cdm import access

    pairs = list(duplicate_cluster_pairs(user=user, cluster=cluster))
    if not pairs:
        return None
    ids = sorted({p.customer_a_id for p in pairs} | {p.customer_b_id for p in pairs})
    records = list(Customer.objects.restrict(user, "view").filter(pk__in=ids).select_related("team", "owner")
                   .defer(*SENSITIVE_FIELDS).order_by("created_at", "pk"))
    if len(records) < 2:
        return None
    shown = [f for f in access.customer_fields(user) if f not in SENSITIVE_FIELDS and f not in _NOT_COMPARED]
    rows = []
    for name in shown:
        field = Customer._meta.get_field(name)
        values = [_shown(c, name) for c in records]
        rows.append({"name": name, "label": field.verbose_name, "values": values,
                     "differs": name not in _ALWAYS_DIFFERENT and len({v for v in values if v not in ("", "–")}) > 1})
    holdings = customers_holdings(user=user, customers=records)
    external = external_ids_by_customer(ids)
    return {"cluster": cluster, "pairs": pairs, "records": records, "rows": rows,
            "holdings": [holdings[c.pk] for c in records],
            "external_ids": [external.get(c.pk, []) for c in records], "best": max(p.score for p in pairs)}


# Two records always differ in these: marking them would hide the differences that matter.
_ALWAYS_DIFFERENT = {"customer_number", "created_at", "updated_at", "last_activity_at"}
_NOT_COMPARED = {"address_issues", "version", "merged_into", "search_name", "national_id_index"}


def _shown(customer, name) -> str:
    value = getattr(customer, f"get_{name}_display", lambda: getattr(customer, name))()
    if value in (None, "", {}):
        return "–"
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M" if hasattr(value, "hour") else "%Y-%m-%d")
    return str(value)


def merge_get(*, user, pk: int):
    """A merge the user may see (its survivor within their rights); NotFound otherwise."""
    from cdm.errors import NotFound
    from customers.models import Merge

    found = Merge.objects.restrict(user, "view").select_related("survivor", "by", "undone_by").filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def customer_merges(*, user, customer) -> list:
    """The merges into `customer` the user may see, newest first (the 360° page links them for undo)."""
    from customers.models import Merge

    if not user.has_perm("customers.view_merge"):
        return []
    return list(Merge.objects.restrict(user, "view").filter(survivor=customer).order_by("-at")[:5])
