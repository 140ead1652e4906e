"""The batch side of the engine in DuckDB: blocking, comparison levels, pattern counts and scores over a table
of match profiles, vectorised in DuckDB's engine (a million customers, ten million pairs, in seconds).

The table `profiles` holds one row per customer: id, team_id and the profile fields (features.PROFILE_FIELDS),
with '' for a missing text and NULL for a missing date. Nothing here touches Django: the scan (scan.py) and
the accuracy benchmark (bench/identity_accuracy.py) load the table and call the same functions.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import math
import os
import tempfile
from collections import Counter

import duckdb

from customers.identity.compare import BY_NAME, COMPARED_FIELDS, COMPARISONS, DIFFERENT, SWAP_SIMILARITY
from customers.identity.features import BLOCKING_KEYS, BLOCKING_RULES, PROFILE_FIELDS
from customers.identity.model import KEEP_THRESHOLD, SESSIONS, MatchParameters, household, probability_of_weight

# A blocking key shared by more customers than this says little about who is who ("info@", one postcode
# with a thousand Smiths): its block is left out and counted.
MAX_BLOCK = 200
COLUMNS = ("id", "team_id", *PROFILE_FIELDS)


def connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = false")
    return con


def load_csv(con, path: str, table: str = "profiles", extra: dict[str, str] | None = None) -> None:
    """The CSV file of profiles (COLUMNS, then the `extra` columns: {name: type}) as table `table`."""
    types = ({c: "VARCHAR" for c in COLUMNS} | {"id": "BIGINT", "team_id": "BIGINT", "date_of_birth": "DATE"}
             | (extra or {}))
    columns = ", ".join(f"'{c}': '{t}'" for c, t in types.items())
    texts = ", ".join(f"coalesce({c}, '') AS {c}" if types[c] == "VARCHAR" else c for c in types)
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {texts} FROM read_csv('{path}', header = true, "
                f"columns = {{{columns}}}, nullstr = '\\N', quote = '\"', escape = '\"')")


@contextlib.contextmanager
def _csv_of(rows, extra: dict[str, list] | None = None):
    """A temporary CSV file of profile dicts (COLUMNS, then the `extra` columns' values row by row), removed after."""
    extra = extra or {}
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="") as f:
        writer = csv.writer(f)
        writer.writerow((*COLUMNS, *extra))
        for k, row in enumerate(rows):
            writer.writerow(["\\N" if row.get(c) is None else row.get(c) for c in COLUMNS]
                            + [values[k] for values in extra.values()])
        path = f.name
    try:
        yield path
    finally:
        os.unlink(path)


def load_rows(con, rows) -> None:
    """Profiles as dicts (id, team_id, profile fields), through a CSV file: the fast way into DuckDB without
    pandas."""
    with _csv_of(rows) as path:
        load_csv(con, path)


def block(con, changed: str | None = None) -> dict:
    """Candidate pairs (a < b) sharing a blocking key into table `pairs`; with `changed` (a table of ids),
    only pairs with at least one changed customer. Returns the pairs per key and the blocks left out."""
    selects, skipped = [], {}
    for key in BLOCKING_KEYS:
        con.execute(f"CREATE OR REPLACE TEMP TABLE big_{key} AS SELECT {key} AS k FROM profiles WHERE {key} <> '' "
                    f"GROUP BY {key} HAVING count(*) > {MAX_BLOCK}")
        skipped[key] = con.execute(f"SELECT count(*) FROM big_{key}").fetchone()[0]
    left = f"(SELECT * FROM profiles WHERE id IN (SELECT id FROM {changed}))" if changed else "profiles"
    for key, other in BLOCKING_RULES:
        # x < y suffices within one key; across two columns both orders are needed (and so is a changed x).
        order = "<" if key == other and not changed else "<>"
        crowded = key if key in BLOCKING_KEYS else other
        selects.append(
            f"SELECT least(x.id, y.id) AS a, greatest(x.id, y.id) AS b FROM {left} x JOIN profiles y "
            f"ON x.{key} = y.{other} AND x.id {order} y.id "
            f"WHERE x.{key} <> '' AND x.{key} NOT IN (SELECT k FROM big_{crowded})")
    con.execute("CREATE OR REPLACE TEMP TABLE pairs AS SELECT DISTINCT a, b FROM (" + " UNION ALL ".join(selects) + ")")
    return {"pairs": con.execute("SELECT count(*) FROM pairs").fetchone()[0], "skipped_blocks": skipped}


# Comparisons whose lower levels are costly (edit distances, street tokens: a third of the levels' time at a
# million customers): the first pass over every blocked pair tests only their first levels (the same value) and
# writes UNSETTLED for the others; those are computed for the pairs that may still be kept alone (compare()).
DEFERRED = {"email": 1, "phone": 2, "address": 1}
UNSETTLED = "unsettled"
_LEVELS = ", ".join(f"l_{c.name}" for c in COMPARISONS)


def _swapped_sql() -> str:
    # Nested CASEs, not AND: DuckDB evaluates a CASE's branches only for the rows that reach them, and an AND in
    # a select list in full; the first similarity rules out almost every pair, the other two are seldom needed.
    return ("CASE WHEN a.given = '' OR a.family = '' OR b.given = '' OR b.family = '' OR a.given = a.family THEN false "
            f"WHEN jaro_winkler_similarity(a.given, b.family) < {SWAP_SIMILARITY} THEN false "
            f"WHEN jaro_winkler_similarity(a.family, b.given) < {SWAP_SIMILARITY} THEN false "
            f"ELSE jaro_winkler_similarity(a.given, b.given) < {SWAP_SIMILARITY} END")


def _pair_columns(pairs: str, table: str = "profiles") -> str:
    """a_<field>, b_<field> for each pair, b's names turned round when the two wrote given and family name
    the other way round (compare.swapped_names, tested once per pair)."""
    turned = {"given": "y_family", "family": "y_given", "given_group": "'|' || y_family || '|'", "family_key": "''"}
    cols = ([f"x_{f} AS a_{f}" for f in COMPARED_FIELDS]
            + [f"CASE WHEN swapped THEN {turned[f]} ELSE y_{f} END AS b_{f}" if f in turned else f"y_{f} AS b_{f}"
               for f in COMPARED_FIELDS])
    joined = ", ".join([f"a.{f} AS x_{f}" for f in COMPARED_FIELDS] + [f"b.{f} AS y_{f}" for f in COMPARED_FIELDS])
    return (f"SELECT a, b, a_team, b_team, {', '.join(cols)} FROM (SELECT p.a, p.b, a.team_id AS a_team, "
            f"b.team_id AS b_team, {joined}, {_swapped_sql()} AS swapped FROM {pairs} p "
            f"JOIN {table} a ON a.id = p.a JOIN {table} b ON b.id = p.b)")


def _levels_sql(pairs: str, *, settled_only: bool = False, table: str = "profiles") -> str:
    """The levels l_<comparison> of the pairs of table `pairs` (a, b), with both teams and the names'
    similarities s_given and s_family; with `settled_only`, the DEFERRED comparisons' first levels alone."""
    levels = ", ".join(
        f"{c.sql(DEFERRED[c.name], UNSETTLED) if settled_only and c.name in DEFERRED else c.sql()} AS l_{c.name}"
        for c in COMPARISONS)
    similarities = ("SELECT *, jaro_winkler_similarity(a_given, b_given) AS jw_given, "
                    f"jaro_winkler_similarity(a_family, b_family) AS jw_family FROM ({_pair_columns(pairs, table)})")
    return (f"SELECT a, b, a_team, b_team, {levels}, jw_given AS s_given, jw_family AS s_family "
            f"FROM ({similarities})")


def materialise_levels(con) -> None:
    """Every level of every blocked pair into table `pair_levels` (the accuracy benchmark compares them all;
    the scan, compare(), only the pairs that matter)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE pair_levels AS {_levels_sql('pairs')}")


def _in_session(levels: dict) -> bool:
    return any(all(levels[c] in allowed for c, allowed in rule.items()) for rule in SESSIONS)


def _may_be_kept(params: MatchParameters, levels: dict, min_probability: float) -> bool:
    """Whether some pair with these levels, its UNSETTLED ones any of the levels they stand for, scores at
    least `min_probability` and is no household (what scored() keeps)."""
    options = [[lv] if lv != UNSETTLED else [x.name for x in BY_NAME[c].levels[DEFERRED[c]:]] + [DIFFERENT]
               for c, lv in levels.items()]
    for pattern in itertools.product(*options):
        full = dict(zip(levels, pattern))
        weight = params.prior_weight() + sum(params.level_weight(c, lv) for c, lv in full.items())
        if probability_of_weight(weight) >= min_probability and not household(full):
            return True
    return False


def _add_levels(con, settled: list[tuple], table: str = "profiles") -> None:
    """Every level of the blocked pairs whose first-pass levels are one of `settled`, added to pair_levels."""
    if not settled:
        return
    rows = ", ".join("(" + ", ".join(f"'{lv}'" for lv in pattern) + ")" for pattern in settled)
    con.execute(f"CREATE OR REPLACE TEMP TABLE wanted AS SELECT a, b FROM pair_settled "
                f"JOIN (VALUES {rows}) AS t({_LEVELS}) USING ({_LEVELS})")
    con.execute(f"INSERT INTO pair_levels {_levels_sql('wanted', table=table)}")


def compare(con, params: MatchParameters, *, learn: bool = False, labels=None,
            min_probability: float = KEEP_THRESHOLD, table: str = "profiles") -> MatchParameters:
    """The levels of the blocked pairs that matter into table `pair_levels`, for scored(); returns the
    parameters to score with, learned first from the data (train) with `learn`.

    Two passes: every pair's settled levels (all but the DEFERRED comparisons' costly ones), then every level
    of the pairs whose settled levels can still give a kept pair (_may_be_kept, tried on each distinct
    pattern with the model itself): scored() keeps exactly the pairs it would keep with every level of every
    pair. Training reads the pairs of EM's sessions alone (model.SESSIONS, which test settled levels only):
    their levels are computed first."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE pair_settled AS SELECT a, b, {_LEVELS} FROM "
                f"({_levels_sql('pairs', settled_only=True, table=table)})")
    con.execute(f"CREATE OR REPLACE TEMP TABLE pair_levels AS {_levels_sql('pairs', table=table)} LIMIT 0")
    names = [c.name for c in COMPARISONS]
    settled = [dict(zip(names, r)) for r in con.execute(f"SELECT DISTINCT {_LEVELS} FROM pair_settled").fetchall()]
    done = []
    if learn:
        done = [s for s in settled if _in_session(s)]
        _add_levels(con, [tuple(s.values()) for s in done], table)
        params = train(con, params, labels, blocked_pairs=con.execute("SELECT count(*) FROM pairs").fetchone()[0])
    _add_levels(con, [tuple(s.values()) for s in settled
                      if s not in done and _may_be_kept(params, s, min_probability)], table)
    return params


def _levels_of(con, pairs: str) -> str:
    if pairs == "pairs" and con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'pair_levels'").fetchone()[0]:
        return "pair_levels"
    return f"({_levels_sql(pairs)})"


def patterns(con, pairs: str = "pairs") -> Counter:
    """Counts of level patterns (tuples in COMPARISONS order) over the pairs of table `pairs`."""
    names = ", ".join(f"l_{c.name}" for c in COMPARISONS)
    rows = con.execute(f"SELECT {names}, count(*) FROM {_levels_of(con, pairs)} GROUP BY ALL").fetchall()
    return Counter({tuple(r[:-1]): r[-1] for r in rows})


def random_pair_patterns(con, pairs: int = 1_000_000, seed: int = 7) -> Counter:
    """Level patterns of about `pairs` random pairs (u estimation): two random samples, crossed."""
    side = max(2, int(math.sqrt(pairs)))
    # A hash of the id, not random(): DuckDB's random() on several threads differs from run to run, and so would
    # the weights learned and every figure measured with them.
    con.execute(f"CREATE OR REPLACE TEMP TABLE sample_ids AS SELECT id, row_number() OVER (ORDER BY hash(id, {int(seed)}), "
                f"id) AS n FROM profiles QUALIFY n <= {2 * side}")
    con.execute("CREATE OR REPLACE TEMP TABLE random_pairs AS SELECT least(x.id, y.id) AS a, greatest(x.id, y.id) AS b "
                f"FROM (SELECT id FROM sample_ids WHERE n <= {side}) x, (SELECT id FROM sample_ids WHERE n > {side}) y")
    return patterns(con, "random_pairs")


def train(con, params: MatchParameters, labels=None, blocked_pairs: int | None = None) -> MatchParameters:
    """The weights learned from the table `profiles` and its blocked `pairs` (or their `pair_levels` when
    compare() left only some there, `blocked_pairs` in all): u from random pairs, m by EM sessions over the
    blocked pairs, both with the stewards' `labels` (model.em)."""
    from customers.identity.model import em, u_from_random_pairs

    u = u_from_random_pairs(random_pair_patterns(con), labels)
    start = MatchParameters(m=params.m, u=u, prior=params.prior, threshold=params.threshold)
    customers = con.execute("SELECT count(*) FROM profiles").fetchone()[0]
    return em(start, patterns(con), labels, total_pairs=customers * (customers - 1) // 2, blocked_pairs=blocked_pairs)


def scored(con, params: MatchParameters, min_probability: float = KEEP_THRESHOLD, pairs: str = "pairs") -> list[tuple]:
    """The pairs of `pairs` whose probability is at least `min_probability`, households left out:
    rows (a, b, a_team, b_team, weight, levels dict, given similarity, family similarity).

    A pair's weight and the household rule depend on its level pattern alone, and a million customers' pairs
    have a few thousand patterns: each is scored once by the model (model.score, as the real-time check
    scores), and the pairs of the patterns kept are joined to them."""
    from customers.identity.model import score

    names = [c.name for c in COMPARISONS]
    columns = ", ".join(f"l_{n}" for n in names)
    source = _levels_of(con, pairs)
    kept = []
    for pattern in con.execute(f"SELECT DISTINCT {columns} FROM {source}").fetchall():
        result = score(params, dict(zip(names, pattern)))
        if result.probability >= min_probability and not result.household:
            kept.append("(" + ", ".join(f"'{lv}'" for lv in pattern) + f", {result.weight!r}::DOUBLE)")
    if not kept:
        return []
    con.execute(f"CREATE OR REPLACE TEMP TABLE kept_patterns AS SELECT * FROM (VALUES {', '.join(kept)}) "
                f"AS t({columns}, w)")
    rows = con.execute(
        f"SELECT s.a, s.b, s.a_team, s.b_team, k.w, {', '.join('s.l_' + n for n in names)}, s.s_given, s.s_family "
        f"FROM {source} s JOIN kept_patterns k USING ({columns}) ORDER BY s.a, s.b").fetchall()
    return [(r[0], r[1], r[2], r[3], r[4], dict(zip(names, r[5:5 + len(names)])), r[-2], r[-1]) for r in rows]


# --- incoming records (an import): each compared with the customers and the file's earlier rows ---------------

def incoming_prepare(con) -> None:
    """Let table `profiles` take incoming rows: `ord` is their place in the file (NULL for stored customers); an
    incoming row is compared with the stored customers and the rows before it."""
    con.execute("ALTER TABLE profiles ADD COLUMN IF NOT EXISTS ord BIGINT")


def incoming_add(con, rows, first_ord: int) -> None:
    """Incoming rows (dicts: id, team_id, the profile fields) into `profiles`, numbered in file order from
    `first_ord`; a row with the id of a stored customer (an update) replaces that customer's row."""
    rows = list(rows)
    if not rows:
        return
    with _csv_of(rows, {"ord": range(first_ord, first_ord + len(rows))}) as path:
        load_csv(con, path, "arriving", {"ord": "BIGINT"})
    con.execute("DELETE FROM profiles WHERE id IN (SELECT id FROM arriving)")
    con.execute(f"INSERT INTO profiles ({', '.join(COLUMNS)}, ord) SELECT {', '.join(COLUMNS)}, ord FROM arriving")


def incoming_forget(con, first_ord: int) -> None:
    """Incoming rows from `first_ord` on that were not written after all: out of `profiles`."""
    con.execute(f"DELETE FROM profiles WHERE ord >= {int(first_ord)}")


def block_incoming(con, first_ord: int, *, per_key: int, max_candidates: int) -> int:
    """Pairs (a incoming, b) into table `pairs`: for each incoming row from `first_ord` on, the stored customers
    and earlier incoming rows sharing a blocking key with it, at most `per_key` per key and `max_candidates` in
    all, the strongest keys first: the real-time check's candidates (realtime._candidates), for many rows at
    once; the profiles they name into `pair_profiles` (compare(table="pair_profiles")). Returns the pairs."""
    arms = []
    for rank, (mine, theirs) in enumerate(BLOCKING_RULES):
        arms.append(
            f"SELECT a, b, {rank} AS r FROM (SELECT i.id AS a, p.id AS b, row_number() OVER (PARTITION BY i.id "
            f"ORDER BY p.id) AS n FROM incoming i JOIN profiles p ON p.{theirs} = i.{mine} "
            f"WHERE i.{mine} <> '' AND p.id <> i.id AND (p.ord IS NULL OR p.ord < i.ord)) WHERE n <= {int(per_key)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE incoming AS SELECT * FROM profiles WHERE ord >= {int(first_ord)}")
    con.execute("CREATE OR REPLACE TEMP TABLE pairs AS SELECT a, b FROM (SELECT a, b, min(r) AS r FROM ("
                + " UNION ALL ".join(arms) + ") GROUP BY a, b) "
                f"QUALIFY row_number() OVER (PARTITION BY a ORDER BY r, b) <= {int(max_candidates)}")
    # The rows the pairs name, apart: comparing joins them, not the whole table, twice per pass.
    con.execute("CREATE OR REPLACE TEMP TABLE pair_profiles AS SELECT * FROM profiles WHERE id IN "
                "(SELECT a FROM pairs UNION SELECT b FROM pairs)")
    return con.execute("SELECT count(*) FROM pairs").fetchone()[0]


__all__ = ["DIFFERENT", "block", "connect", "load_csv", "load_rows", "patterns", "random_pair_patterns", "scored"]
