"""Issue an API token from the command line (the admin does the same): `manage.py api_token --user svc-shop
--name Shop [--system shop] [--team North] [--days 90]`. The token is printed once; only its hash is kept."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cdm.access import SYSTEM
from cdm.api.tokens import api_token_issue
from cdm.models import Team


class Command(BaseCommand):
    help = "Issue an API token for a service account and print it once."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="The service account's username.")
        parser.add_argument("--name", required=True, help="Which integration uses the token.")
        parser.add_argument("--system", default="", help="The system it speaks for (its external ids).")
        parser.add_argument("--team", default="", help="Where its new customers go when a request names none.")
        parser.add_argument("--days", type=int, default=0, help="Expires after this many days (0: never).")
        parser.add_argument("--rate", default="", help="Its rate limit, e.g. 600/min.")

    def handle(self, *args, user, name, system, team, days, rate, **options):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"--user: there is no user {user!r}.")
        default_team = None
        if team:
            default_team = Team.objects.filter(name=team).first()
            if default_team is None:
                raise CommandError(f"--team: there is no team {team!r}.")
        if days < 0:
            raise CommandError("--days cannot be negative.")
        expires = timezone.now() + datetime.timedelta(days=days) if days else None
        try:
            _token, raw = api_token_issue(by=SYSTEM, name=name, user=account, system=system, default_team=default_team,
                                          expires_at=expires, rate=rate)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(raw)
