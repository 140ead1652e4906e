"""Identity resolution, the real-time check: latency of customers.identity.realtime over a fixed sample.

    DATABASE_URL=postgres://... .venv/bin/python bench/identity_realtime.py [--sample 300] [--runs 3]

The sample (fixed by --seed): half existing customers with noise applied as bench/identity_generator.py
applies it (a typo in a name, names swapped, day and month swapped, a wrong digit in the birth date, values
left out, the phone written another way, another e-mail provider, a new address), half new people from the
generator. Each record is checked as the new-customer form checks it: realtime.check(user=..., values=...)
(the candidate query, Python scoring, the restricted read of the matches), and matches_for_profile alone on
its profile. In process, after one warm-up pass; per run p50 / p95 / max, and the median of the runs.
Also counts how often the noisy existing customer is among the matches (at KEEP_THRESHOLD and at 0.9).
Read-only: it writes nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import context, plan_settings, print_figures, setup_django

NOISES = ("name_typo", "swap_names", "dob_swap", "dob_typo", "missing", "phone_format", "email_domain", "moved")
FIELDS = ("given_name", "family_name", "date_of_birth", "email", "phone", "country", "postal_code", "city",
          "address_line1")


def sample(size: int, seed: int) -> list[dict]:
    from identity_generator import _Gen, generate

    from customers.identity.profiles import MATCHED_STATUSES
    from customers.models import Customer

    rng = random.Random(seed)
    ids = list(Customer.objects.filter(status__in=MATCHED_STATUSES).order_by("pk").values_list("pk", flat=True))
    chosen = rng.sample(ids, min(size // 2, len(ids)))
    gen = _Gen(seed)
    records = []
    addresses = [(r["address_line1"], r["postal_code"], r["city"]) for r in generate(200, seed=seed + 1)]
    for customer in Customer.objects.filter(pk__in=chosen).order_by("pk").values("pk", *FIELDS):
        values = {f: customer[f] if customer[f] is not None else "" for f in FIELDS}
        values["country"] = str(values["country"] or "")
        values.update(phone_raw=values["phone"], national_id_index="")
        values["date_of_birth"] = customer["date_of_birth"]
        noise = rng.choice([n for n in NOISES if _applies(n, values)])
        if noise == "moved":
            values["address_line1"], values["postal_code"], values["city"] = rng.choice(addresses)
        else:
            pool = SimpleNamespace(providers=("gmail.com", "outlook.com", "proton.me"))
            getattr(gen, "_" + noise)(values, None, pool)
        values["phone"] = values.pop("phone_raw")
        values.pop("national_id_index")
        if values["date_of_birth"]:
            values["date_of_birth"] = values["date_of_birth"].isoformat()
        records.append({"values": values, "customer": customer["pk"], "noise": noise})
    for row in generate(size - len(records), seed=seed + 2):
        values = {f: row[f] for f in FIELDS} | {"phone": row["phone_raw"]}
        values["date_of_birth"] = values["date_of_birth"].isoformat() if values["date_of_birth"] else ""
        records.append({"values": values, "customer": None, "noise": "new person"})
    return records


def _applies(noise: str, values: dict) -> bool:
    dob = values["date_of_birth"]
    if noise == "dob_swap":
        return bool(dob) and dob.day <= 12 and dob.day != dob.month
    if noise == "dob_typo":
        return bool(dob)
    if noise == "phone_format":
        return bool(values["phone"])
    if noise == "email_domain":
        return "@" in (values["email"] or "")
    if noise in ("name_typo", "swap_names"):
        return bool(values["given_name"] and values["family_name"])
    return True


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--user", default="agent", help="the user checking (default: the demo agent)")
    args = parser.parse_args()
    setup_django()

    from django.contrib.auth import get_user_model

    from cdm.access import SYSTEM
    from customers.identity import realtime
    from customers.identity.model import MATCH_THRESHOLD
    from customers.models import Customer

    user = get_user_model().objects.filter(username=args.user).first() or SYSTEM
    records = sample(args.sample, args.seed)
    profiles = [realtime.record_profile(r["values"]) for r in records]
    found = {"keep": 0, "match": 0}
    for record, profile in zip(records, profiles):  # warm-up pass, and what the check finds
        matches = realtime.matches_for_profile(profile)
        realtime.check(user=user, values=record["values"])
        if record["customer"]:
            hit = [m for m in matches if m.customer_id == record["customer"]]
            found["keep"] += bool(hit)
            found["match"] += bool(hit and hit[0].probability >= MATCH_THRESHOLD)

    runs = {"check": [], "matches_for_profile": []}
    for _ in range(args.runs):
        for name, per_run in runs.items():
            times = []
            for record, profile in zip(records, profiles):
                clock = time.perf_counter()
                if name == "check":
                    realtime.check(user=user, values=record["values"])
                else:
                    realtime.matches_for_profile(profile)
                times.append((time.perf_counter() - clock) * 1000)
            per_run.append(times)

    rows = [("ms per record", "p50", "p95", "max", "p95 of each run")]
    for name, per_run in runs.items():
        rows.append((f"realtime.{name}", f"{statistics.median(percentile(t, 50) for t in per_run):.1f}",
                     f"{statistics.median(percentile(t, 95) for t in per_run):.1f}",
                     f"{statistics.median(max(t) for t in per_run):.1f}",
                     " / ".join(f"{percentile(t, 95):.1f}" for t in per_run)))
    existing = sum(1 for r in records if r["customer"])
    settings = plan_settings()
    print_figures(
        f"Real-time duplicate check on {Customer.objects.count():,} customers: {len(records)} records "
        f"({existing} existing customers with noise, {len(records) - existing} new people), median of "
        f"{args.runs} runs",
        rows,
        [*context(),
         ("database size", settings["database_size"]),
         ("checking user", getattr(user, "username", "SYSTEM")),
         ("noisy existing customer among the matches",
          (f"{found['keep']}/{existing} at >= {realtime.KEEP_THRESHOLD}, {found['match']}/{existing} at >= "
           f"{MATCH_THRESHOLD}"))])


if __name__ == "__main__":
    main()
