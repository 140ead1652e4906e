"""Search as you type: names (typos too), numbers, e-mail, phones, external and national IDs."""

from __future__ import annotations

import operator
import re
from functools import reduce
from itertools import product

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import (
    Case,
    CharField,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Col
from django.db.models.lookups import Lookup
from django.db.models.sql.where import WhereNode

from cdm import access
from cdm.crypto import blind_index_candidates
from customers.models import Customer, ExternalIdentity
from customers.normalize import (
    normalize_email,
    normalize_national_id,
    normalize_phone,
    normalize_text,
    search_key,
)

_DIGITS = re.compile(r"\d")
_PHONE_LIKE = re.compile(r"[\d\s()+\-./]+")
_NUMBER_SEPARATORS = re.compile(r"[\s\-./]")

# Search ranks, best first: an identifier typed in full, the start of a name or number, a fragment, a near miss.
RANK_EXACT, RANK_PREFIX, RANK_CONTAINS, RANK_SIMILAR = range(4)
# Near misses (typos, PostgreSQL): corrections per typed word, their least trigram similarity (pg_trgm's
# default threshold), and how many words of a query are corrected.
NEAR_MISS_CORRECTIONS = 4
NEAR_MISS_SIMILARITY = 0.3
NEAR_MISS_MAX_WORDS = 4
NEAR_MISS_MAX_BRANCHES = 16
# Name matches (and e-mail fragments) ranked per search: a name typed alone ("smith") matches thousands of
# customers at a million; the page ranks at most this many of them, taken as the index finds them.
NAME_CANDIDATES = 500
# Near misses are looked for only when the name as typed matches fewer customers than this: the first
# page of results and one more (customers.views.SEARCH_PAGE_SIZE + 1, what PeekPage fetches).
NEAR_MISS_BELOW = 26


# What a caller's name, number or address can take; a longer query searches its start (an agent pasting a
# whole e-mail signature must not cost a query of a thousand conditions).
SEARCH_MAX_WORDS = 8
SEARCH_MAX_LENGTH = 200


def search_query_clean(query) -> str:
    """The query as searched: normalised, at most SEARCH_MAX_WORDS words and SEARCH_MAX_LENGTH characters."""
    words = normalize_text(query)[:SEARCH_MAX_LENGTH].split(" ")
    return " ".join(words[:SEARCH_MAX_WORDS])


def search_query_kind(query) -> str:
    """What the query looks like: "number" (a customer number or its start), "email", "phone" or "name"."""
    query = search_query_clean(query)
    compact = _NUMBER_SEPARATORS.sub("", query)
    if "@" in query:
        return "email"
    if compact.isdigit() and len(compact) <= 9:
        return "number"
    return "phone" if phone_candidates(query) else "name"


def search_query_shortened(query) -> bool:
    return search_query_clean(query) != normalize_text(query)


def customer_search(*, queryset: QuerySet[Customer], user, query: str) -> QuerySet[Customer]:
    """The customers of `queryset` matching a fragment, best first, annotated with `search_rank` (RANK_*).

    Matches the customer number (exact or prefix) and the name (every word contained in the
    accent-free, case-folded `search_name`, so "jose garcia" finds "José García"; on PostgreSQL near
    misses too, so "lovelase" finds "Lovelace": see _near_miss_condition); for roles that may see
    them, the e-mail (exact, prefix or fragment), the phone in any format (E.164 candidates, exact),
    external IDs (exact) and the national ID (through the blind index, exact).

    Every condition can use an index on PostgreSQL (trigram GIN on the spaced name, migration 0008;
    e-mail: 0004 and 0006), which is why external IDs and near-miss words are looked up first (one
    small query each) rather than in subqueries. Near misses rank last, by similarity to the query.

    Name matches are bounded (issue 9, 6): one query takes at most NAME_CANDIDATES customers of
    `queryset` matching the name (or the e-mail fragment), unordered, as the index finds them; only
    those are ranked and sorted. A common name typed alone ("smith": thousands of matches at a
    million customers) therefore costs what a rare one does, and the agent sees a page of the
    best-ranked of those 500 (not necessarily of all the Smiths), paged consistently, with "More
    than 25 customers match: type more to narrow the search"; a few more letters ("smith jo") make
    the matches fewer than the bound and the ranking is over all of them again. Identifiers typed
    in full or as a number's start (customer number, phone, e-mail address, external and national
    IDs) are not bounded: they are always found and ranked first.

    Near misses are looked for only when the name as typed matches fewer than NEAR_MISS_BELOW
    customers (the first page would be short): the candidate query decides, and only then comes the
    lexicon's query; the corrected names (bounded the same way) join the page's query as a subquery.
    So a name search makes the candidate query and the page's (and the external-ID look-up for a
    single word), one more when the name as typed leaves the page short; none grows with the matches.
    """
    query = search_query_clean(query)
    if not query:
        return queryset
    visible = access.visible_groups(user)
    postgres = connections[queryset.db].vendor == "postgresql"
    ranks: dict[int, list[Q]] = {RANK_EXACT: [], RANK_PREFIX: [], RANK_CONTAINS: [], RANK_SIMILAR: []}
    finds: list[Q] = []  # the rows to fetch, all of them (identifiers); `ranks` orders them
    fragments: list[Q] = []  # the rows to fetch up to NAME_CANDIDATES (names, e-mail fragments)

    def match(rank: int, condition: Q, bounded: bool = False) -> None:
        ranks[rank].append(condition)
        (fragments if bounded else finds).append(condition)

    compact = _NUMBER_SEPARATORS.sub("", query)
    numeric = compact.isdigit()
    key = search_key(query)
    name_query = False
    if numeric:
        match(RANK_EXACT, Q(customer_number=compact))
        match(RANK_PREFIX, Q(customer_number__startswith=compact))
    elif key and "@" not in query:  # an e-mail address is no name: matching it as one only adds noise
        name_query = True
        name_ranks = {RANK_PREFIX: _spaced_like(f" {key}")}  # the start of the name or of a later word
        if len(key) >= 3:
            # Shorter fragments match name starts only: "contains" on one or two letters cannot use the
            # trigram index and would scan a team's whole portfolio for a near-random hit list.
            name_ranks[RANK_CONTAINS] = reduce(operator.and_, (_name_has(word) for word in key.split(" ")))
        for rank, condition in name_ranks.items():
            ranks[rank].append(condition)
        # Each name condition holds for every name the one before it holds for: only the widest finds
        # rows (one set of index scans); the others only rank them.
        fragments.append(name_ranks[max(name_ranks)])
    if access.FG.CONTACT in visible:
        email = query.lower()
        if "@" in query:
            match(RANK_EXACT, Q(email=_email_or_none(query) or email))
            match(RANK_PREFIX, Q(email__startswith=email))
        elif len(email) >= 3 and not numeric and " " not in email:
            match(RANK_CONTAINS, Q(email__contains=email), bounded=True)  # "smith": as many as the Smiths
        phones = phone_candidates(query)
        if phones:
            match(RANK_EXACT, Q(phone__in=phones))
    if access.FG.GOVERNANCE in visible and " " not in query:  # other systems' ids have no spaces; names do
        linked = list(ExternalIdentity.objects.filter(external_id=query).values_list("customer_id", flat=True)[:100])
        if linked:
            match(RANK_EXACT, Q(pk__in=linked))
    if access.FG.SENSITIVE in visible and len(compact) >= 4:
        match(RANK_EXACT, Q(national_id_index__in=blind_index_candidates(normalize_national_id(query))))

    if fragments:
        candidates = _candidates(queryset, reduce(operator.or_, fragments))
        short = postgres and name_query and len(candidates) < NEAR_MISS_BELOW  # all the exact matches, then
        near_miss = _near_miss_condition(key, typed_found=True) if short else None
        if near_miss is not None:
            # The corrected names, bounded the same way, found in the page's own query (a subquery).
            ranks[RANK_SIMILAR].append(near_miss)
            wider = near_miss | Q(pk__in=candidates) if candidates else near_miss
            finds.append(Q(pk__in=_candidates_query(queryset, wider)))
        elif candidates:
            finds.append(Q(pk__in=candidates))

    conditions = {rank: reduce(operator.or_, qs) for rank, qs in ranks.items() if qs}
    # Nothing to find: e.g. an e-mail address typed by a role that may not see e-mail addresses, or no name matched.
    if not conditions or not finds:
        return queryset.none()
    qs = queryset.filter(reduce(operator.or_, finds)).annotate(search_rank=Case(
        *(When(condition, then=Value(rank)) for rank, condition in conditions.items()),
        default=Value(RANK_SIMILAR), output_field=IntegerField(),
    ))
    if RANK_SIMILAR in conditions:
        from django.contrib.postgres.search import TrigramWordSimilarity

        qs = qs.annotate(search_similarity=TrigramWordSimilarity(Value(key), "search_name"))
        return qs.order_by("search_rank", "-search_similarity", "family_name", "given_name", "pk")
    return qs.order_by("search_rank", "family_name", "given_name", "pk")


def _candidates(queryset: QuerySet[Customer], condition: Q) -> list[int]:
    """Up to NAME_CANDIDATES pks of `queryset` matching `condition` (see _candidates_query)."""
    return list(_candidates_query(queryset, condition))


def _candidates_query(queryset: QuerySet[Customer], condition: Q) -> QuerySet:
    """Up to NAME_CANDIDATES pks of `queryset` matching `condition`, unordered: as the index finds them.

    The team scope of `queryset` (restrict: `team_id IN (...)`) is checked on the rows the name index
    finds (`team_id + 0`), not ANDed with the team's index: that bitmap has every customer of the
    team (489,778 at a million customers), costs ~30 ms to build, and is what the planner picks.
    """
    qs = queryset.filter(condition).order_by().select_related(None).values_list("pk", flat=True)[:NAME_CANDIDATES]
    qs.query.where = _team_not_indexed(qs.query.where)
    return qs


def _team_not_indexed(node):
    """The WHERE tree `node` with every condition on the customer's team_id written `team_id + 0`."""
    if isinstance(node, WhereNode):
        clone = node.create(connector=node.connector, negated=node.negated)
        clone.children = [_team_not_indexed(child) for child in node.children]
        return clone
    if isinstance(node, Lookup) and isinstance(node.lhs, Col) and node.lhs.target.column == "team_id" \
            and node.lhs.target.model is Customer:
        clone = node.copy()
        clone.lhs = _NotIndexed(node.lhs)
        return clone
    return node


class _NotIndexed(Func):
    """`column + 0`: the same value, which no index on the column answers (the planner filters on it)."""

    template = "(%(expressions)s + 0)"

    def __init__(self, column):
        super().__init__(column, output_field=column.output_field)


def _near_miss_condition(key: str, typed_found: bool = False) -> Q | None:
    """PostgreSQL: names in which every typed word appears, or a known word that looks like it.

    "lovlace" → Lovelace, "jose garsia" → José García. Each word of 3 letters or more is corrected
    against the lexicon of name words (SearchWord, tens of thousands of rows, pg_trgm similarity at
    its default threshold), in one query; customers are then matched on the words, which the
    trigram index on search_name answers from a few posting lists instead of comparing the typed
    text with every name. A word that is neither known nor like a known one ("hose" misheard for
    "jose") is left out as long as a longer word remains. None when nothing would differ from the
    exact conditions. `typed_found`: the caller has the names matching the words as typed already
    (customer_search's candidates), so their own branch is left out (it re-reads the same posting lists).
    """
    from django.contrib.postgres.lookups import TrigramSimilar
    from django.contrib.postgres.search import TrigramSimilarity
    from django.db.models.functions import Greatest

    from customers.models import SearchWord

    words = list(dict.fromkeys(key.split(" ")))[:NEAR_MISS_MAX_WORDS]
    long_words = [w for w in words if len(w) >= 3]
    if not long_words:
        return None
    similarity = {f"s{i}": TrigramSimilarity("word", w) for i, w in enumerate(long_words)}
    best = Greatest(*similarity.values()) if len(similarity) > 1 else next(iter(similarity.values()))
    rows = (SearchWord.objects.filter(reduce(operator.or_, (Q(TrigramSimilar(F("word"), Value(w))) for w in long_words)))
            .annotate(**similarity, best=best).order_by("-best", "word")
            .values("word", *similarity)[: NEAR_MISS_CORRECTIONS * len(long_words)])
    alternatives = {w: {w} for w in words}
    known = set()
    for row in rows:
        for i, typed in enumerate(long_words):
            if typed in row["word"]:
                known.add(typed)  # matched exactly already ("contains")
            elif row[f"s{i}"] >= NEAR_MISS_SIMILARITY and _plausible_typo(typed, row["word"]):
                alternatives[typed].add(row["word"])
    kept = [w for w in words if len(w) < 3 or w in known or len(alternatives[w]) > 1]
    if not any(len(w) >= 3 for w in kept) or (kept == words and all(len(alternatives[w]) == 1 for w in words)):
        return None
    # What each kept word may be in a name, as fragments of the spaced name: the typed word (see
    # _name_has) or a correction, a whole word of some name (as a fragment, "elis" for "ellis" would
    # bring every Elisabeth).
    choices = [[w if len(w) >= 3 else f" {w}", *(f" {c} " for c in sorted(alternatives[w] - {w}))] for w in kept]
    arms = list(product(*choices))
    if len(arms) > NEAR_MISS_MAX_BRANCHES:
        return reduce(operator.and_, (reduce(operator.or_, (_spaced_like(f) for f in c)) for c in choices))
    if typed_found and kept == key.split(" "):
        arms = arms[1:]  # the first is every word as typed: the exact condition (_name_has)
    # One AND per combination of spellings, ORed: each is one scan of the trigram index intersecting
    # its words' posting lists. PostgreSQL would factor a condition found in every arm out of the OR
    # ("thomas he": '% he%') and, misjudging how common it is, read its long posting list alone and
    # thousands of rows; so each arm writes its patterns its own way: '% he%', '% he%%', ... (a run
    # of % means what one does).
    return reduce(operator.or_, (
        reduce(operator.and_, (_spaced_like(f, "%" * (i + 1)) for f in arm)) for i, arm in enumerate(arms)))


def _spaced_like(fragment: str, tail: str = "%") -> Q:
    """The spaced name (see _SpacedName) LIKE '%<fragment><tail>': contains the fragment, escaped."""
    pattern = "%" + connections["default"].ops.prep_for_like_query(fragment) + tail
    return Q(_Like(_SpacedName(F("search_name")), Value(pattern)))


class _Like(Lookup):
    """LIKE with the pattern as given (wildcards included): _spaced_like escapes what it puts in."""

    lookup_name = "like"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]


class _SpacedName(Func):
    """' ' || search_name || ' ': every word of the name between spaces, so one LIKE finds a word's
    start ('% he%'), a whole word ('% elis %') or a fragment. The trigram index of migration 0008
    is built on exactly this expression."""

    template = "(' ' || %(expressions)s || ' ')"
    output_field = CharField()


def _name_has(word: str) -> Q:
    """A typed word in the search name: anywhere from 3 letters on ("ada" in "nadal"); a word of one
    or two letters only where a name's word starts ("thomas he" for Thomas Hendriks). Several of these
    ANDed go into one scan of the trigram index, which intersects their posting lists."""
    return _spaced_like(word if len(word) >= 3 else f" {word}")


def _plausible_typo(typed: str, word: str) -> bool:
    """A known word that could be `typed` with a letter or two wrong, not just some word sharing trigrams."""
    return len(word) >= 4 and abs(len(word) - len(typed)) <= 2


def _email_or_none(value) -> str | None:
    try:
        return normalize_email(value) or None
    except ValidationError:
        return None


def _phone_or_none(value, region: str | None = None) -> str | None:
    """E.164 for something typed as a phone number ("(202) 555-0143", "+1 202-555-0143"), else None."""
    value = normalize_text(value)
    if len(_DIGITS.findall(value)) < 6 or not _PHONE_LIKE.fullmatch(value):
        return None
    try:
        return normalize_phone(value, region) or None
    except ValidationError:
        return None


def phone_candidates(value) -> list[str]:
    """What a phone typed in any form can be, in E.164: the number itself when it has a country code,
    otherwise the valid number of each country in CDM_PHONE_SEARCH_REGIONS ("028 9099 3920" is
    +442890993920 in Britain; the same digits mean nothing valid in most other countries)."""
    from django.conf import settings

    value = normalize_text(value)
    if len(_DIGITS.findall(value)) < 6 or not _PHONE_LIKE.fullmatch(value):
        return []
    if value.startswith("00"):  # the international prefix of most of the world, whatever the default region
        value = "+" + value[2:]
    regions = [settings.CDM_DEFAULT_PHONE_REGION] if value.startswith("+") else [
        settings.CDM_DEFAULT_PHONE_REGION, *settings.CDM_PHONE_SEARCH_REGIONS]
    return sorted({phone for region in dict.fromkeys(regions) if (phone := _phone_or_none(value, region))})
