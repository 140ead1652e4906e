"""One import: every row validated, resolved and written on its own; a report of what became of each.

- A bad value in an optional field is reported (line, column, why) and left out; the rest of the row is kept.
- A row without a usable identity (a family name and one of given name, e-mail, phone, birth date), or
  without its id, is rejected and reported. Neither stops the rest of the file.
- The same (source, id) as an earlier import updates that customer (following a merge to the survivor).
- Otherwise, with identity resolution on, a likely existing customer makes the new record a duplicate
  candidate for the stewards ("matched"): created and queued, never merged silently.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cdm.use_cases import use_case
from cdm.webhooks import origin
from customers import services
from customers.services.sync import Stamp, skipped_changes_record, sync_filter
from customers.imports.mapping import FIELD_SYNONYMS, Mapping
from customers.models import Customer
from customers.selectors.customers import customer_by_external_id
from customers.normalize import normalize_customer_data, normalize_text

# Without one of these besides the family name, a row cannot be told apart from other people.
IDENTIFYING = ("given_name", "email", "phone", "date_of_birth")
MAX_PROBLEMS_KEPT = 1000


@dataclass
class RowProblem:
    line: int
    column: str
    message: str
    rejected: bool = False
    value: str = ""


@dataclass
class ImportReport:
    source: str
    counts: Counter = field(default_factory=Counter)  # created, updated, unchanged, matched, rejected
    problems: list[RowProblem] = field(default_factory=list)
    unused_columns: list[str] = field(default_factory=list)
    created: list = field(default_factory=list)  # the customers the import created (an undo needs them)

    def add(self, problem: RowProblem) -> None:
        self.counts["problems"] += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(problem)

    def merge(self, other: ImportReport) -> None:
        """Add what `other` (a batch's report) found."""
        self.counts.update(other.counts)
        self.problems.extend(other.problems[:max(0, MAX_PROBLEMS_KEPT - len(self.problems))])
        self.created.extend(other.created)

    def summary(self) -> str:
        c = self.counts
        return (f"{c['rows']} rows from {self.source}: {c['created']} created, {c['matched']} created and queued "
                f"for review as possible duplicates, {c['updated']} updated, {c['unchanged']} unchanged, "
                f"{c['rejected']} rejected; {c['left_out']} values left out.")


def _clean(data: dict, line: int, columns: dict[str, str], report: ImportReport) -> dict | None:
    """The row's normalised fields; bad optional values left out and reported; None when the row is rejected."""
    data = dict(data)
    for _attempt in range(len(data) + 1):
        try:
            return normalize_customer_data(data)
        except ValidationError as exc:
            bad = exc.message_dict
        if "family_name" in bad:
            report.add(RowProblem(line, columns.get("family_name", "family_name"), "; ".join(bad["family_name"]),
                                  rejected=True, value=str(data.get("family_name", ""))))
            return None
        for name, messages in bad.items():
            if name in data:
                value = data.pop(name)
                report.counts["left_out"] += 1
                report.add(RowProblem(line, columns.get(name, name), "; ".join(messages), value=str(value)))
            else:  # a derived check (the address) failing on what is left: drop the address fields it names
                report.add(RowProblem(line, name, "; ".join(messages)))
                return None
    return None


@dataclass
class PreparedRow:
    """A row checked and normalised, not yet written: its id in the source, what the file said for each field
    kept, and the normalised values."""

    line: int
    external_id: str
    fields: dict
    data: dict
    profile: dict | None = None  # its match profile, when the batch importer derived it with the rest


def customer_row_prepare(*, values: dict, line: int, mapping: Mapping, report: ImportReport) -> PreparedRow | None:
    """The row's id and fields, normalised; None when it is rejected (reported). Bad optional values are left
    out and reported."""
    columns = {f: c for c, f in mapping.fields.items()}
    external_id = normalize_text(values.get(mapping.id_column, ""))
    if not external_id:
        report.add(RowProblem(line, mapping.id_column, _("No id: the row cannot be recognised again."), rejected=True))
        return None
    raw = {f: normalize_text(values.get(c, "")) for c, f in mapping.fields.items()}
    raw = {f: v for f, v in raw.items() if v}
    data = _clean(raw, line, columns, report)
    if data is None:
        return None
    if not data.get("family_name") or not any(data.get(f) for f in IDENTIFYING):
        report.add(RowProblem(line, columns.get("family_name", "family_name"), _(
            "No usable identity: a row needs a family name and one of given name, e-mail, phone, birth date."),
            rejected=True, value=str(raw.get("family_name", ""))))
        return None
    # The services normalise again, from what the file said.
    return PreparedRow(line, external_id, {f: raw[f] for f in raw if f in data}, data)


def import_changes(customer: Customer, row: PreparedRow, stamp: Stamp, priorities=None) -> dict:
    """What of `row` may change the stored `customer` under the two-way sync rules (a field another system of
    higher priority set keeps its value; the skipped change is recorded): {field: what the file said}."""
    stored = {f: getattr(customer, f) for f in row.data if hasattr(customer, f)}
    changes, skipped = sync_filter(customer, {f: v for f, v in row.fields.items() if stored.get(f) != row.data.get(f)},
                                   stamp, priorities)
    skipped_changes_record(customer, row.fields, skipped, stamp)
    return changes


def import_reason(source: str) -> str:
    return _("Import from %(source)s") % {"source": source}


@use_case
def customer_import_row(*, values: dict, line: int, mapping: Mapping, source: str, team, resolve: bool, by,
                        report: ImportReport) -> str:
    """One row, in its own transaction: what became of it (created, matched, updated, unchanged, rejected)."""
    row = customer_row_prepare(values=values, line=line, mapping=mapping, report=report)
    if row is None:
        return "rejected"
    external_id, fields = row.external_id, row.fields
    stamp = Stamp.of(source)
    customer = customer_by_external_id(system=source, external_id=external_id)
    if customer is not None:
        changes = import_changes(customer, row, stamp)
        if not changes:
            return "unchanged"
        services.customer_update(customer=customer, by=by, version=customer.version, stamp=stamp,
                                 reason=import_reason(source), **changes)
        return "updated"
    customer = services.customer_create(by=by, team=team, reason=import_reason(source),
                                        review_origin="import" if resolve else None, stamp=stamp,
                                        source=Customer.Source.IMPORT, **fields)
    services.external_identity_link(customer=customer, system=source, external_id=external_id, by=by)
    report.created.append(customer)
    return "matched" if getattr(customer, "raised_for_review", False) else "created"


def rejection_report(exc: ValidationError, *, line: int, values: dict, columns: dict[str, str],
                     report: ImportReport) -> str:
    """A row a service refused: each message under the column the user should fix."""
    for name, messages in exc.message_dict.items():
        column = columns.get(name, name)
        report.add(RowProblem(line, column, "; ".join(messages), rejected=True, value=str(values.get(column, ""))))
    return "rejected"


def customer_import_row_reported(*, values: dict, line: int, mapping: Mapping, source: str, team, resolve: bool, by,
                                 report: ImportReport) -> str:
    """customer_import_row, a refused row reported rather than raised, its outcome counted."""
    report.counts["rows"] += 1
    try:
        with origin(source):  # the file's system gets no webhook echo of its own rows
            outcome = customer_import_row(values=values, line=line, mapping=mapping, source=source, team=team,
                                          resolve=resolve, by=by, report=report)
    except ValidationError as exc:
        outcome = rejection_report(exc, line=line, values=values, report=report,
                                   columns={"external_id": mapping.id_column,
                                            **{f: c for c, f in mapping.fields.items()}})
    report.counts[outcome] += 1
    return outcome


__all__ = ["FIELD_SYNONYMS", "ImportReport", "RowProblem"]
