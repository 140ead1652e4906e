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

from cdm.services import audit_record
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


@use_case
def customer_import_row(*, values: dict, line: int, mapping: Mapping, source: str, team, resolve: bool, by,
                        report: ImportReport) -> str:
    """One row, in its own transaction: what became of it (created, matched, updated, unchanged, rejected)."""
    columns = {f: c for c, f in mapping.fields.items()}
    external_id = normalize_text(values.get(mapping.id_column, ""))
    if not external_id:
        report.add(RowProblem(line, mapping.id_column, _("No id: the row cannot be recognised again."), rejected=True))
        return "rejected"
    raw = {f: normalize_text(values.get(c, "")) for c, f in mapping.fields.items()}
    raw = {f: v for f, v in raw.items() if v}
    data = _clean(raw, line, columns, report)
    if data is None:
        return "rejected"
    if not data.get("family_name") or not any(data.get(f) for f in IDENTIFYING):
        report.add(RowProblem(line, columns.get("family_name", "family_name"), _(
            "No usable identity: a row needs a family name and one of given name, e-mail, phone, birth date."),
            rejected=True, value=str(raw.get("family_name", ""))))
        return "rejected"
    fields = {f: raw[f] for f in raw if f in data}  # the services normalise again, from what the file said
    stamp = Stamp.of(source)
    customer = customer_by_external_id(system=source, external_id=external_id)
    if customer is not None:
        stored = {f: getattr(customer, f) for f in data if hasattr(customer, f)}
        # The two-way sync rules: a field another system of higher priority set keeps its value (recorded).
        changes, skipped = sync_filter(customer, {f: fields[f] for f in fields if stored.get(f) != data.get(f)}, stamp)
        skipped_changes_record(customer, fields, skipped, stamp)
        if not changes:
            return "unchanged"
        services.customer_update(customer=customer, by=by, version=customer.version, stamp=stamp,
                                 reason=_("Import from %(source)s") % {"source": source}, **changes)
        return "updated"
    customer = services.customer_create(by=by, team=team, reason=_("Import from %(source)s") % {"source": source},
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


@use_case(atomic=False)
def customers_import(*, rows, mapping: Mapping, source: str, team, by, resolve: bool = True) -> ImportReport:
    """Import `rows` (dicts keyed by the file's columns, e.g. csv.DictReader) from the system `source`."""
    source = normalize_text(source).lower()
    if not source:
        raise ValidationError({"source": _("Name the system the file comes from.")})
    report = ImportReport(source=source, unused_columns=mapping.unused)
    for line, values in enumerate(rows, start=2):  # line 1 is the header
        customer_import_row_reported(values=values, line=line, mapping=mapping, source=source, team=team,
                                     resolve=resolve, by=by, report=report)
    audit_record(by=by, action="customer.import", object_type="import", object_id=source,
                 object_repr=f"import from {source}", reason=report.summary())
    return report


__all__ = ["FIELD_SYNONYMS", "ImportReport", "RowProblem", "customers_import"]
