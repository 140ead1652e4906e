"""Identity resolution, accuracy: CDM's engine beside Splink 5 on the same labelled rows, in one run.

    .venv/bin/python bench/identity_accuracy.py --records 50000 [--seed 1] [--threads 2]

1. Generates N labelled records (bench/identity_generator.py: people, noisy duplicates, households, twins,
   flatmates, namesakes) and folds them into match profiles (customers.identity.features.profile_values).
2. CDM: the profiles into DuckDB (customers.identity.duck), blocking, training as the scan trains (u from
   random pairs, then EM over the blocked pairs, no steward labels), the pairs scored at MATCH_THRESHOLD.
3. Splink 5 on DuckDB, on the same cleaned values (Splink asks for standardised input): blocking on CDM's
   keys (the same key columns), NameComparison on both names, DateOfBirthComparison, EmailComparison, exact
   phone, national ID and postcode (term frequencies on names and postcode); the prior from deterministic
   rules, u by random sampling, two EM sessions (names; birth date) as its tutorial does; predict at 0.9.
4. Prints precision, recall, F1 and blocking recall (the share of true pairs the candidate pairs hold) for
   both, CDM's misses by noise type and its false matches by kind, and the times.

No database: everything runs in process. Timings are wall-clock on a shared machine (the load average is
printed); the accuracy figures do not depend on it.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import load_average, print_figures
from identity_generator import generate, true_pairs

HARD_KINDS = ("family", "twin", "flatmate", "namesake")
SPLINK_THRESHOLD = 0.9
# The profile fields Splink reads, under the names its documentation uses.
SPLINK_COLUMNS = {"first_name": "given", "surname": "family", "dob": "date_of_birth", "email": "email",
                  "phone": "phone", "national_id": "national_id_index", "postcode": "postcode", "city": "city"}


def profiles_of(rows: list[dict]) -> list[dict]:
    from customers.identity.features import profile_values

    fields = ("given_name", "family_name", "date_of_birth", "email", "phone", "national_id_index", "postal_code",
              "city", "address_line1", "country")
    return [{"id": r["id"], "team_id": r["team_id"], **profile_values(**{f: r[f] for f in fields})} for r in rows]


def run_cdm(profiles: list[dict], threads: int | None) -> dict:
    from customers.identity import duck
    from customers.identity.model import MATCH_THRESHOLD, MatchParameters

    seconds = {}
    clock = time.perf_counter()
    con = duck.connect(threads)
    duck.load_rows(con, profiles)
    seconds["load"] = time.perf_counter() - clock
    clock = time.perf_counter()
    blocked = duck.block(con)
    seconds["block"] = time.perf_counter() - clock
    clock = time.perf_counter()
    # As the scan compares and trains (customers/identity/duck.compare), without stewards' labels.
    params = duck.compare(con, MatchParameters.defaults(), learn=True, min_probability=MATCH_THRESHOLD)
    seconds["train"] = time.perf_counter() - clock  # the levels included
    clock = time.perf_counter()
    rows = duck.scored(con, params, MATCH_THRESHOLD)
    seconds["predict"] = time.perf_counter() - clock
    candidates = set(con.execute("SELECT a, b FROM pairs").fetchall())
    predicted = {(r[0], r[1]) for r in rows}
    levels = {(r[0], r[1]): r[5] for r in rows}
    con.close()
    return {"seconds": seconds, "candidates": candidates, "predicted": predicted, "levels": levels,
            "skipped_blocks": blocked["skipped_blocks"], "params": params, "threshold": MATCH_THRESHOLD}


def run_splink(profiles: list[dict] | None, threads: int | None, csv_path: str | None = None,
               candidates: bool = True) -> dict:
    """Splink 5 on the match profiles (rows, or the scan's CSV export): trained and predicting at 0.9."""
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from customers.identity import duck
    from customers.identity.features import BLOCKING_KEYS

    logging.getLogger("splink").setLevel(logging.WARNING)
    seconds = {}
    clock = time.perf_counter()
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if csv_path:
        duck.load_csv(con, csv_path)
    else:
        duck.load_rows(con, profiles)
    # Splink reads a missing value as NULL ('' would be a value every blank record shares). Its blocking keys
    # are CDM's, with CDM's rule for oversized blocks (duck.MAX_BLOCK): the same candidate pairs for both.
    blocks = []
    for key in BLOCKING_KEYS:
        blocks.append(f"CASE WHEN {key} <> '' AND {key} NOT IN (SELECT {key} FROM profiles WHERE {key} <> '' "
                      f"GROUP BY {key} HAVING count(*) > {duck.MAX_BLOCK}) THEN {key} END AS block_{key}")
    values = ", ".join(f"NULLIF({source}, '') AS {name}" if name != "dob" else f"{source} AS dob"
                       for name, source in SPLINK_COLUMNS.items())
    con.execute(f"CREATE TABLE people AS SELECT id AS unique_id, {values}, {', '.join(blocks)} FROM profiles")
    con.execute("DROP TABLE profiles")
    db_api = DuckDBAPI(connection=con)
    table = db_api.register("people")
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[block_on(f"block_{k}") for k in BLOCKING_KEYS],
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=False),
            cl.EmailComparison("email"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("national_id"),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(table, settings, log_level=logging.WARNING)
    seconds["load"] = time.perf_counter() - clock
    clock = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob"), block_on("email")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=7)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    seconds["train"] = time.perf_counter() - clock
    clock = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=SPLINK_THRESHOLD)
    predicted = {tuple(sorted(r)) for r in con.execute(
        f"SELECT unique_id_l, unique_id_r FROM {predictions.physical_name}").fetchall()}
    seconds["predict"] = time.perf_counter() - clock  # blocking included: Splink blocks inside predict()
    found = _splink_candidates(linker, con) if candidates else set()
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    count = con.execute(f"SELECT count(*) FROM {blocked.physical_name}").fetchone()[0]
    con.close()
    return {"seconds": seconds, "candidates": found, "candidate_count": count, "predicted": predicted}


def _splink_candidates(linker, con) -> set[tuple[int, int]]:
    """The pairs Splink's blocking rules give predict(), as (smaller id, larger id)."""
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    cols = [c[0] for c in con.execute(f"DESCRIBE {blocked.physical_name}").fetchall()]
    left, right = (("unique_id_l", "unique_id_r") if "unique_id_l" in cols else ("join_key_l", "join_key_r"))
    if left == "join_key_l":  # join keys are row numbers of Splink's concatenated input: map them back
        concat = [t for t in con.execute("SHOW TABLES").fetchall() if "concat" in t[0]]
        if concat:
            table = concat[0][0]
            return {tuple(sorted(r)) for r in con.execute(
                f"SELECT x.unique_id, y.unique_id FROM {blocked.physical_name} p JOIN {table} x ON x.join_key = "
                f"p.join_key_l JOIN {table} y ON y.join_key = p.join_key_r").fetchall()}
    return {tuple(sorted(r)) for r in con.execute(f"SELECT {left}, {right} FROM {blocked.physical_name}").fetchall()}


def scores(predicted: set, truth: set) -> dict:
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": len(predicted) - tp, "fn": len(truth) - tp, "precision": precision, "recall": recall,
            "f1": f1}


def pair_noise(a: dict, b: dict) -> list[str]:
    """The noise types that stand between two records of one person (both sides' when both are copies)."""
    noises = {n for r in (a, b) for n in r["noise"].split("+") if n}
    return sorted(noises) or ["none"]


def hard_pairs(rows: list[dict], by_id: dict) -> dict[str, set]:
    """Per hard kind, the pairs of such a record with each record of the person it is related to."""
    records_of: dict[int, list[int]] = {}
    for r in rows:
        records_of.setdefault(r["entity"], []).append(r["id"])
    found = {k: set() for k in HARD_KINDS}
    for r in rows:
        if r["kind"] in HARD_KINDS:
            for other in records_of.get(r["related"], []):
                found[r["kind"]].add((min(r["id"], other), max(r["id"], other)))
    return found


def pair_kind(a: dict, b: dict) -> str:
    kinds = {a["kind"], b["kind"]} & set(HARD_KINDS)
    if kinds and (a["related"] == b["entity"] or b["related"] == a["entity"]):
        return "/".join(sorted(kinds))
    return "unrelated"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads for both (default: all cores)")
    parser.add_argument("--examples", type=int, default=0, help="print this many missed and false pairs of CDM's")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdm.settings")
    os.environ.setdefault("DEBUG", "1")

    clock = time.perf_counter()
    rows = generate(args.records, seed=args.seed)
    generated = time.perf_counter() - clock
    by_id = {r["id"]: r for r in rows}
    truth = true_pairs(rows)
    clock = time.perf_counter()
    profiles = profiles_of(rows)
    profiling = time.perf_counter() - clock

    cdm = run_cdm(profiles, args.threads)
    splink = run_splink(profiles, args.threads)
    results = {"CDM": cdm, "Splink 5": splink}
    for r in results.values():
        r["scores"] = scores(r["predicted"], truth)
        r["blocking_recall"] = len(r["candidates"] & truth) / len(truth)

    def line(label, fn):
        return (label, *(fn(r) for r in results.values()))

    table = [("", *results),
             line("precision", lambda r: f"{r['scores']['precision']:.4f}"),
             line("recall", lambda r: f"{r['scores']['recall']:.4f}"),
             line("F1", lambda r: f"{r['scores']['f1']:.4f}"),
             line("pairs predicted", lambda r: f"{len(r['predicted']):,}"),
             line("true positives", lambda r: f"{r['scores']['tp']:,}"),
             line("false positives", lambda r: f"{r['scores']['fp']:,}"),
             line("false negatives", lambda r: f"{r['scores']['fn']:,}"),
             line("candidate pairs (blocking)", lambda r: f"{len(r['candidates']):,}"),
             line("blocking recall", lambda r: f"{r['blocking_recall']:.4f}"),
             line("seconds: load", lambda r: f"{r['seconds']['load']:.2f}"),
             line("seconds: block", lambda r: f"{r['seconds'].get('block', 0):.2f}" if "block" in r["seconds"]
                  else "in predict"),
             line("seconds: levels and train", lambda r: f"{r['seconds']['train']:.2f}"),
             line("seconds: predict", lambda r: f"{r['seconds']['predict']:.2f}"),
             line("seconds: total", lambda r: f"{sum(r['seconds'].values()):.2f}")]
    table.append(("ratio Splink / CDM, total seconds", "",
                  f"{sum(splink['seconds'].values()) / sum(cdm['seconds'].values()):.1f}x"))
    kinds = Counter(r["kind"] for r in rows)
    print_figures(
        f"Identity resolution on {len(rows):,} labelled records (seed {args.seed}): CDM beside Splink 5, "
        f"threshold {cdm['threshold']} for both",
        table,
        [("machine", f"{os.cpu_count()} cores, load average {load_average()}"),
         ("records", ", ".join(f"{k} {kinds[k]:,}" for k in kinds)),
         ("true pairs", f"{len(truth):,}"),
         ("generation", f"{generated:.1f} s; match profiles {profiling:.1f} s (not in the totals)"),
         ("CDM blocks left out (> MAX_BLOCK)", ", ".join(f"{k} {v}" for k, v in cdm["skipped_blocks"].items() if v)
          or "none"),
         ("CDM's model", f"prior {cdm['params'].prior:.2e}, EM {cdm['params'].trained_on}")])

    # CDM's misses by noise type: per type, the true pairs it stands between and how many were missed.
    total, missed, unblocked = Counter(), Counter(), Counter()
    for a, b in truth:
        for noise in pair_noise(by_id[a], by_id[b]):
            total[noise] += 1
            if (a, b) not in cdm["predicted"]:
                missed[noise] += 1
                if (a, b) not in cdm["candidates"]:
                    unblocked[noise] += 1
    splink_missed = Counter(n for a, b in truth - splink["predicted"] for n in pair_noise(by_id[a], by_id[b]))
    print_figures("True pairs by noise type (a pair counts once under each noise it carries)",
                  [("noise", "true pairs", "CDM missed", "of them not blocked", "CDM recall", "Splink missed",
                    "Splink recall")]
                  + [(n, f"{total[n]:,}", f"{missed[n]:,}", f"{unblocked[n]:,}", f"{1 - missed[n] / total[n]:.3f}",
                      f"{splink_missed[n]:,}", f"{1 - splink_missed[n] / total[n]:.3f}")
                     for n in sorted(total, key=lambda n: -missed[n])])

    # False matches by kind: the hard non-duplicates, and pairs of unrelated people.
    hard = hard_pairs(rows, by_id)
    fp = {name: Counter(pair_kind(by_id[a], by_id[b]) for a, b in r["predicted"] - truth)
          for name, r in results.items()}
    print_figures("False matches by kind (hard pairs: such a record beside each record of the person it is "
                  "related to)",
                  [("kind", "hard pairs", "CDM blocked", "CDM false matches", "Splink false matches")]
                  + [(k, f"{len(hard[k]):,}", f"{len(hard[k] & cdm['candidates']):,}", f"{fp['CDM'][k]:,}",
                      f"{fp['Splink 5'][k]:,}") for k in HARD_KINDS]
                  + [("unrelated", "", "", f"{fp['CDM']['unrelated']:,}", f"{fp['Splink 5']['unrelated']:,}")])

    if args.examples:
        from customers.identity.compare import levels as compare_levels

        profile = {p["id"]: p for p in profiles}
        fields = ("given_name", "family_name", "date_of_birth", "email", "phone", "postal_code", "city",
                  "national_id_index")
        rng = random.Random(args.seed)
        for title, pairs in (("CDM missed", sorted(truth - cdm["predicted"])),
                             ("CDM false matches", sorted(cdm["predicted"] - truth))):
            pairs = rng.sample(pairs, min(len(pairs), args.examples))
            print(title)
            for a, b in pairs[:args.examples]:
                blocked = "blocked" if (a, b) in cdm["candidates"] else "not blocked"
                print(f"  {a}-{b} {by_id[a]['kind']}/{by_id[b]['kind']} {by_id[a]['noise']}/{by_id[b]['noise']} ({blocked}) "
                      f"{compare_levels(profile[a], profile[b])}")
                for x in (by_id[a], by_id[b]):
                    print("     ", " | ".join(str(x[f]) for f in fields))


if __name__ == "__main__":
    main()
