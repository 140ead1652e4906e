"""Identity resolution, the full scan: CDM's scan beside Splink 5 on the same customers, in one run.

    DATABASE_URL=postgres://... .venv/bin/python bench/identity_scan.py [--threads 2] [--skip-splink]

1. CDM: customers.identity.scan.scan(full=True, retrain=True), as the periodic task runs it: match profiles
   refreshed from the customers, exported from PostgreSQL (COPY) into DuckDB, blocked, compared (every level
   only of the pairs that may be kept, duck.compare), trained, scored, and the duplicate candidates written
   back (and re-clustered). Its own timings per step are printed too.
2. Splink 5 on DuckDB on the same rows: the very CSV export the scan reads (scan.export_profiles, timed as
   Splink's database read), the settings of bench/identity_accuracy.py (CDM's blocking keys, oversized
   blocks left out the same way), trained and predicting at 0.9. Splink writes nothing back.
3. Prints both times, their ratio, the pairs each compared and the blocks left out.

Run it on a database of its own (it writes duplicate candidates and a match model): never a shared one.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import context, print_figures, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads for both (default: all cores)")
    parser.add_argument("--skip-splink", action="store_true")
    args = parser.parse_args()
    setup_django()

    from identity_accuracy import run_splink

    from customers.identity import scan
    from customers.identity.model import MATCH_THRESHOLD
    from customers.models import Customer, DuplicateCandidate

    setting = context()
    customers = Customer.objects.count()
    clock = time.perf_counter()
    result = scan.scan(full=True, retrain=True, threads=args.threads)
    cdm_seconds = time.perf_counter() - clock
    proposed = DuplicateCandidate.objects.open().filter(score__gte=MATCH_THRESHOLD).count()

    splink = None
    if not args.skip_splink:
        fd, path = tempfile.mkstemp(suffix=".csv")
        os.close(fd)
        try:
            clock = time.perf_counter()
            scan.export_profiles(path)
            read = time.perf_counter() - clock
            splink = run_splink(None, args.threads, csv_path=path, candidates=False)
            splink["seconds"] = {"read": read, **splink["seconds"]}
        finally:
            os.unlink(path)

    steps = result.seconds
    rows = [("", "CDM scan", "Splink 5"),
            ("customers scanned", f"{result.customers:,}", f"{result.customers:,}"),
            ("pairs compared", f"{result.pairs_compared:,}", f"{splink['candidate_count']:,}" if splink else "-"),
            ("pairs at >= 0.9", f"{proposed:,}", f"{len(splink['predicted']):,}" if splink else "-"),
            ("seconds: profiles refreshed", f"{steps.get('profiles', 0):.1f}", "-"),
            ("seconds: read (export + load)", f"{steps.get('read', 0):.1f}",
             f"{splink['seconds']['read'] + splink['seconds']['load']:.1f}" if splink else "-"),
            ("seconds: block", f"{steps.get('block', 0):.1f}", "in predict"),
            ("seconds: levels and train", f"{steps.get('levels', 0):.1f}",
             f"{splink['seconds']['train']:.1f} (train)" if splink else "-"),
            ("seconds: score", f"{steps.get('score', 0):.1f}",
             f"{splink['seconds']['predict']:.1f} (levels, predict)" if splink else "-"),
            ("seconds: write candidates", f"{steps.get('write', 0):.1f}", "-"),
            ("seconds: total", f"{cdm_seconds:.1f}", f"{sum(splink['seconds'].values()):.1f}" if splink else "-")]
    if splink:
        rows.append(("ratio Splink / CDM, total seconds", "", f"{sum(splink['seconds'].values()) / cdm_seconds:.2f}x"))
    print_figures(
        f"Full identity scan of {customers:,} customers: CDM's scan (database read and candidate write included) "
        f"beside Splink 5 on the same export", rows,
        [*setting,
         ("CDM", result.summary() + (", model retrained" if result.trained else ", model not retrained")),
         ("blocks left out (> MAX_BLOCK customers share the key)",
          ", ".join(f"{k} {v:,}" for k, v in result.skipped_blocks.items()) or "none"),
         ("threads", str(args.threads or os.cpu_count()))])


if __name__ == "__main__":
    main()
