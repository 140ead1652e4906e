"""Automatic merges: only under a rule an admin made active (none is by default), only for a pair of the same
exact identifier scored at or above the rule's high threshold, and never where a steward should look first.

Held back for a steward (the pair stays open in the review queue; the reason goes to the scan's summary) are pairs whose names or birth dates disagree (one
national ID on two sisters' records is a typo to fix, not a merge), pairs whose current consents differ (a merge
would make one record's consent the other's: Mautic #5495), pairs with a unique conflict to resolve (two
values for one attribute), pairs across teams (unless the rule allows it), households and records that are not
active. The merge is the stewards' merge (customers_merge) by the system, recorded with its rule: undone
like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from cdm.services import audit_record
from cdm.use_cases import use_case
from customers.identity.model import STRONG_GIVEN
from customers.models import AutoMergeRule, Customer, DuplicateCandidate, Merge
from customers.services.merge import build_plan, customers_merge, merge_default_survivor
from customers.services.transactional import catalog_save

# The levels that count as "the same" identifier for a rule.
SAME = {AutoMergeRule.Identifier.NATIONAL_ID: ("exact",), AutoMergeRule.Identifier.EMAIL: ("exact",),
        AutoMergeRule.Identifier.PHONE: ("mobile",)}


@dataclass
class AutoMergeResult:
    merged: list[Merge] = field(default_factory=list)
    held: list[tuple[DuplicateCandidate, str]] = field(default_factory=list)  # (pair, why a steward decides)

    def summary(self) -> str:
        return _("%(merged)d merged automatically, %(held)d held back for a steward") % {
            "merged": len(self.merged), "held": len(self.held)}


def rule_for(candidate: DuplicateCandidate, rules: list[AutoMergeRule]) -> AutoMergeRule | None:
    """The first active rule the pair meets on its score, identifier and teams."""
    for rule in rules:
        if candidate.score >= rule.min_score and candidate.levels.get(rule.identifier) in SAME[rule.identifier] \
                and not (rule.same_team_only and candidate.cross_team):
            return rule
    return None


_FAMILY_AGREES = ("exact", "jw92", "phonetic", "missing")


def disagreement(levels: dict) -> str:
    """What speaks against one person despite the shared identifier ("" when nothing does)."""
    if levels.get("given") not in (*STRONG_GIVEN, "missing") or levels.get("family") not in _FAMILY_AGREES:
        return _("their names disagree")
    if levels.get("dob") in ("near", "different"):
        return _("their birth dates disagree")
    return ""


def _held_reason(survivor: Customer, absorbed: Customer, by) -> str:
    if survivor.status != Customer.Status.ACTIVE or absorbed.status != Customer.Status.ACTIVE:
        return _("one of the records is not active")
    plan = build_plan(survivor, [absorbed], by)
    if plan.consent_differences:
        return _("their consents differ (%(purposes)s)") % {"purposes": ", ".join(plan.consent_differences)}
    if plan.conflicts:
        return _("a conflict to resolve: %(what)s") % {"what": "; ".join(c.description for c in plan.conflicts)}
    return ""


@use_case
def duplicates_auto_merge(*, by) -> AutoMergeResult:
    """Merge the open pairs an active rule covers (see the module docstring); each in its own transaction."""
    result = AutoMergeResult()
    rules = list(AutoMergeRule.objects.filter(active=True).order_by("-min_score", "name"))
    if not rules:
        return result
    floor = min(r.min_score for r in rules)
    for candidate in DuplicateCandidate.objects.open().filter(score__gte=floor).order_by("customer_a_id", "pk"):
        rule = rule_for(candidate, rules)
        if rule is None:
            continue
        with transaction.atomic():
            pair = DuplicateCandidate.objects.select_for_update().filter(
                pk=candidate.pk, status=DuplicateCandidate.Status.OPEN).first()
            if pair is None:  # an earlier merge of this run decided it
                continue
            held = disagreement(pair.levels)
            if held:
                result.held.append((pair, held))
                continue
            records = list(Customer.objects.filter(pk__in=[pair.customer_a_id, pair.customer_b_id]))
            if len(records) < 2:
                continue
            survivor = merge_default_survivor(records)
            absorbed = next(c for c in records if c.pk != survivor.pk)
            held = _held_reason(survivor, absorbed, by)
            if held:
                result.held.append((pair, held))
                continue
            result.merged.append(customers_merge(
                survivor=survivor, absorbed=[absorbed], by=by, rule=rule,
                reason=_("Merged automatically by the rule “%(rule)s”: the same %(identifier)s, score %(score).3f") % {
                    "rule": rule.name, "identifier": rule.get_identifier_display(), "score": pair.score}))
    return result


@use_case
def auto_merge_rule_save(*, instance: AutoMergeRule, by) -> AutoMergeRule:
    """Create or change a rule (the admin); audited, since an active rule merges without a steward."""
    adding = instance._state.adding
    catalog_save(instance=instance, by=by)
    audit_record(by=by, action="automergerule.create" if adding else "automergerule.change", obj=instance,
                 fields=["identifier", "min_score", "same_team_only", "active"],
                 reason=_("active") if instance.active else _("inactive"))
    return instance
