"""Duplicate candidates: raised by the scan, by a create or edit, by an import; decided by stewards."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cdm.services import audit_record
from cdm.use_cases import use_case
from customers.identity import profiles
from customers.identity.features import profile_of
from customers.identity.realtime import Match, matches_for_profile
from customers.identity.scan import ScanResult, recluster_around, scan
from customers.models import Customer, DuplicateCandidate
from customers.services.automerge import duplicates_auto_merge
from customers.services.base import get_restricted, require_perm

DECIDE_PERM = "customers.change_duplicatecandidate"


def _ordered(x: int, y: int) -> tuple[int, int]:
    return (x, y) if x < y else (y, x)


@use_case
def duplicate_candidate_raise(*, customer: Customer, match: Match, origin: str, by) -> DuplicateCandidate | None:
    """Open (or refresh) the candidate pair of `customer` and a match found on entry or import; a pair a steward
    already decided stays decided. Written for the stewards whoever enters the record: the agent who created
    a customer resembling another team's never sees that customer, the stewards' queue does."""
    a, b = _ordered(customer.pk, match.customer_id)
    existing = DuplicateCandidate.objects.filter(customer_a_id=a, customer_b_id=b).first()
    if existing is not None and existing.status != DuplicateCandidate.Status.OPEN:
        return None
    values = {"score": match.probability, "weight": match.score.weight, "levels": match.score.levels,
              "reasons": match.reasons, "cross_team": customer.team_id != match.team_id, "scored_at": timezone.now()}
    if existing is None:
        existing = DuplicateCandidate.objects.create(customer_a_id=a, customer_b_id=b, cluster=a, origin=origin,
                                                     **values)
    else:
        DuplicateCandidate.objects.filter(pk=existing.pk).update(**values)
    recluster_around([a])
    return existing


@use_case
def customer_matches_raise(*, customer: Customer, origin: str, by) -> list[Match]:
    """After a create or an edit: refresh the customer's match profile and raise every likely match (in any team)
    as a candidate for the stewards. Returns the matches."""
    profiles.refresh_profile(customer)
    profile = profile_of(customer)
    from customers.identity.model import MATCH_THRESHOLD

    found = [m for m in matches_for_profile(profile, exclude=customer.pk) if m.probability >= MATCH_THRESHOLD]
    for match in found:
        duplicate_candidate_raise(customer=customer, match=match, origin=origin, by=by)
    return found


@use_case
def duplicate_candidate_dismiss(*, candidate: DuplicateCandidate, by, note: str = "") -> DuplicateCandidate:
    """Not a duplicate: remembered, so the pair is never proposed again, and a label for the match model."""
    require_perm(by, DECIDE_PERM)
    candidate = get_restricted(DuplicateCandidate, by, "change", lock=True, pk=candidate.pk)
    if candidate.status != DuplicateCandidate.Status.OPEN:
        raise ValidationError(_("This pair was already decided (%(status)s).") % {
            "status": candidate.get_status_display()}, code="decided")
    candidate.status = DuplicateCandidate.Status.DISMISSED
    candidate.decided_at = timezone.now()
    candidate.decided_by = by if getattr(by, "pk", None) else None
    candidate.note = (note or "")[:500]
    candidate.save(update_fields=["status", "decided_at", "decided_by", "note"])
    recluster_around([candidate.customer_a_id, candidate.customer_b_id])
    audit_record(by=by, action="duplicate.dismiss", obj=candidate.customer_a,
                 reason=_("Not the same person as %(number)s") % {
                     "number": Customer.objects.values_list("customer_number", flat=True).get(pk=candidate.customer_b_id)})
    return candidate


@use_case
def duplicate_candidate_skip(*, candidate: DuplicateCandidate, by) -> DuplicateCandidate:
    """Later: the pair stays open and goes to the end of the queue."""
    require_perm(by, DECIDE_PERM)
    candidate = get_restricted(DuplicateCandidate, by, "change", lock=True, pk=candidate.pk)
    candidate.skipped_at = timezone.now()
    candidate.save(update_fields=["skipped_at"])
    return candidate


@use_case(atomic=False)
def duplicates_scan(*, by, full: bool = False, retrain: bool = False) -> ScanResult:
    """The batch scan (customers.identity.scan): the scheduled task, `manage.py scan_duplicates` and the demo;
    then the automatic merge rules, if an admin made any active."""
    result = scan(full=full, retrain=retrain)
    merged = duplicates_auto_merge(by=by)
    if merged.merged or merged.held:
        result.auto_merge = merged.summary()
    return result
