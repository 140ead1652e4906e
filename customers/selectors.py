"""Reads of customers: every one starts from Customer.objects.restrict()."""

from __future__ import annotations

import operator
import re
from functools import reduce
from itertools import product

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.lookups import GreaterThan, Lookup
from django.http import Http404
from django.shortcuts import get_object_or_404

from cdm import access
from cdm.crypto import blind_index_candidates
from cdm.querysets import checked_actions, mark_checked
from customers.models import UNTRACKED_FIELDS, Customer, ExternalIdentity
from customers.normalize import (
    normalize_country,
    normalize_date_of_birth,
    normalize_email,
    normalize_national_id,
    normalize_phone,
    normalize_text,
    search_key,
    search_name_for,
)

_DIGITS = re.compile(r"\d")
_PHONE_LIKE = re.compile(r"[\d\s()+\-./]+")
_NUMBER_SEPARATORS = re.compile(r"[\s\-./]")


def customer_list(*, user, status: str = Customer.Status.ACTIVE, query: str = "") -> QuerySet[Customer]:
    """Customers the user may see; active ones unless `status` asks for another status or "all".

    With a `query`, only the customers matching it, best match first (see customer_search);
    without, in name order.
    """
    qs = Customer.objects.restrict(user, "view").select_related("team").defer(*SENSITIVE_FIELDS)
    if status != "all":
        qs = qs.filter(status=status if status in Customer.Status.values else Customer.Status.ACTIVE)
    if normalize_text(query):
        return customer_search(queryset=qs, user=user, query=query)
    return qs.order_by("family_name", "given_name", "pk")


def customers_inactive(*, cutoff) -> QuerySet[Customer]:
    """Active customers with no activity, order, service request or edit since `cutoff` (set-based)."""
    from customers.models import Activity, Order, ServiceRequest

    recent = {
        Order: Q(placed_at__gte=cutoff),
        Activity: Q(occurred_at__gte=cutoff),
        ServiceRequest: Q(opened_at__gte=cutoff) | Q(updated_at__gte=cutoff),
    }
    qs = Customer.objects.filter(status=Customer.Status.ACTIVE, created_at__lt=cutoff, updated_at__lt=cutoff).filter(
        Q(last_activity_at__lt=cutoff) | Q(last_activity_at__isnull=True))
    # last_activity_at is derived; the NOT EXISTS checks keep a stale value from archiving a live customer.
    for model, condition in recent.items():
        qs = qs.exclude(Exists(model.objects.filter(condition, customer=OuterRef("pk"))))
    return qs


class CustomerMerged(Http404):
    """The customer was merged into `survivor` (None: the user may not see the survivor).

    A 404 wherever nothing catches it; views wrapped in customers.views.follow_merged redirect instead.
    """

    def __init__(self, customer: Customer, survivor: Customer | None):
        super().__init__("No customer matches the given query.")  # never names the survivor
        self.customer = customer
        self.survivor = survivor


def customer_get(*, user, customer_number: str, action: str = "view", follow_merged: bool = True) -> Customer:
    """One customer by public number; outside the user's rights it does not exist (404).

    A merged customer raises CustomerMerged (a 404 naming the survivor, for follow_merged views to
    redirect); `follow_merged=False` returns it as it is (merge review, undo). The customer carries
    `user_may_change`, folded into the same query.
    """
    customers = Customer.objects.restrict(user, action).select_related("team", "owner")
    if access.FG.SENSITIVE not in access.visible_groups(user):
        customers = customers.defer(*SENSITIVE_FIELDS)  # never decrypted for a user who may not see them
    if action != "change":
        customers = customers.with_right(user, "change", "user_may_change")
    customer = get_object_or_404(customers, customer_number=customer_number)
    if action == "change":
        customer.user_may_change = True
    # The rows hanging off this customer need no second scope check (RestrictedQuerySet.of_customer).
    mark_checked(customer, user, {action, "change"} if customer.user_may_change else {action})
    if follow_merged and customer.status == Customer.Status.MERGED:
        raise CustomerMerged(customer, customer_resolve_merged(user=user, customer=customer))
    return customer


def customer_resolve_merged(*, user, customer: Customer, max_hops: int = 10) -> Customer | None:
    """The customer a merged customer lives on in (following merges of merges), if `user` may see it."""
    visible = Customer.objects.restrict(user, "view").only("pk", "customer_number", "status", "merged_into")
    seen, current = {customer.pk}, customer
    for _hop in range(max_hops):
        if current.status != Customer.Status.MERGED or current.merged_into_id is None:
            break
        current = visible.filter(pk=current.merged_into_id).first()
        if current is None or current.pk in seen:
            return None
        seen.add(current.pk)
    return None if current is customer or current.status == Customer.Status.MERGED else current


# Encrypted at rest and shown only through the audited reveal: lists and history never load them.
SENSITIVE_FIELDS = access.CUSTOMER_FIELDS[access.FG.SENSITIVE]

# Search ranks, best first: an identifier typed in full, the start of a name or number, a fragment, a near miss.
RANK_EXACT, RANK_PREFIX, RANK_CONTAINS, RANK_SIMILAR = range(4)
# Near misses (typos, PostgreSQL): corrections per typed word, their least trigram similarity (pg_trgm's
# default threshold), and how many words of a query are corrected.
NEAR_MISS_CORRECTIONS = 4
NEAR_MISS_SIMILARITY = 0.3
NEAR_MISS_MAX_WORDS = 4
NEAR_MISS_MAX_BRANCHES = 16


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
    """
    query = normalize_text(query)
    if not query:
        return queryset
    visible = access.visible_groups(user)
    postgres = connections[queryset.db].vendor == "postgresql"
    ranks: dict[int, list[Q]] = {RANK_EXACT: [], RANK_PREFIX: [], RANK_CONTAINS: [], RANK_SIMILAR: []}
    finds: list[Q] = []  # the rows to fetch; `ranks` orders them

    def match(rank: int, condition: Q) -> None:
        ranks[rank].append(condition)
        finds.append(condition)

    compact = _NUMBER_SEPARATORS.sub("", query)
    numeric = compact.isdigit()
    key = search_key(query)
    if numeric:
        match(RANK_EXACT, Q(customer_number=compact))
        match(RANK_PREFIX, Q(customer_number__startswith=compact))
    elif key and "@" not in query:  # an e-mail address is no name: matching it as one only adds noise
        name_ranks = {RANK_PREFIX: _spaced_like(f" {key}")}  # the start of the name or of a later word
        if len(key) >= 3:
            # Shorter fragments match name starts only: "contains" on one or two letters cannot use the
            # trigram index and would scan a team's whole portfolio for a near-random hit list.
            name_ranks[RANK_CONTAINS] = reduce(operator.and_, (_name_has(word) for word in key.split(" ")))
        near_miss = _near_miss_condition(key) if postgres else None
        if near_miss is not None:
            name_ranks[RANK_SIMILAR] = near_miss
        for rank, condition in name_ranks.items():
            ranks[rank].append(condition)
        # Each name condition holds for every name the one before it holds for: only the widest finds
        # rows (one set of index scans); the others only rank them.
        finds.append(name_ranks[max(name_ranks)])
    if access.FG.CONTACT in visible:
        email = query.lower()
        if "@" in query:
            match(RANK_EXACT, Q(email=_email_or_none(query) or email))
            match(RANK_PREFIX, Q(email__startswith=email))
        elif len(email) >= 3 and not numeric and " " not in email:
            match(RANK_CONTAINS, Q(email__contains=email))
        phones = _phone_candidates(query)
        if phones:
            match(RANK_EXACT, Q(phone__in=phones))
    if access.FG.GOVERNANCE in visible and " " not in query:  # other systems' ids have no spaces; names do
        linked = list(ExternalIdentity.objects.filter(external_id=query).values_list("customer_id", flat=True)[:100])
        if linked:
            match(RANK_EXACT, Q(pk__in=linked))
    if access.FG.SENSITIVE in visible and len(compact) >= 4:
        match(RANK_EXACT, Q(national_id_index__in=blind_index_candidates(normalize_national_id(query))))

    conditions = {rank: reduce(operator.or_, qs) for rank, qs in ranks.items() if qs}
    if not conditions:  # e.g. an e-mail address typed by a role that may not see e-mail addresses
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


def _near_miss_condition(key: str) -> Q | None:
    """PostgreSQL: names in which every typed word appears, or a known word that looks like it.

    "lovlace" → Lovelace, "jose garsia" → José García. Each word of 3 letters or more is corrected
    against the lexicon of name words (SearchWord, tens of thousands of rows, pg_trgm similarity at
    its default threshold), in one query; customers are then matched on the words, which the
    trigram index on search_name answers from a few posting lists instead of comparing the typed
    text with every name. A word that is neither known nor like a known one ("hose" misheard for
    "jose") is left out as long as a longer word remains. None when nothing would differ from the
    exact conditions.
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


def _phone_candidates(value) -> list[str]:
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


# --- possible duplicates (creating a customer; later: duplicate detection) -------------------

# Trigram similarity of two search names above which, with the same birth date, they look like one person.
DUPLICATE_NAME_SIMILARITY = 0.5


def customer_possible_duplicates(*, user, email: str = "", phone: str = "", given_name: str = "", family_name: str = "",
                                 date_of_birth=None, country: str = "") -> QuerySet[Customer]:
    """Existing customers that may be the person described, most reasons first.

    Matches the same e-mail or the same phone (both normalised as the services store them; the phone's
    region from `country`), the same search name and date of birth, and on PostgreSQL a very similar
    name with the same date of birth. Values that do not normalise are ignored, not errors: this
    runs while the agent is still typing. Merged and erased customers are left out; archived ones
    are kept (restore them rather than create them again). Annotated with the booleans same_email,
    same_phone, same_name_and_birth, similar_name_and_birth and their sum `match_count`.
    `user=None` means the system itself (every customer).
    """
    qs = Customer.objects.all() if user is None else Customer.objects.restrict(user, "view")
    visible = access.FG.ALL if user is None else access.visible_groups(user)
    try:
        region = normalize_country(country) or None
    except ValidationError:
        region = None
    try:
        birth = normalize_date_of_birth(date_of_birth)
    except ValidationError:
        birth = None
    name = search_name_for(given_name, family_name) if normalize_text(family_name) else ""
    reasons: dict[str, Q] = {}
    if access.FG.CONTACT in visible:
        email = _email_or_none(email)
        if email:
            reasons["same_email"] = Q(email=email)
        phone = _phone_or_none(phone, region)
        if phone:
            reasons["same_phone"] = Q(phone=phone)
    if name and birth:
        reasons["same_name_and_birth"] = Q(search_name=name, date_of_birth=birth)
        if connections[qs.db].vendor == "postgresql":
            from django.contrib.postgres.search import TrigramSimilarity

            reasons["similar_name_and_birth"] = Q(date_of_birth=birth) & Q(
                GreaterThan(TrigramSimilarity("search_name", name), DUPLICATE_NAME_SIMILARITY))
    if not reasons:
        return qs.none()
    return (
        qs.exclude(status__in=[Customer.Status.MERGED, Customer.Status.ERASED])
        .filter(reduce(operator.or_, reasons.values()))
        .select_related("team").defer(*SENSITIVE_FIELDS)
        .annotate(**{reason: ExpressionWrapper(condition, output_field=BooleanField())
                     for reason, condition in reasons.items()})
        .annotate(match_count=reduce(operator.add, (
            Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())
            for condition in reasons.values())))
        .order_by("-match_count", "family_name", "given_name", "pk")
    )


def customer_create_teams(*, user):
    """The teams `user` may add customers to: every team for roles that change all customers,
    else the teams where they (or their groups) hold cdm.add_team_customers."""
    from guardian.shortcuts import get_objects_for_user

    from cdm.models import Team

    teams = Team.objects.order_by("name")
    if user is None or not user.is_active or not user.has_perm("customers.add_customer"):
        return teams.none()
    if user.is_superuser or user.has_perm("customers.change_all_customers"):
        return teams
    return get_objects_for_user(user, "cdm.add_team_customers", klass=teams, accept_global_perms=False)


def history_fields(user) -> list[str]:
    """Fields whose old → new values `user` may read in the change history."""
    # Sensitive values never appear in history listings: the audited reveal is their only way out.
    hidden = UNTRACKED_FIELDS | {"version", "national_id_index"} | set(access.CUSTOMER_FIELDS[access.FG.SENSITIVE])
    return [f for f in access.customer_fields(user) if Customer._meta.get_field(f).editable and f not in hidden]


def customer_history(*, customer: Customer, user, limit: int = 50) -> list[dict]:
    """Change history, newest first: who, when, why, and old → new for the fields the user may see."""
    visible = history_fields(user)
    records = list(customer.history.select_related("history_user").defer(*SENSITIVE_FIELDS)
                   .order_by("-history_date", "-history_id")[: limit + 1])
    entries = []
    for newer, older in zip(records, records[1:] + [None]):
        changes = []
        if older is not None:
            delta = newer.diff_against(older, included_fields=visible)
            changes = [
                {"field": Customer._meta.get_field(c.field).verbose_name, "old": c.old, "new": c.new}
                for c in delta.changes
            ]
        entries.append({
            "date": newer.history_date,
            "user": _user_label(newer.history_user),
            "reason": newer.history_change_reason or "",
            "type": newer.get_history_type_display(),
            "changes": changes,
        })
    return entries[:limit]


def _user_label(user) -> str:
    return (user.get_full_name() or user.username) if user else "system"


def customer_stats(*, user) -> dict:
    """Counts for the home page, within the user's rights (one grouped query)."""
    from django.db.models import Count

    rows = Customer.objects.restrict(user, "view").values("status").annotate(n=Count("pk")).order_by()
    by_status = {row["status"]: row["n"] for row in rows}
    unverified = Customer.objects.restrict(user, "view").filter(
        status=Customer.Status.ACTIVE, address_status=Customer.AddressStatus.UNVERIFIED).count()
    return {"active": by_status.get("active", 0), "archived": by_status.get("archived", 0),
            "unverified_addresses": unverified}


# --- the 360° page -------------------------------------------------------------------------

TIMELINE_PAGE_SIZE = 20


def customer_timeline(*, customer: Customer, user, page: int = 1) -> dict:
    """Orders, events, notes, requests and feedback, newest first, as one UNION query.

    Only the kinds the user's role may see take part (agents see no behavioural events,
    marketing no notes, requests or feedback).
    """
    from django.db.models import CharField, F, Value
    from django.db.models.functions import Cast, Concat, Left

    from customers.models import Activity, Feedback, Note, Order, ServiceRequest

    text = CharField()
    # Annotations get an entry_ prefix: "kind" is already a field of several of these models.
    sources = {
        Order: dict(entry_kind=Value("order", text), entry_at=F("placed_at"), entry_title=Concat(
            Value("Order "), "order_number", Value(" · "), Cast("total_amount", text), Value(" "), "currency",
            output_field=text), entry_detail=F("status")),
        Activity: dict(entry_kind=Value("event", text), entry_at=F("occurred_at"), entry_title=F("kind"), entry_detail=F("source")),
        Note: dict(entry_kind=Value("note", text), entry_at=F("created_at"), entry_title=Left("body", 300), entry_detail=Value("", text)),
        ServiceRequest: dict(entry_kind=F("kind"), entry_at=F("opened_at"), entry_title=Concat(
            "reference", Value(" · "), "subject", output_field=text), entry_detail=F("status")),
        Feedback: dict(entry_kind=Value("feedback", text), entry_at=F("received_at"), entry_title=F("comment"),
                       entry_detail=Cast("score", text)),
    }
    parts = [
        model.objects.of_customer(user, customer).annotate(**columns).values("entry_kind", "entry_at", "entry_title", "entry_detail")
        .order_by()  # the models' default ordering is not allowed inside a UNION
        for model, columns in sources.items()
        if access.can_see_model(user, model) and user.has_perm(f"customers.view_{model._meta.model_name}")
    ]
    if not parts:
        return {"entries": [], "page": 1, "has_next": False, "has_previous": False}
    page = max(int(page), 1) if str(page or "").isdigit() else 1
    offset = (page - 1) * TIMELINE_PAGE_SIZE
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    rows = [{key.removeprefix("entry_"): value for key, value in row.items()}
            for row in union.order_by("-entry_at")[offset: offset + TIMELINE_PAGE_SIZE + 1]]
    labels = dict(Activity.Kind.choices)
    for row in rows:
        if row["kind"] == "event":
            row["title"] = labels.get(row["title"], row["title"])
    return {"entries": rows[:TIMELINE_PAGE_SIZE], "page": page, "has_next": len(rows) > TIMELINE_PAGE_SIZE,
            "has_previous": page > 1}


def customer_holdings(*, customer: Customer, user) -> list:
    from customers.models import ProductHolding

    if not access.can_see_model(user, ProductHolding) or not user.has_perm("customers.view_productholding"):
        return []
    return list(ProductHolding.objects.of_customer(user, customer).select_related("product")
                .order_by("status", "-started_on"))


def customer_change_since(*, customer: Customer, version: int) -> dict | None:
    """Who changed the customer after `version` (for the live-record banner), or None."""
    if customer.version <= version:
        return None
    last = customer.history.select_related("history_user").order_by("-history_date", "-history_id").first()
    return {"version": customer.version, "user": _user_label(getattr(last, "history_user", None)),
            "at": getattr(last, "history_date", None), "reason": getattr(last, "history_change_reason", "") or ""}


# --- service desk: requests, notes, feedback ---------------------------------------------------

def service_requests_open(*, user, customer: Customer) -> QuerySet:
    """The customer's open requests and complaints, newest first."""
    from customers.models import ServiceRequest

    return (ServiceRequest.objects.of_customer(user, customer)
            .filter(status__in=ServiceRequest.OPEN_STATUSES)
            .select_related("assignee").order_by("-opened_at", "-pk"))


def service_request_get(*, user, customer: Customer, reference: str, action: str = "view"):
    """One request of `customer` by reference; outside the user's rights it does not exist (404)."""
    from customers.models import ServiceRequest

    return get_object_or_404(ServiceRequest.objects.of_customer(user, customer, action).select_related("customer"),
                             reference=reference)


def service_requests_mine(*, user) -> QuerySet:
    """The user's open requests across their customers, oldest first: assigned to them, or logged by
    them and assigned to no one."""
    from customers.models import ServiceRequest

    return (ServiceRequest.objects.restrict(user, "view")
            .filter(status__in=ServiceRequest.OPEN_STATUSES)
            .filter(Q(assignee=user) | Q(assignee__isnull=True, created_by=user))
            .select_related("customer", "assignee").order_by("opened_at", "pk"))


def service_request_assignees(*, customer: Customer, user) -> QuerySet:
    """Who a request of `customer` can be assigned to: active agents of the customer's team, and the user."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    agents = (User.objects.filter(is_active=True, groups__name=access.CUSTOMER_SERVICE)
              .filter(groups=customer.team.group_id).values("pk"))
    return User.objects.filter(Q(pk__in=agents) | Q(pk=user.pk, is_active=True)).order_by(
        "first_name", "last_name", "username")


def service_request_can_update(*, user, customer: Customer) -> bool:
    """May the user change the status of (and close) this customer's requests?"""
    if not user.has_perm("customers.change_servicerequest"):
        return False
    checked = checked_actions(customer, user)  # customer_get checked "change" with its own query
    if checked is not None:
        return "change" in checked
    return Customer.objects.restrict(user, "change").filter(pk=customer.pk).exists()


def notes_latest(*, user, customer: Customer, limit: int = 20) -> list:
    """The customer's latest notes, pinned ones first."""
    from customers.models import Note

    return list(Note.objects.of_customer(user, customer)
                .select_related("author").order_by("-pinned", "-created_at", "-pk")[:limit])


def feedback_list(*, user, customer: Customer, limit: int = 20) -> list:
    """Feedback the customer gave, newest first, with the request it is about."""
    from customers.models import Feedback

    return list(Feedback.objects.of_customer(user, customer)
                .select_related("service_request").order_by("-received_at", "-pk")[:limit])


def customer_suspected_duplicates(*, customer: Customer, user, limit: int = 5) -> list[Customer]:
    """Other customers (within the user's rights) that look like the same person, for the 360° flag."""
    matches = customer_possible_duplicates(
        user=user, email=customer.email, phone=customer.phone, given_name=customer.given_name,
        family_name=customer.family_name, date_of_birth=customer.date_of_birth, country=str(customer.country or ""))
    return list(matches.exclude(pk=customer.pk)[:limit])
