"""The batch side of the engine in DuckDB: blocking, comparison levels, pattern counts and scores over a table
of match profiles, vectorised in DuckDB's engine (a million customers, ten million pairs, in seconds).

The table `profiles` holds one row per customer: id, team_id and the profile fields (features.PROFILE_FIELDS),
with '' for a missing text and NULL for a missing date. Nothing here touches Django: the scan (scan.py) and
the accuracy benchmark (bench/identity_accuracy.py) load the table and call the same functions.
"""

from __future__ import annotations

import csv
import math
import os
import tempfile
from collections import Counter

import duckdb

from customers.identity.compare import COMPARED_FIELDS, COMPARISONS, DIFFERENT, SWAP_SIMILARITY
from customers.identity.features import BLOCKING_KEYS, BLOCKING_RULES, PROFILE_FIELDS
from customers.identity.model import KEEP_THRESHOLD, MatchParameters

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


def load_csv(con, path: str) -> None:
    types = {c: "VARCHAR" for c in COLUMNS} | {"id": "BIGINT", "team_id": "BIGINT", "date_of_birth": "DATE"}
    columns = ", ".join(f"'{c}': '{t}'" for c, t in types.items())
    texts = ", ".join(f"coalesce({c}, '') AS {c}" if types[c] == "VARCHAR" else c for c in COLUMNS)
    con.execute(f"CREATE OR REPLACE TABLE profiles AS SELECT {texts} FROM read_csv('{path}', header = true, "
                f"columns = {{{columns}}}, nullstr = '\\N', quote = '\"', escape = '\"')")


def load_rows(con, rows) -> None:
    """Profiles as dicts (id, team_id, profile fields), through a CSV file: the fast way into DuckDB without
    pandas."""
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(["\\N" if row.get(c) is None else row.get(c) for c in COLUMNS])
        path = f.name
    try:
        load_csv(con, path)
    finally:
        os.unlink(path)


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


def _pair_columns(pairs: str) -> str:
    """a_<field>, b_<field> for each pair, b's names turned round when the two wrote given and family name
    the other way round (compare.swapped_names)."""
    swapped = ("(a.given <> '' AND a.family <> '' AND b.given <> '' AND b.family <> '' AND a.given <> a.family "
               f"AND jaro_winkler_similarity(a.given, b.family) >= {SWAP_SIMILARITY} "
               f"AND jaro_winkler_similarity(a.family, b.given) >= {SWAP_SIMILARITY} "
               f"AND jaro_winkler_similarity(a.given, b.given) < {SWAP_SIMILARITY})")
    cols = [f"a.{f} AS a_{f}" for f in COMPARED_FIELDS]
    for f in COMPARED_FIELDS:
        turned = {"given": "b.family", "family": "b.given", "given_group": "'|' || b.family || '|'",
                  "family_key": "''"}.get(f)
        cols.append(f"CASE WHEN {swapped} THEN {turned} ELSE b.{f} END AS b_{f}" if turned else f"b.{f} AS b_{f}")
    return (f"SELECT p.a, p.b, a.team_id AS a_team, b.team_id AS b_team, {', '.join(cols)} FROM {pairs} p "
            f"JOIN profiles a ON a.id = p.a JOIN profiles b ON b.id = p.b")


def _levels_sql(pairs: str) -> str:
    levels = ", ".join(f"{c.sql()} AS l_{c.name}" for c in COMPARISONS)
    similarities = ("SELECT *, jaro_winkler_similarity(a_given, b_given) AS jw_given, "
                    f"jaro_winkler_similarity(a_family, b_family) AS jw_family FROM ({_pair_columns(pairs)})")
    return (f"SELECT a, b, a_team, b_team, {levels}, jw_given AS s_given, jw_family AS s_family "
            f"FROM ({similarities})")


def materialise_levels(con) -> None:
    """The levels of every blocked pair, once, into table `pair_levels`: training counts their patterns and
    scoring weighs them (computing them twice was a third of a million customers' scan)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE pair_levels AS {_levels_sql('pairs')}")


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
    con.execute(f"SELECT setseed({(seed % 1000) / 1000})")
    con.execute(f"CREATE OR REPLACE TEMP TABLE sample_ids AS SELECT id FROM profiles ORDER BY random() LIMIT {2 * side}")
    con.execute("CREATE OR REPLACE TEMP TABLE random_pairs AS SELECT least(x.id, y.id) AS a, greatest(x.id, y.id) AS b "
                f"FROM (SELECT id FROM sample_ids LIMIT {side}) x, (SELECT id FROM sample_ids OFFSET {side}) y "
                "WHERE x.id <> y.id")
    return patterns(con, "random_pairs")


def train(con, params: MatchParameters, labels=None) -> MatchParameters:
    """The weights learned from the table `profiles` and its blocked `pairs`: u from random pairs, m by EM
    sessions over the blocked pairs, both with the stewards' `labels` (model.em)."""
    from customers.identity.model import em, u_from_random_pairs

    u = u_from_random_pairs(random_pair_patterns(con), labels)
    start = MatchParameters(m=params.m, u=u, prior=params.prior, threshold=params.threshold)
    customers = con.execute("SELECT count(*) FROM profiles").fetchone()[0]
    return em(start, patterns(con), labels, total_pairs=customers * (customers - 1) // 2)


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


__all__ = ["DIFFERENT", "block", "connect", "load_csv", "load_rows", "patterns", "random_pair_patterns", "scored"]
