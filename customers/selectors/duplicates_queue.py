"""The stewards' review queue: duplicate candidates, their clusters and what each record holds."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Max, Min, Q

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
        "skipped_at", "-score", "id")


def duplicate_clusters(*, user, min_score: float | None = None, reason: str = "", team=None, origin: str = ""):
    """Open clusters as (cluster, pairs, best score, customers), best first, skipped ones last."""
    rows = duplicate_candidates(user=user, min_score=min_score, reason=reason, team=team, origin=origin)
    return (rows.order_by().values("cluster").annotate(pairs=Count("id"), best=Max("score"), skipped=Max("skipped_at"),
                                                        first=Min("id"))
            .order_by("skipped", "-best", "first"))


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
