"""`manage.py import_customers FILE --source NAME [--kind customers|orders|activities] [--team TEAM] [--map column=field]`.

The same row services as the stewards' browser import (customers.imports): customers row by row through
customer_import_row; orders and activities as an import job, listed on the import page like the browser's.
"""

import csv
import io
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cdm.access import SYSTEM
from cdm.models import Team
from customers import imports
from customers.imports import FIELD_SYNONYMS, customers_import, map_headers


class Command(BaseCommand):
    help = ("Import customers from a CSV file (UTF-8, header row). Headers are matched to fields by name and common "
            "synonyms (postcode, surname, dob, ...); each row keeps (SOURCE, its id) as an external identity, so a "
            "second import of the same file updates instead of duplicating. A likely existing customer makes the "
            "new record a duplicate candidate for the stewards; nothing is merged silently.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--source", required=True, help="The system the file comes from, e.g. shop.")
        parser.add_argument("--team", help="Team (name or slug) of new customers; needed when there are several.")
        parser.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                            help=f"Say which field a column fills (FIELD empty: skip it). Fields: {', '.join(FIELD_SYNONYMS)}.")
        parser.add_argument("--id-column", help="The column holding each row's id in SOURCE (default: a column named "
                                                "id, source_id or external_id).")
        parser.add_argument("--no-resolve", action="store_true",
                            help="No identity resolution on arrival: likely matches are not queued for review.")
        parser.add_argument("--delimiter", default=",", help="Column separator (default ,).")
        parser.add_argument("--encoding", default="utf-8",
                            help="The file's encoding (default utf-8); auto: detected as in the browser import "
                                 "(UTF-8, UTF-16, Windows-1252), the delimiter too. XLSX files are always read as such.")
        parser.add_argument("--kind", choices=["customers", "orders", "activities"], default="customers",
                            help="What the file holds: orders and activities are keyed by the customer's id in SOURCE "
                                 "(columns matched by name and synonyms; --map COLUMN=TARGET to say otherwise).")

    def handle(self, *args, file, source, team, map, id_column, no_resolve, delimiter, encoding="utf-8",
               kind="customers", **options):
        overrides = {}
        for item in map:
            column, sep, target = item.partition("=")
            if not sep:
                raise CommandError(f"--map {item}: write COLUMN=FIELD.")
            overrides[column.strip()] = target.strip()
        if kind != "customers":
            return self._job(file, source, kind, overrides)
        chosen = self._team(team)
        try:
            content = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        if encoding == "auto" or content.startswith(b"PK\x03\x04") or file.lower().endswith(".xlsx"):
            parsed = self._parse(content, file)
            text = io.StringIO()
            csv.writer(text).writerows([parsed.headers, *[row[1:] for row in parsed.rows]])
            handle, delimiter = io.StringIO(text.getvalue()), ","
        else:
            try:
                handle = io.StringIO(content.decode("utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8"
                                                    else encoding), newline="")
            except UnicodeDecodeError as exc:
                raise CommandError(f"{file} is not {encoding.upper()} text (at byte {exc.start}); "
                                   "--encoding auto detects it.") from exc
            except LookupError as exc:
                raise CommandError(f"--encoding {encoding}: no such encoding.") from exc
        with handle:
            reader = csv.DictReader(handle, delimiter=delimiter)
            try:
                headers = reader.fieldnames or []
                mapping = map_headers(headers, overrides=overrides, id_column=id_column)
            except UnicodeDecodeError as exc:
                raise CommandError(f"{file} is not UTF-8 text.") from exc
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            self.stdout.write("Columns: " + ", ".join(f"{c} -> {f}" for c, f in mapping.fields.items())
                              + f"; id: {mapping.id_column}"
                              + (f"; not used: {', '.join(mapping.unused)}" if mapping.unused else ""))
            try:
                report = customers_import(rows=reader, mapping=mapping, source=source, team=chosen, by=SYSTEM,
                                          resolve=not no_resolve)
            except UnicodeDecodeError as exc:
                raise CommandError(f"{file} is not UTF-8 text (at byte {exc.start}).") from exc
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        for problem in report.problems:
            what = "rejected" if problem.rejected else "left out"
            self.stdout.write(f"line {problem.line}, {problem.column}: {problem.message} ({what})")
        if report.counts["problems"] > len(report.problems):
            self.stdout.write(f"... and {report.counts['problems'] - len(report.problems)} more problems.")
        self.stdout.write(self.style.SUCCESS(report.summary()))

    def _parse(self, content, file):
        try:
            return imports.file_parse(content, Path(file).name)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc

    def _job(self, file, source, kind, overrides):
        """Orders and activities: an import job, run here and now, through the browser import's services."""
        try:
            content = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        try:
            job = imports.import_job_create(by=SYSTEM, file_name=Path(file).name, content=content, source=source,
                                            kind=kind)
            job = imports.import_job_map(job=job, mapping={**job.mapping, **overrides}, by=SYSTEM)
            imports.import_job_start(job=job, by=SYSTEM, queue=False)
        except ValidationError as exc:
            raise CommandError(" ".join(f"{k}: {'; '.join(v)}" if k != "__all__" else "; ".join(v)
                                        for k, v in exc.message_dict.items())) from exc
        job = imports.import_job_run(job_id=job.pk, by=SYSTEM)
        self.stdout.write("Columns: " + ", ".join(f"{c} -> {t}" for c, t in job.mapping.items() if t))
        for problem in imports.import_job_problems(job, dry_run=False)[:1000]:
            self.stdout.write(f"line {problem.line}, {problem.column}: {problem.message} "
                              f"({'rejected' if problem.rejected else 'left out'})")
        c = job.counts
        self.stdout.write(self.style.SUCCESS(
            f"{c.get('rows', 0)} rows from {job.source.name}: {c.get('created', 0)} {kind} recorded, "
            f"{c.get('unchanged', 0)} already there, {c.get('rejected', 0)} rejected."))

    def _team(self, name):
        teams = Team.objects.all()
        if name:
            found = teams.filter(name__iexact=name).first() or teams.filter(slug__iexact=name).first()
            if found is None:
                raise CommandError(f"No team {name}: teams are {', '.join(t.name for t in teams)}.")
            return found
        if teams.count() == 1:
            return teams.get()
        raise CommandError(f"Say which team new customers join with --team ({', '.join(t.name for t in teams)}).")
