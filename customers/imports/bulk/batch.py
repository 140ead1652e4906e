"""The batch importer and customers_import (see customers.imports.bulk)."""

from __future__ import annotations

import collections
import itertools
import multiprocessing
from collections.abc import Iterable, Iterator

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cdm import access
from cdm.services import audit_record
from cdm.use_cases import use_case
from cdm.webhooks import origin
from customers import services
from customers.bulk_copy import CopyWriter, Table
from customers.identity.features import FEATURES_VERSION, PROFILE_FIELDS, profile_of
from customers.identity.model import probability_of_weight, reasons
from customers.identity.profiles import refresh_profiles
from customers.identity.scan import candidates_upsert, recluster
from customers.imports.bulk.matcher import Matcher
from customers.imports.bulk.prepare import Prepared, _prepare_in_worker, _workers, prepare_rows
from customers.imports.mapping import Mapping
from customers.imports.run import (
    ImportReport,
    PreparedRow,
    customer_import_row_reported,
    import_changes,
    import_reason,
)
from customers.models import Customer, DuplicateCandidate, ExternalIdentity, MatchProfile
from customers.normalize import normalize_text
from customers.services.base import DERIVED_FIELDS, SENSITIVE_FIELDS
from customers.services.customers import MATCHED_FIELDS, customer_changes_apply
from customers.services.sync import Stamp, field_sources_record, sync_priorities
from customers.services.webhooks import customers_event_record

BATCH_SIZE = 10_000
_CUSTOMER_FIELDS = ("customer_number",) + tuple(
    f.attname for f in Customer._meta.concrete_fields if f.attname not in ("id", "customer_number"))
_PROFILE_COLUMNS = ("customer_id", "version", "features", "refreshed_at", *PROFILE_FIELDS)
_TABLES = (
    Table("customers", "customers", Customer, _CUSTOMER_FIELDS, referenced=True),
    Table("identities", "external ids", ExternalIdentity, ("customer_id", "system", "external_id", "created_at"),
          (("customer_id", "customers"),)),
    Table("profiles", "match profiles", MatchProfile, _PROFILE_COLUMNS, (("customer_id", "customers"),)),
)
_LENGTHS = {f.attname: f.max_length for f in Customer._meta.concrete_fields
            if getattr(f, "max_length", None) and f.get_internal_type() == "CharField"}


class _Rows:
    """One batch's new rows for the writer, as tuples in _TABLES order."""

    def __init__(self):
        self.customers, self.identities, self.profiles = [], [], []


class CustomerBatchImport:
    """An import's batches (batch() for each), then finish(): the clusters of the pairs raised, recomputed."""

    def __init__(self, *, mapping: Mapping, source: str, team, by, resolve: bool = True):
        self.mapping, self.source, self.team, self.by, self.resolve = mapping, source, team, by, resolve
        self.priorities = sync_priorities()
        self.seen: set[str] = set()
        self.matcher: Matcher | None = None
        self.raised = 0
        self.postgres = connection.vendor == "postgresql"
        self._settle: dict[int, int] = {}

    def _row_by_row(self, rows: list[tuple[int, dict]], report: ImportReport) -> None:
        for line, values in rows:
            customer_import_row_reported(values=values, line=line, mapping=self.mapping, source=self.source,
                                         team=self.team, resolve=self.resolve, by=self.by, report=report)

    def batch(self, rows: list[tuple[int, dict]], report: ImportReport, ready: Prepared | None = None) -> None:
        """Import `rows` ((line, values by column) pairs) into `report`: in one savepoint, else row by row.
        `ready`: what prepare_rows made of them, if a worker did it (batches())."""
        local = ImportReport(source=self.source)
        self._settle = {}
        try:
            with transaction.atomic(), origin(self.source):
                later = self._batch(rows, local, ready)
        except (DatabaseError, ValidationError, ValueError):
            if self.matcher is not None:
                self.matcher.forget()
            self._row_by_row(rows, report)
            return
        if self.matcher is not None:
            self.matcher.settle(self._settle)
        report.merge(local)
        self._row_by_row(later, report)

    def _batch(self, rows: list[tuple[int, dict]], report: ImportReport, ready=None) -> list[tuple[int, dict]]:
        """The batch's work; returns the rows left for the row path. `ready`: the rows already prepared
        (prepare_rows, by a worker process)."""
        stamp = Stamp.of(self.source)
        later, prepared = [], []
        ready = ready or prepare_rows(rows, self.mapping)
        for line, values, row, profile in ready.rows:
            if row is None:
                report.counts["rows"] += 1
                report.counts["rejected"] += 1
            elif row.external_id in self.seen or any(len(str(v)) > _LENGTHS.get(f, 10 ** 9)
                                                     for f, v in row.data.items()):
                later.append((line, values))
            else:
                self.seen.add(row.external_id)
                row.profile = profile
                prepared.append((row, values))
        links = self._links([row.external_id for row, _values in prepared])
        known, new = [], []
        for row, values in prepared:
            customer = links.get(row.external_id)
            if customer is False:  # merged since: the row path follows the merge
                later.append((row.line, values))
                continue
            report.counts["rows"] += 1
            if customer is not None:
                known.append((row, customer))
            else:
                new.append(row)
        # The row path reports the rows left to it itself (their left-out values included).
        deferred = {line for line, _values in later}
        dropped = [p for p in ready.report.problems if p.line in deferred]
        if dropped:
            ready.report.problems = [p for p in ready.report.problems if p.line not in deferred]
            ready.report.counts["problems"] -= len(dropped)
            ready.report.counts["left_out"] -= len(dropped)
        report.merge(ready.report)
        updated = self._update(known, stamp, report)
        self._create(new, updated, stamp, report)
        return later

    def _links(self, external_ids: list[str]) -> dict:
        """{external id: its live customer (locked), or False when it was merged into another}."""
        found: dict[str, int] = {}
        for k in range(0, len(external_ids), 900):
            found.update(ExternalIdentity.objects.filter(system=self.source, external_id__in=external_ids[k:k + 900])
                         .values_list("external_id", "customer_id"))
        if not found:
            return {}
        # Encrypted fields the file does not hold are not decrypted just to compare (a changed customer is read
        # again whole before it is written: _update).
        rows = Customer.objects.defer(*(SENSITIVE_FIELDS - set(self.mapping.fields.values())))
        rows = rows.select_for_update() if self.postgres else rows
        customers = {}
        ids = list(found.values())
        for k in range(0, len(ids), 900):
            customers.update(rows.in_bulk(ids[k:k + 900]))
        return {x: (False if customers[pk].status == Customer.Status.MERGED else customers[pk])
                for x, pk in found.items() if pk in customers}

    def _update(self, known: list[tuple[PreparedRow, Customer]], stamp: Stamp, report: ImportReport) -> list:
        """The known customers the rows change, changed (one history row each): [(customer, fields changed)]."""
        changes_of, fields = {}, set()
        for row, customer in known:
            changes = import_changes(customer, row, stamp, self.priorities)
            if changes:
                changes_of[customer.pk] = changes
            else:
                report.counts["unchanged"] += 1
        whole = Customer.objects.in_bulk(list(changes_of)) if changes_of else {}
        updated = []
        for pk, changes in changes_of.items():
            customer = whole[pk]
            changed = customer_changes_apply(customer, changes, stamp)
            if not changed:
                report.counts["unchanged"] += 1
                continue
            fields |= set(changed) | {"field_sources", "email_verified_at", "phone_verified_at"}
            updated.append((customer, changed))
            report.counts["updated"] += 1
        if not updated:
            return []
        customers = [c for c, _changed in updated]
        now = timezone.now()
        for customer in customers:
            customer.updated_at = now
        services.customer_bulk_update(customers=customers, fields=sorted(fields | {"updated_at"}), by=self.by,
                                      reason=import_reason(self.source))
        refresh_profiles(customers)
        customers_event_record("customer.updated", customers)
        for customer, changed in updated:
            if SENSITIVE_FIELDS & set(changed):
                audit_record(by=self.by, action="customer.update", obj=customer, fields=SENSITIVE_FIELDS & set(changed),
                             reason=import_reason(self.source))
        return updated

    def _create(self, new: list[PreparedRow], updated: list, stamp: Stamp, report: ImportReport) -> None:
        now = timezone.now()
        numbers = services.customer_numbers_new(len(new))
        customers = []
        for row, number in zip(new, numbers):
            customer = Customer(team=self.team, source=Customer.Source.IMPORT, customer_number=number,
                                created_at=now, updated_at=now, **row.data)
            if row.profile is not None:
                customer._match_profile = row.profile
            field_sources_record(customer, [f for f, v in row.data.items() if v not in (None, "")
                                            and f not in DERIVED_FIELDS], stamp)
            customers.append(customer)
        matches = self._matches(customers, updated)
        ids = self._write(customers, new, now)
        for customer, pk in zip(customers, ids):
            customer.pk = customer.id = pk
        self._raise(customers, updated, matches, ids)
        customers_event_record("customer.created", customers)
        for customer, row in zip(customers, new):
            customer.raised_for_review = customer._import_ref in matches
            report.counts["matched" if customer.raised_for_review else "created"] += 1
            report.created.append(customer)
            sensitive = SENSITIVE_FIELDS & {f for f, v in row.data.items() if v not in (None, "")}
            if sensitive:
                audit_record(by=self.by, action="customer.create", obj=customer, fields=sensitive,
                             reason=import_reason(self.source))

    def _matches(self, customers: list[Customer], updated: list) -> dict[int, list[tuple]]:
        """The likely matches of the new customers and of the updated ones whose matched fields changed."""
        rechecked = [c for c, changed in updated if MATCHED_FIELDS & set(changed)]
        if not self.resolve:
            for customer in customers:
                customer._import_ref = 0
            return {}
        if not customers and not rechecked:
            return {}
        if self.matcher is None:
            self.matcher = Matcher()
        rows = []
        for customer in customers:
            customer._import_ref = self.matcher.new_id()
            rows.append({"id": customer._import_ref, "team_id": customer.team_id, **self._profile(customer)})
        for customer in rechecked:
            customer._import_ref = customer.pk
            rows.append({"id": customer.pk, "team_id": customer.team_id, **profile_of(customer)})
        return self.matcher.matches(rows)

    @staticmethod
    def _profile(customer: Customer) -> dict:
        """The new customer's match profile, derived once (the engine compares it, then it is stored)."""
        if not hasattr(customer, "_match_profile"):
            customer._match_profile = profile_of(customer)
        return customer._match_profile

    def _write(self, customers: list[Customer], rows: list[PreparedRow], now) -> list[int]:
        """The new customers, their history row, external id and match profile; their ids."""
        if not customers:
            return []
        batch = _Rows()
        for k, (customer, row) in enumerate(zip(customers, rows)):
            stored = vars(customer)  # the stored values (getattr gives a Country for the country, say)
            batch.customers.append(tuple(stored[f] for f in _CUSTOMER_FIELDS))
            batch.identities.append((k, self.source, row.external_id, now))
            profile = self._profile(customer)
            batch.profiles.append((k, customer.version, FEATURES_VERSION, now, *(profile[f] for f in PROFILE_FIELDS)))
        user = access.user_or_none(self.by)
        if self.postgres:
            writer = CopyWriter(_TABLES, history_reason=import_reason(self.source),
                                history_user_id=getattr(user, "pk", None))
            return writer.write(batch)["customers"]
        return _write_orm(batch, customers, user, import_reason(self.source))

    def _raise(self, customers: list[Customer], updated: list, matches: dict, ids: list[int]) -> None:
        """The likely matches as open duplicate candidates (origin import); a pair a steward decided stays so."""
        real = {c._import_ref: c for c in customers} | {c.pk: c for c, _changed in updated}
        self._settle = {c._import_ref: c.pk for c in customers if c._import_ref}  # once the savepoint holds
        now, pairs = timezone.now(), {}
        params = self.matcher.params if self.matcher else None
        for ref, found in matches.items():
            mine = real[ref]
            for other, other_team, weight, levels, s_given, s_family in found:
                other_id = real[other].pk if other in real else other
                if other_id == mine.pk:
                    continue
                a, b = min(mine.pk, other_id), max(mine.pk, other_id)
                pairs[(a, b)] = DuplicateCandidate(
                    customer_a_id=a, customer_b_id=b, score=probability_of_weight(weight), weight=weight,
                    levels=levels, reasons=reasons(params, levels, {"given": s_given, "family": s_family}), cluster=a,
                    cross_team=(real[other].team_id if other in real else other_team) != mine.team_id,
                    origin=DuplicateCandidate.Origin.IMPORT, scored_at=now)
        if not pairs:
            return
        self.raised += len(pairs)
        if self.postgres:
            candidates_upsert(list(pairs.values()), origin=DuplicateCandidate.Origin.IMPORT)
            return
        decided = set(DuplicateCandidate.objects.exclude(status=DuplicateCandidate.Status.OPEN).filter(
            customer_b_id__in=[b for _a, b in pairs]).values_list("customer_a_id", "customer_b_id"))
        DuplicateCandidate.objects.bulk_create([p for key, p in pairs.items() if key not in decided], batch_size=1000,
                                               ignore_conflicts=True)

    def batches(self, batches: Iterable[list[tuple[int, dict]]]) -> Iterator[tuple[list, Prepared | None]]:
        """(rows, prepared) for each batch of `batches`, the next ones prepared by worker processes (forked once
        there is a second batch) while the caller imports this one: `for rows, ready in importer.batches(...):
        importer.batch(rows, report, ready)`."""
        source = iter(batches)
        first = next(source, None)
        if first is None:
            return
        second = next(source, None)
        count = _workers()
        if second is None or not count:
            yield from ((rows, None) for rows in itertools.chain([first], [second] if second else [], source))
            return
        pool = multiprocessing.get_context("fork").Pool(count)
        try:
            pending = collections.deque()
            for rows in itertools.chain([first, second], source):
                pending.append((rows, pool.apply_async(_prepare_in_worker, ((rows, self.mapping),))))
                if len(pending) > count:
                    rows, result = pending.popleft()
                    yield rows, result.get()
            while pending:
                rows, result = pending.popleft()
                yield rows, result.get()
        finally:
            pool.terminate()

    def finish(self) -> None:
        """After the last batch: the clusters of the stewards' queue, with the import's pairs in them."""
        if self.raised:
            recluster()
            self.raised = 0


def _write_orm(batch: _Rows, customers: list[Customer], user, reason: str) -> list[int]:
    """bulk_create, with history: the embedded database's writer (SQLite returns the ids)."""
    from simple_history.utils import bulk_create_with_history

    bulk_create_with_history(customers, Customer, batch_size=500, default_user=user, default_change_reason=reason)
    ids = [c.pk for c in customers]
    ExternalIdentity.objects.bulk_create([ExternalIdentity(customer_id=ids[k], system=system, external_id=x,
                                                           created_at=at) for k, system, x, at in batch.identities])
    MatchProfile.objects.bulk_create([MatchProfile(**dict(zip(_PROFILE_COLUMNS, (ids[row[0]], *row[1:]))))
                                      for row in batch.profiles], batch_size=500)
    return ids


@use_case(atomic=False)
def customers_import(*, rows, mapping: Mapping, source: str, team, by, resolve: bool = True,
                     batch_size: int = BATCH_SIZE) -> ImportReport:
    """Import `rows` (dicts keyed by the file's columns, e.g. csv.DictReader, read as they come) from the system
    `source`, `batch_size` rows at a time: `manage.py import_customers` (the browser's job saves its progress
    between batches itself)."""
    source = normalize_text(source).lower()
    if not source:
        raise ValidationError({"source": _("Name the system the file comes from.")})
    report = ImportReport(source=source, unused_columns=mapping.unused)
    importer = CustomerBatchImport(mapping=mapping, source=source, team=team, by=by, resolve=resolve)
    numbered = enumerate(rows, start=2)  # line 1 is the header
    for chunk, ready in importer.batches(iter(lambda: list(itertools.islice(numbered, batch_size)), [])):
        importer.batch(chunk, report, ready)
        report.created.clear()  # kept for a job's undo (jobs.py); here they would only fill the memory
    importer.finish()
    audit_record(by=by, action="customer.import", object_type="import", object_id=source,
                 object_repr=f"import from {source}", reason=report.summary())
    return report
