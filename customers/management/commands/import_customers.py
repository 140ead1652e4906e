"""`manage.py import_customers FILE.csv --source NAME [--team TEAM] [--map column=field ...]`."""

import csv

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cdm.access import SYSTEM
from cdm.models import Team
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

    def handle(self, *args, file, source, team, map, id_column, no_resolve, delimiter, **options):
        overrides = {}
        for item in map:
            column, sep, target = item.partition("=")
            if not sep:
                raise CommandError(f"--map {item}: write COLUMN=FIELD.")
            overrides[column.strip()] = target.strip()
        chosen = self._team(team)
        try:
            handle = open(file, newline="", encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
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
