"""The match model: Fellegi-Sunter weights per comparison level, learned without labels by EM and improved by
the stewards' decisions, and the scoring of one pair into a probability with reasons a person reads.

For each comparison level, m = P(level | same person) and u = P(level | two people); a pair's match weight
is log2(prior odds) + the sum of log2(m/u) over its levels, its probability 2^w / (1 + 2^w). u is estimated
from random pairs (almost all two people), m and the prior by EM on the blocked pairs (Splink's method,
here on the counts of distinct level patterns, so a million pairs train in milliseconds). A steward's
decision is a labelled pair: merged pairs count towards m, dismissed ones towards u, at full weight.

One rule is not learned: a household is not a person. Family members, flatmates and twins share an
address, a family name, often a landline or an e-mail; when the given names clearly differ, or the birth dates
are a generation apart without a shared e-mail, the pair is never a match unless the national ID is the same
or one person's own identifiers agree (the same mobile number and the e-mail or the birth date): see household().
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from customers.identity.compare import BY_NAME, COMPARISONS, DIFFERENT, MISSING

# The default threshold: a pair at or above it is a duplicate candidate the queue proposes.
MATCH_THRESHOLD = 0.9
# Pairs the scan keeps below the threshold (shown to stewards filtering by score), never proposed by default.
KEEP_THRESHOLD = 0.5
# A household pair's probability is held below this (see the module docstring).
HOUSEHOLD_CAP = 0.2

# Starting values before any data: m and u per level (u of "different" and m of "missing" follow).
_DEFAULTS: dict[str, dict[str, tuple[float, float]]] = {
    "given": {"exact": (0.80, 0.01), "nickname": (0.04, 0.002), "jw92": (0.05, 0.004), "typo": (0.03, 0.001),
              "initial": (0.02, 0.003), "short": (0.02, 0.002), "jw80": (0.03, 0.02), "jw70": (0.02, 0.05), DIFFERENT: (0.04, 0.911)},
    "family": {"exact": (0.85, 0.003), "jw92": (0.06, 0.002), "phonetic": (0.02, 0.002), "jw80": (0.03, 0.02),
               DIFFERENT: (0.04, 0.973)},
    "dob": {"exact": (0.90, 0.0001), "swapped": (0.02, 0.00001), "one_part": (0.05, 0.004), "near": (0.02, 0.27),
            DIFFERENT: (0.01, 0.7259)},
    "email": {"exact": (0.85, 0.00001), "local": (0.05, 0.00001), "typo": (0.05, 0.00001), DIFFERENT: (0.05, 0.99997)},
    "phone": {"mobile": (0.5, 0.000005), "exact": (0.35, 0.000005), "tail": (0.04, 0.00001), "typo": (0.05, 0.0001),
              DIFFERENT: (0.06, 0.99988)},
    "national_id": {"exact": (0.98, 0.000001), DIFFERENT: (0.02, 0.999999)},
    "address": {"exact": (0.6, 0.0005), "street": (0.1, 0.0005), "postcode": (0.1, 0.005), "city": (0.1, 0.05),
                DIFFERENT: (0.1, 0.944)},
}
_DEFAULT_PRIOR = 1e-6  # of two customers drawn at random, how likely one person
_FLOOR = 1e-7


@dataclass
class MatchParameters:
    m: dict[str, dict[str, float]]
    u: dict[str, dict[str, float]]
    prior: float = _DEFAULT_PRIOR
    threshold: float = MATCH_THRESHOLD
    trained_on: dict = field(default_factory=dict)

    @classmethod
    def defaults(cls) -> MatchParameters:
        return cls(m={c: {lv: mu[0] for lv, mu in levels.items()} for c, levels in _DEFAULTS.items()},
                   u={c: {lv: mu[1] for lv, mu in levels.items()} for c, levels in _DEFAULTS.items()})

    @classmethod
    def from_json(cls, data: dict) -> MatchParameters:
        return cls(m=data["m"], u=data["u"], prior=data["prior"], threshold=data.get("threshold", MATCH_THRESHOLD))

    def to_json(self) -> dict:
        return {"m": self.m, "u": self.u, "prior": self.prior, "threshold": self.threshold}

    def level_weight(self, comparison: str, level: str) -> float:
        if level == MISSING:
            return 0.0
        m = max(self.m[comparison].get(level, _FLOOR), _FLOOR)
        u = max(self.u[comparison].get(level, _FLOOR), _FLOOR)
        return math.log2(m / u)

    def prior_weight(self) -> float:
        return math.log2(self.prior / (1 - self.prior))

    def weights(self) -> dict[str, dict[str, float]]:
        return {c.name: {lv: self.level_weight(c.name, lv) for lv in (*[x.name for x in c.levels], DIFFERENT, MISSING)}
                for c in COMPARISONS}


WEAK_GIVEN = ("jw80", "jw70")
# Given names one person writes (the same, a nickname, a short form, a typo): not two siblings.
STRONG_GIVEN = ("exact", "nickname", "jw92", "typo", "short")
# Levels saying both records hold one value (for a phone, either kind of number).
SAME_VALUE = ("exact", "mobile")
_DOB_AGREES = ("exact", "swapped", "one_part")


def household(levels: dict[str, str]) -> bool:
    """A pair of people living together rather than one person (the rule of the module docstring): the given
    names differ (twins share a birth date, often an e-mail; so do twins whose given names are only loosely
    alike, with one family name and one birth date and no shared e-mail), or the birth dates are a generation
    apart and no e-mail is shared (a father and son of one name), or merely differ and so do the given names;
    never when the national ID is the same, nor when one person's own identifiers agree: the same mobile number
    (a household shares a landline, hardly ever a mobile) and the e-mail or the birth date. The price: a
    nickname neither the nicknames dataset nor the short-form rule knows ("Pepe" for José), with no shared
    mobile, is taken for another person."""
    if levels.get("national_id") == "exact":
        return False
    personal = levels.get("phone") == "mobile" and (levels.get("email") == "exact" or levels.get("dob") in _DOB_AGREES)
    if levels.get("given") == DIFFERENT:
        return not personal
    # Twins: one family name, one birth date, given names only loosely alike ("Jakob" and "Dakob").
    if levels.get("given") in WEAK_GIVEN and levels.get("family") == "exact" and levels.get("dob") == "exact" \
            and levels.get("email") != "exact":
        return not personal
    if levels.get("email") == "exact":
        return False
    return levels.get("dob") == DIFFERENT or (levels.get("dob") == "near" and levels.get("given") not in STRONG_GIVEN)


def probability_of_weight(weight: float) -> float:
    if weight > 60:
        return 1.0
    odds = 2.0 ** weight
    return odds / (1 + odds)


@dataclass
class Score:
    probability: float
    weight: float
    levels: dict[str, str]
    reasons: list[str]
    household: bool


def score(params: MatchParameters, levels: dict[str, str], similarities: dict[str, float] | None = None) -> Score:
    weight = params.prior_weight() + sum(params.level_weight(c, lv) for c, lv in levels.items())
    probability = probability_of_weight(weight)
    is_household = household(levels)
    if is_household:
        probability = min(probability, HOUSEHOLD_CAP)
    return Score(probability, weight, levels, reasons(params, levels, similarities, is_household), is_household)


def reasons(params: MatchParameters, levels: dict[str, str], similarities: dict[str, float] | None = None,
            is_household: bool = False) -> list[str]:
    """What a person reads, strongest evidence first: "same phone", "surname 0.93 similar",
    "birth date day and month swapped", "different given name"."""
    found = []
    for name, level in levels.items():
        comparison = BY_NAME[name]
        if level == MISSING:
            continue
        if level == DIFFERENT:
            text = f"different {comparison.label}"
        else:
            text = next(x.text for x in comparison.levels if x.name == level)
            if "{sim}" in text:
                sim = (similarities or {}).get(name)
                text = text.replace("{sim}", f"{sim:.2f}" if sim is not None else "").replace("  ", " ")
        found.append((params.level_weight(name, level), text))
    found.sort(key=lambda x: -x[0])
    texts = [t for _, t in found]
    if is_household:
        texts.append("probably a family member or flatmate: never merged on shared household details")
    return texts


# Training sessions (Splink's method): EM runs on the blocked pairs that agree exactly on a strong identifier,
# mostly one person each, and estimates m only for the other comparisons; each comparison's m is the
# average over the sessions that did not fix it, weighted by their expected matches. On all blocked pairs at
# once EM drifts to the degenerate answer (every pair sharing a name is "one person", and "different e-mail"
# becomes typical of a match); within a session it cannot.
SESSIONS: tuple[dict[str, tuple[str, ...]], ...] = (
    {"email": ("exact",)},
    {"phone": ("mobile", "exact")},
    {"national_id": ("exact",)},
    {"dob": ("exact",), "family": ("exact",)},
    {"given": ("exact", "nickname"), "address": ("exact",)},
)
_EM_START_SHARE = 0.5
# The share of true matches the deterministic rule below finds (Splink's `recall` argument; its examples
# use 0.7-0.8): the prior is the rule's matches divided by it.
RULE_RECALL = 0.8
_CLOSE_NAMES = ("exact", "nickname", "jw92")


def deterministic_match(levels: dict[str, str]) -> bool:
    """Pairs no one would doubt: the same national ID, or the same e-mail or phone with both names close, or
    both names, the birth date and the address the same."""
    names_close = levels["given"] in _CLOSE_NAMES and levels["family"] in (*_CLOSE_NAMES, "phonetic")
    return (levels["national_id"] == "exact"
            or (names_close and (levels["email"] == "exact" or levels["phone"] in SAME_VALUE))
            or (levels["given"] == "exact" and levels["family"] == "exact" and levels["dob"] == "exact"
                and levels["address"] in ("exact", "street")))
_EM_PSEUDO_PAIRS = 50.0  # pulls a session's m towards the defaults where it has few pairs


def _em_session(params: MatchParameters, patterns: Counter, free: list[str], iterations: int, tolerance: float):
    """EM over `patterns` estimating m of the `free` comparisons (and the share of matches); (m, matches)."""
    names = [c.name for c in COMPARISONS]
    defaults = MatchParameters.defaults().m
    m = {c: dict(v) for c, v in params.m.items()}
    share, total = _EM_START_SHARE, sum(patterns.values())
    matches = 0.0
    for _ in range(iterations):
        current = MatchParameters(m=m, u=params.u, prior=share)
        counts = {c: Counter({lv: _EM_PSEUDO_PAIRS * w for lv, w in defaults[c].items()}) for c in free}
        matches = 0.0
        for pattern, n in patterns.items():
            levels = dict(zip(names, pattern))
            p = probability_of_weight(current.prior_weight() + sum(current.level_weight(c, lv) for c, lv in levels.items()))
            matches += p * n
            for c in free:
                counts[c][levels[c]] += p * n
        change = 0.0
        for c in free:
            observed = {lv: k for lv, k in counts[c].items() if lv != MISSING}
            denominator = sum(observed.values())
            new = {lv: max(k / denominator, _FLOOR) for lv, k in observed.items()}
            change = max(change, *(abs(new[lv] - m[c].get(lv, 0)) for lv in new))
            m[c] = new
        share = min(max(matches / total, 1e-6), 0.999)
        if change < tolerance:
            break
    return m, matches


def em(params: MatchParameters, patterns: Counter, labels: Counter | None = None, *, total_pairs: int | None = None,
       blocked_pairs: int | None = None, iterations: int = 25, tolerance: float = 1e-4) -> MatchParameters:
    """m learned by EM sessions (SESSIONS) on counts of level patterns of the blocked pairs (tuples in
    COMPARISONS order), u kept as given (random pairs), the stewards' `labels` ((pattern, is_match) counts)
    added to m at full weight; the prior from deterministic_match over `total_pairs` (n(n-1)/2). `patterns` may
    hold only the pairs of the sessions (which hold every deterministic match), `blocked_pairs` in all."""
    names = [c.name for c in COMPARISONS]
    index = {c: i for i, c in enumerate(names)}
    labels = labels or Counter()
    sums = {c: Counter() for c in names}
    weights = Counter()
    sessions = []
    for rule in SESSIONS:
        subset = Counter({p: n for p, n in patterns.items() if all(p[index[c]] in allowed for c, allowed in rule.items())})
        if sum(subset.values()) < 20:
            continue
        free = [c for c in names if c not in rule]
        m, matches = _em_session(params, subset, free, iterations, tolerance)
        sessions.append({"rule": sorted(rule), "pairs": sum(subset.values()), "matches": round(matches, 1)})
        for c in free:
            for lv, value in m[c].items():
                sums[c][lv] += value * matches
            weights[c] += matches
    learned_m = {}
    for c in names:
        m = {lv: sums[c][lv] / weights[c] for lv in sums[c]} if weights[c] else dict(params.m[c])
        label_counts = Counter()
        for (pattern, is_match), n in labels.items():
            if is_match and pattern[index[c]] != MISSING:
                label_counts[pattern[index[c]]] += n
        if label_counts:
            strength = min(weights[c], 1000.0) or 1.0
            total = strength + sum(label_counts.values())
            m = {lv: (m.get(lv, 0.0) * strength + label_counts[lv]) / total for lv in set(m) | set(label_counts)}
        learned_m[c] = {lv: max(v, _FLOOR) for lv, v in m.items()}
        for lv in params.m[c]:
            learned_m[c].setdefault(lv, _FLOOR)
    # The prior, as Splink estimates it: the blocked pairs a strict rule calls one person, over the rule's
    # assumed recall, among all pairs. (EM on the share itself overshoots: u comes from random pairs, so the
    # agreement that blocking guarantees looks like evidence and namesakes look like matches.)
    total = blocked_pairs or sum(patterns.values())
    matches = sum(n for pattern, n in patterns.items() if deterministic_match(dict(zip(names, pattern)))) / RULE_RECALL
    share = matches / total if total else 0.0
    prior = min(max(matches / total_pairs, 1e-12), 0.01) if total_pairs else params.prior
    learned = MatchParameters(m=learned_m, u=params.u, prior=prior, threshold=params.threshold)
    learned.trained_on = {"patterns": len(patterns), "pairs": total, "labels": sum(labels.values()),
                          "sessions": sessions, "expected_matches": round(matches, 1), "blocked_share": round(share, 4)}
    return learned


def u_from_random_pairs(patterns: Counter, labels: Counter | None = None) -> dict[str, dict[str, float]]:
    """u per level from the level counts of random pairs (and of pairs stewards called two people)."""
    names = [c.name for c in COMPARISONS]
    counts = {c: Counter() for c in names}
    for pattern, n in patterns.items():
        for c, lv in zip(names, pattern):
            counts[c][lv] += n
    for (pattern, is_match), n in (labels or Counter()).items():
        if not is_match:
            for c, lv in zip(names, pattern):
                counts[c][lv] += n
    u = {}
    for comparison in COMPARISONS:
        observed = {lv: k for lv, k in counts[comparison.name].items() if lv != MISSING}
        total = sum(observed.values())
        levels = [x.name for x in comparison.levels] + [DIFFERENT]
        # Laplace smoothing: a level never seen among random pairs is rare, not impossible.
        u[comparison.name] = {lv: (observed.get(lv, 0) + 0.5) / (total + 0.5 * len(levels)) for lv in levels}
    return u
