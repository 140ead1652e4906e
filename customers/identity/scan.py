"""The batch scan: profiles out of the database into DuckDB, blocked and scored there, candidates written back.

Full mode compares every customer with every other sharing a blocking key (and, when asked or when no model
exists yet, learns the weights first); incremental mode compares the customers whose profile changed since
the last scan with everyone. Pairs decided by a steward (merged, not a duplicate) are never proposed again;
open candidates that no longer score are withdrawn. Clusters are the connected sets of open pairs.
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from customers.identity import duck
from customers.identity.features import PROFILE_FIELDS
from customers.identity.model import KEEP_THRESHOLD, MatchParameters, probability_of_weight, reasons
from customers.identity.profiles import MATCHED_STATUSES, mark_scanned, refresh_stale, unscanned
from customers.identity.store import current_parameters, decided_pairs, labelled_patterns, save_parameters
from customers.models import Customer, DuplicateCandidate, MatchProfile

# Below this many customers the weights are not learned from the data (too few pairs for EM to find the
# matches among them): the defaults, or the last model learned, score.
MIN_TRAINING_CUSTOMERS = 2000


@dataclass
class ScanResult:
    mode: str
    customers: int = 0
    refreshed: int = 0
    pairs_compared: int = 0
    candidates: int = 0
    created: int = 0
    updated: int = 0
    withdrawn: int = 0
    skipped_blocks: dict = field(default_factory=dict)
    trained: bool = False
    seconds: dict = field(default_factory=dict)
    auto_merge: str = ""  # what the automatic merge rules did after the scan (services.automerge)

    def summary(self) -> str:
        text = (f"{self.mode} scan: {self.customers:,} customers, {self.refreshed:,} profiles refreshed, "
                f"{self.pairs_compared:,} pairs compared, {self.candidates:,} candidates "
                f"({self.created:,} new, {self.updated:,} updated, {self.withdrawn:,} withdrawn)")
        return f"{text}; {self.auto_merge}" if self.auto_merge else text


def export_profiles(path: str) -> int:
    """Write the profiles of matched customers (with their team) to a CSV file DuckDB reads."""
    table, customers = MatchProfile._meta.db_table, Customer._meta.db_table
    columns = ", ".join(["p.customer_id AS id", "c.team_id", *(f"p.{f}" for f in PROFILE_FIELDS)])
    statuses = ", ".join(f"'{s}'" for s in MATCHED_STATUSES)
    sql = (f"SELECT {columns} FROM {table} p JOIN {customers} c ON c.id = p.customer_id "
           f"WHERE c.status IN ({statuses})")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with open(path, "wb") as out:
                out.write((",".join(duck.COLUMNS) + "\n").encode())
                with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT CSV, NULL '\\N')") as copy:
                    out.writelines(copy)
            with open(path, "rb") as counted:
                return sum(block.count(b"\n") for block in iter(lambda: counted.read(1 << 20), b"")) - 1
        cursor.execute(sql)
        with open(path, "w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(duck.COLUMNS)
            count = 0
            for row in cursor.fetchall():
                writer.writerow(["\\N" if v is None else v for v in row])
                count += 1
        return count


def scan(*, full: bool = False, retrain: bool = False, threads: int | None = None) -> ScanResult:
    result = ScanResult(mode="full" if full else "incremental")
    started = timezone.now()
    clock = time.perf_counter()
    result.refreshed = len(refresh_stale())
    changed_ids = [] if full else list(unscanned().values_list("customer_id", flat=True))
    result.seconds["profiles"] = time.perf_counter() - clock
    if not full and not changed_ids:
        return result
    con = duck.connect(threads)
    fd, path = tempfile.mkstemp(suffix=".csv")
    os.close(fd)
    try:
        clock = time.perf_counter()
        result.customers = export_profiles(path)
        duck.load_csv(con, path)
        result.seconds["read"] = time.perf_counter() - clock
    finally:
        os.unlink(path)
    clock = time.perf_counter()
    changed = None
    if not full:
        con.execute("CREATE TEMP TABLE changed (id BIGINT)")
        con.executemany("INSERT INTO changed VALUES (?)", [(i,) for i in changed_ids])
        changed = "changed"
    blocked = duck.block(con, changed)
    result.pairs_compared, result.skipped_blocks = blocked["pairs"], blocked["skipped_blocks"]
    result.seconds["block"] = time.perf_counter() - clock
    clock = time.perf_counter()
    params = current_parameters()
    learn = full and (retrain or params.trained_on.get("default")) and result.customers >= MIN_TRAINING_CUSTOMERS
    params = duck.compare(con, params, learn=learn, labels=labelled_patterns() if learn else None)
    if learn:
        save_parameters(params)
        result.trained = True
    result.seconds["levels"] = time.perf_counter() - clock  # and training, when it learns
    clock = time.perf_counter()
    rows = duck.scored(con, params, KEEP_THRESHOLD)
    result.seconds["score"] = time.perf_counter() - clock
    clock = time.perf_counter()
    write_candidates(rows, params, result, touched=None if full else set(changed_ids))
    mark_scanned(None if full else changed_ids, started)
    result.seconds["write"] = time.perf_counter() - clock
    return result


def write_candidates(rows, params: MatchParameters, result: ScanResult, touched: set[int] | None) -> None:
    """Upsert the scored pairs as open candidates; withdraw open candidates no longer found (all of them in a full
    scan, those of `touched` customers in an incremental one); leave decided pairs alone; re-cluster."""
    now = timezone.now()
    decided = decided_pairs()
    found = {}
    for a, b, a_team, b_team, weight, levels, s_given, s_family in rows:
        if (a, b) in decided:
            continue
        found[(a, b)] = DuplicateCandidate(
            customer_a_id=a, customer_b_id=b, score=probability_of_weight(weight), weight=weight, levels=levels,
            reasons=reasons(params, levels, {"given": s_given, "family": s_family}), cluster=a, cross_team=a_team != b_team,
            origin=DuplicateCandidate.Origin.SCAN, scored_at=now)
    result.candidates = len(found)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            result.created, result.updated, result.withdrawn = _write_postgres(list(found.values()), touched)
        else:
            result.created, result.updated, result.withdrawn = _write_orm(found, touched)
        recluster()


def _write_orm(found: dict, touched: set[int] | None) -> tuple[int, int, int]:
    open_rows = DuplicateCandidate.objects.open()
    if touched is not None:
        open_rows = open_rows.filter(Q(customer_a_id__in=touched) | Q(customer_b_id__in=touched))
    existing = {(c.customer_a_id, c.customer_b_id): c for c in open_rows}
    new, changed = [], []
    for key, candidate in found.items():
        old = existing.pop(key, None)
        if old is None:
            new.append(candidate)
            continue
        for f in _SCORED:
            setattr(old, f, getattr(candidate, f))
        changed.append(old)
    # Open pairs the engine no longer proposes (the data changed since), whoever raised them.
    withdrawn = [c.pk for c in existing.values()]
    DuplicateCandidate.objects.filter(pk__in=withdrawn).delete()
    DuplicateCandidate.objects.bulk_create(new, batch_size=1000)
    DuplicateCandidate.objects.bulk_update(changed, list(_SCORED), batch_size=1000)
    return len(new), len(changed), len(withdrawn)


_SCORED = ("score", "weight", "levels", "reasons", "cross_team", "scored_at")


def _write_postgres(candidates: list, touched: set[int] | None) -> tuple[int, int, int]:
    """The same as _write_orm in three statements: the pairs COPYed into a temporary table, open candidates no
    longer found deleted, the rest upserted (a decided pair is left as it is)."""
    return candidates_upsert(candidates, withdraw=True, touched=touched)


def candidates_upsert(candidates: list, *, withdraw: bool = False, touched: set[int] | None = None,
                      origin: str = DuplicateCandidate.Origin.SCAN) -> tuple[int, int, int]:
    """Many candidate pairs at once on PostgreSQL (the scan; an import's batch, `origin` "import"): new pairs
    inserted, open ones rescored, decided ones left alone; with `withdraw`, open pairs (of the `touched`
    customers, or all) not among them deleted. (created, updated, withdrawn)."""
    import json

    table = DuplicateCandidate._meta.db_table
    withdrawn = 0
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS scan_found")  # a scan earlier in the same transaction (tests)
        cursor.execute("CREATE TEMPORARY TABLE scan_found (a bigint, b bigint, score double precision, "
                       "weight double precision, levels jsonb, reasons jsonb, cross_team boolean, "
                       "scored_at timestamptz) ON COMMIT DROP")
        with cursor.copy("COPY scan_found FROM STDIN") as copy:
            for c in candidates:
                copy.write_row((c.customer_a_id, c.customer_b_id, c.score, c.weight, json.dumps(c.levels),
                                json.dumps(c.reasons), c.cross_team, c.scored_at))
        cursor.execute("CREATE INDEX ON scan_found (a, b)")
        scope, params = "", []
        if touched is not None:
            scope, params = " AND (c.customer_a_id = ANY(%s) OR c.customer_b_id = ANY(%s))", [list(touched)] * 2
        if withdraw:
            cursor.execute(f"DELETE FROM {table} c WHERE c.status = 'open'{scope} AND NOT EXISTS "
                           "(SELECT 1 FROM scan_found f WHERE f.a = c.customer_a_id AND f.b = c.customer_b_id)",
                           params)
            withdrawn = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {table} AS c (customer_a_id, customer_b_id, score, weight, levels, reasons, cluster, "
            "cross_team, origin, status, detected_at, scored_at, note) "
            "SELECT a, b, score, weight, levels, reasons, a, cross_team, %s, 'open', now(), scored_at, '' "
            "FROM scan_found ON CONFLICT (customer_a_id, customer_b_id) DO UPDATE SET score = EXCLUDED.score, "
            "weight = EXCLUDED.weight, levels = EXCLUDED.levels, reasons = EXCLUDED.reasons, "
            "cross_team = EXCLUDED.cross_team, scored_at = EXCLUDED.scored_at WHERE c.status = 'open' "
            "RETURNING (xmax = 0)", [str(origin)])
        inserted = [r[0] for r in cursor.fetchall()]
        cursor.execute("DROP TABLE scan_found")
    return sum(inserted), len(inserted) - sum(inserted), withdrawn


def recluster_around(customer_ids) -> None:
    """Re-cluster only the connected sets of open pairs that hold `customer_ids` (after one pair was raised or
    decided): a walk over their pairs, not the whole table (the create form raises pairs at a million)."""
    for start in set(customer_ids):
        seen, frontier = {start}, {start}
        pairs: dict[int, tuple[int, int, int]] = {}
        while frontier:
            rows = DuplicateCandidate.objects.open().filter(
                Q(customer_a_id__in=frontier) | Q(customer_b_id__in=frontier)).values_list(
                "pk", "customer_a_id", "customer_b_id", "cluster")
            frontier = set()
            for pk, a, b, cluster in rows:
                pairs[pk] = (a, b, cluster)
                frontier |= {a, b} - seen
            seen |= frontier
        if pairs:
            root = min(seen)
            wrong = [DuplicateCandidate(pk=pk, cluster=root) for pk, (_a, _b, c) in pairs.items() if c != root]
            DuplicateCandidate.objects.bulk_update(wrong, ["cluster"], batch_size=2000)


def recluster() -> int:
    """cluster = the smallest customer id of each connected set of open pairs (union-find); the clusters."""
    pairs = list(DuplicateCandidate.objects.open().values_list("pk", "customer_a_id", "customer_b_id", "cluster"))
    parent: dict[int, int] = {}

    def root(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for _, a, b, _ in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    wrong = [DuplicateCandidate(pk=pk, cluster=root(a)) for pk, a, _, cluster in pairs if root(a) != cluster]
    DuplicateCandidate.objects.bulk_update(wrong, ["cluster"], batch_size=2000)
    return len({root(a) for _, a, _, _ in pairs})

