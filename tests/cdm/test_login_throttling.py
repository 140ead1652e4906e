"""Login throttling (django-axes): both login forms lock after N failures per username and per address,
the same way for unknown users, for a cool-off period, with audit events and an admin unlock."""

import datetime
import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from cdm.models import AuditEvent

pytestmark = pytest.mark.django_db

LOGINS = ["/accounts/login/", "/admin/login/"]
LIMIT = getattr(django_settings, "CDM_LOGIN_FAILURE_LIMIT", 5)


@pytest.fixture(autouse=True)
def axes_on(settings):
    settings.AXES_ENABLED = True


def _login(client, url, username, password, ip="192.0.2.10"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def _fail(client, url, username, times, ip="192.0.2.10"):
    return [_login(client, url, username, "wrong password", ip) for _ in range(times)]


def _text(response) -> str:
    # Without the per-response CSRF token, two answers can be compared byte for byte.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"', "", response.content.decode())


@pytest.mark.parametrize("url", LOGINS)
def test_after_n_wrong_passwords_the_right_one_is_refused(client, users, url):
    admin = users["admin"]  # staff: may use both forms
    responses = _fail(client, url, admin.username, LIMIT)
    assert [r.status_code for r in responses[:-1]] == [200] * (LIMIT - 1)
    assert responses[-1].status_code == 429 and "Sign-in paused" in responses[-1].content.decode()
    refused = _login(client, url, admin.username, "pw")
    assert refused.status_code == 429
    assert "paused for 15 minutes" in refused.content.decode()
    assert not _logged_in(client)


@pytest.mark.parametrize("url", LOGINS)
def test_one_failure_short_of_the_limit_the_right_password_still_works(client, users, url):
    _fail(client, url, "admin", LIMIT - 1)
    assert _login(client, url, "admin", "pw").status_code == 302 and _logged_in(client)


@pytest.mark.parametrize("url", LOGINS)
def test_an_unknown_username_gets_the_same_answers_as_a_known_one(users, url):
    known, unknown = Client(), Client()
    # Different addresses, so only the per-username count is at play.
    known_answers = _fail(known, url, "agent", LIMIT + 1, ip="192.0.2.1")
    unknown_answers = _fail(unknown, url, "no-such-user", LIMIT + 1, ip="192.0.2.2")
    assert [r.status_code for r in known_answers] == [r.status_code for r in unknown_answers]
    for mine, theirs in zip(known_answers, unknown_answers):
        assert _text(mine).replace("agent", "USER") == _text(theirs).replace("no-such-user", "USER")
    assert "no-such-user" not in unknown_answers[-1].content.decode()  # the lockout page names no one


def test_the_lockout_counts_per_address_across_usernames(users):
    attacker, colleague = Client(), Client()
    for name in ["a1", "a2", "a3", "a4", "a5", "a6"][:LIMIT]:
        _login(attacker, "/accounts/login/", name, "guess", ip="198.51.100.9")
    # The agent's own password from the same address is refused; from another address it works.
    assert _login(attacker, "/accounts/login/", "agent", "pw", ip="198.51.100.9").status_code == 429
    assert _login(colleague, "/accounts/login/", "agent", "pw", ip="198.51.100.10").status_code == 302


def test_the_lockout_counts_per_username_across_addresses(client, users):
    for n in range(LIMIT):
        _login(Client(), "/accounts/login/", "agent", "guess", ip=f"203.0.113.{n + 1}")
    assert _login(client, "/accounts/login/", "agent", "pw", ip="203.0.113.200").status_code == 429


def test_the_lockout_ends_after_the_cool_off(client, users):
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.timezone.utc)
    with freeze_time(start) as clock:
        _fail(client, "/accounts/login/", "agent", LIMIT)
        clock.tick(datetime.timedelta(minutes=14))
        # Trying while locked does not extend the pause.
        assert _login(client, "/accounts/login/", "agent", "pw").status_code == 429
        clock.tick(datetime.timedelta(minutes=1, seconds=1))
        assert _login(client, "/accounts/login/", "agent", "pw").status_code == 302
        assert _logged_in(client)


def test_failures_and_the_lockout_are_audited(client, users):
    _fail(client, "/admin/login/", "agent", LIMIT + 2, ip="192.0.2.77")
    failed = AuditEvent.objects.filter(action="login.failed")
    assert failed.count() == LIMIT + 2
    assert {(e.object_repr, e.ip_address, e.actor_username) for e in failed} == {("agent", "192.0.2.77", "anonymous")}
    assert failed.filter(reason__startswith="Refused").count() == 2  # the attempts made while locked out
    locked = AuditEvent.objects.get(action="login.locked_out")  # one per lockout, not per attempt
    assert locked.object_repr == "agent" and locked.ip_address == "192.0.2.77"
    assert f"{LIMIT} failed logins" in locked.reason


def test_an_admin_unlocks_in_the_admin(client, users):
    from axes.models import AccessAttempt

    locked_out = Client()
    _fail(locked_out, "/accounts/login/", "agent", LIMIT)
    assert _login(locked_out, "/accounts/login/", "agent", "pw").status_code == 429

    client.force_login(users["admin"])  # the Admin role, not a superuser
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = client.get(changelist)
    assert page.status_code == 200 and "agent" in page.content.decode()
    ids = [str(pk) for pk in AccessAttempt.objects.filter(username="agent").values_list("pk", flat=True)]
    confirmed = client.post(changelist, {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert confirmed.status_code == 302
    assert not AccessAttempt.objects.filter(username="agent").exists()

    assert _login(locked_out, "/accounts/login/", "agent", "pw").status_code == 302
