"""The run: what exists already, the batches still missing, one process or several (fork), moving house."""

from __future__ import annotations

import collections
import itertools
import multiprocessing
import os
import random
import signal
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, connections, transaction

from cdm.access import SYSTEM
from customers.demo.constants import (
    DEMO_SYSTEM,
    MOVED_REASON,
    MOVES_MIN,
    MOVES_PER,
    demo_external_id,
    duplicate_source,
)
from customers.services.customers import customer_numbers_new as customer_numbers
from customers.demo.generator_customers import Generator
from customers.demo.setup import (
    catalog_ensure,
    demo_users_ensure,
    team_agents,
    teams_ensure,
)
from customers.demo.writers import copy_writer, write
from customers.models import Customer, ExternalIdentity
from customers.services import customer_update


@dataclass
class SeedResult:
    requested: int = 0
    created: int = 0
    skipped: int = 0
    duplicates: int = 0
    moved: int = 0
    method: str = ""  # "copy" (PostgreSQL) or "orm" (bulk_create)
    workers: int = 1
    rows: dict = field(default_factory=dict)
    dropped: dict = field(default_factory=dict)
    users: list = field(default_factory=list)
    users_skipped: bool = False

    def add(self, batch_counts: dict, dropped: dict, duplicates: int) -> None:
        for name, value in batch_counts.items():
            self.rows[name] = self.rows.get(name, 0) + value
        for name, value in dropped.items():
            self.dropped[name] = self.dropped.get(name, 0) + value
        self.created += batch_counts.get("customers", 0)
        self.duplicates += duplicates


def default_workers() -> int:
    """Worker processes for the COPY path: one per core, at most 4 (PostgreSQL needs cores too)."""
    return max(1, min(4, os.cpu_count() or 1))


def _existing_demo_indexes(limit: int) -> set[int]:
    existing = set()
    prefix = len(demo_external_id(0)) - 1
    for external_id in (ExternalIdentity.objects.filter(system=DEMO_SYSTEM, external_id__startswith="demo-")
                        .values_list("external_id", flat=True).iterator(chunk_size=20000)):
        tail = external_id[prefix:]
        if tail.isdigit() and int(tail) < limit:
            existing.add(int(tail))
    return existing


def _moves(new: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Which newly created originals move house: one per MOVES_PER, at least MOVES_MIN."""
    originals = [(i, pk) for i, pk in new if duplicate_source(i) is None]
    if not originals:
        return []
    count = min(len(originals), max(MOVES_MIN, len(originals) // MOVES_PER))
    return [originals[k * len(originals) // count] for k in range(count)]


def _move_house(gen: Generator, chosen: list[tuple[int, int]]) -> int:
    """customer_update records old and new address with the agent and the reason."""
    for i, pk in chosen:
        customer = Customer.objects.get(pk=pk)
        address = gen.address(gen.locale(i), random.Random(f"demo-move:{i}"))
        address.pop("country")
        customer_update(customer=customer, by=gen.agents.get(customer.team_id) or SYSTEM, version=customer.version,
                        reason=MOVED_REASON, **address)
    return len(chosen)


# State handed to forked worker processes (set just before the pool forks them). The pool calls
# the module-level functions below by name, so they must stay importable from here.
_WORKER: dict = {}


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    # A forked worker must never speak on a socket it inherited: drop every connection handle
    # without closing it (closing would end the parent's session) so the worker opens its own.
    for conn in connections.all(initialized_only=True):
        conn.connection = None
        conn.in_atomic_block = False
        conn.savepoint_ids = []


def _worker_batch(task):
    number, indexes, numbers = task
    started = time.monotonic()
    gen = _WORKER["gen"]
    batch = gen.batch(indexes)
    ids = write("copy", _WORKER.setdefault("writer", copy_writer()), batch, numbers, 0)
    return (number, indexes, ids, batch.counts(), batch.dropped, batch.duplicates, time.monotonic() - started)


def _worker_moves(chosen):
    return _move_house(_WORKER["gen"], chosen)


def seed(*, customers: int = 5000, batch_size: int = 1000, workers: int | None = None, method: str | None = None,
         log=None) -> SeedResult:
    """Create demo customers 0..customers-1 that do not exist yet, with their rows; see customers.demo.

    method: "copy" (PostgreSQL only; the default there) or "orm" (bulk_create; the default elsewhere).
    workers: processes for the COPY path (default: default_workers()). Inside a transaction (in
    tests, say) everything runs in this process, since workers could not see uncommitted rows.
    """
    log = log or (lambda message: None)
    batch_size = max(1, int(batch_size))
    postgres = connection.vendor == "postgresql"
    method = method or ("copy" if postgres else "orm")
    if method not in ("copy", "orm"):
        raise ValueError(f"Unknown method {method!r}: use 'copy' or 'orm'.")
    if method == "copy" and not postgres:
        raise ValueError("The COPY path needs PostgreSQL.")
    if method == "orm" or connection.in_atomic_block:
        workers = 1
    workers = max(1, int(workers or default_workers()))
    result = SeedResult(requested=customers, method=method, workers=workers)
    teams = teams_ensure()
    products = catalog_ensure()
    if settings.DEBUG:
        result.users = demo_users_ensure()
    else:
        result.users_skipped = True
    gen = Generator(teams=teams, products=products, agents=team_agents(teams))
    existing = _existing_demo_indexes(customers)
    result.skipped = len(existing)
    missing = [i for i in range(customers) if i not in existing]
    batches = [missing[k:k + batch_size] for k in range(0, len(missing), batch_size)]
    if existing:
        log(f"{len(existing)} of the first {customers} demo customers exist already, skipped")
    new: list[tuple[int, int]] = []
    issued: set[str] = set()

    def record(number, indexes, ids, counts, dropped, duplicates, seconds):
        new.extend(zip(indexes, ids))
        result.add(counts, dropped, duplicates)
        log(f"batch {number + 1}/{len(batches)}: created {len(indexes)} customers "
            f"({duplicates} planted duplicates, {sum(counts.values())} rows) in {seconds:.1f} s")

    if workers == 1 or len(batches) <= 1:
        writer = copy_writer() if method == "copy" else None
        for number, indexes in enumerate(batches):
            started = time.monotonic()
            batch = gen.batch(indexes)
            with transaction.atomic():
                ids = write(method, writer, batch, customer_numbers(len(indexes), issued), batch_size)
            record(number, indexes, ids, batch.counts(), batch.dropped, batch.duplicates, time.monotonic() - started)
        result.workers = 1
        result.moved = _move_house(gen, _moves(new))
        return result

    # Several processes: build the pools once here, then fork; each worker has its own connection
    # and commits each batch. This process hands out customer numbers (never one twice) and logs.
    gen.warm()
    _WORKER.clear()
    _WORKER["gen"] = gen
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_worker_init) as pool:
        pending: collections.deque = collections.deque()
        todo = iter(enumerate(batches))
        for number, indexes in itertools.islice(todo, 2 * workers):
            pending.append(pool.apply_async(_worker_batch, ((number, indexes, customer_numbers(len(indexes), issued)),)))
        while pending:
            record(*pending.popleft().get())
            for number, indexes in itertools.islice(todo, 1):
                pending.append(pool.apply_async(_worker_batch, ((number, indexes, customer_numbers(len(indexes), issued)),)))
        chosen = _moves(new)
        result.moved = sum(pool.map(_worker_moves, [chosen[k::workers] for k in range(workers)]))
    _WORKER.clear()
    return result
