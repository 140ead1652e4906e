"""Every entry point × every role × every scope: the outcome the matrix (matrix.py) states."""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.entry_points import matrix
from tests.entry_points.matrix import ADMIN_MODELS, all_entries, cases

pytestmark = pytest.mark.django_db

ENTRIES = all_entries()
HTMX = {"HX-Request": "true"}


def url_patterns(resolver=None, prefix="", namespace=""):
    """(key, route) of every URL pattern, walked recursively: the URL name, or the route if unnamed."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else (
                pattern.namespace or namespace)
            yield from url_patterns(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield (name or route), route


def test_every_url_pattern_has_rows():
    missing = [key for key, _route in url_patterns() if key not in ENTRIES]
    assert not missing, "\n".join(f"add rows for {key} in tests/entry_points/matrix.py" for key in missing)


def test_every_row_is_a_url_pattern():
    """A row for a URL that no longer exists is dead weight: remove it."""
    keys = {key for key, _route in url_patterns()}
    assert not [key for key in ENTRIES if key.split("|")[0] not in keys]


def test_every_admin_model_has_rules():
    from django.contrib import admin

    missing = [m._meta.label_lower for m in admin.site._registry if m._meta.label_lower not in ADMIN_MODELS]
    assert not missing, "\n".join(f"add rules for the admin of {label} in ADMIN_MODELS, tests/entry_points/matrix.py"
                                  for label in missing)


def check(response, expected, world):
    status = response.status_code
    assert status in expected.status, f"{status} (expected {expected.label}) {response.get('Location', '')}"
    if expected.login is not None and status == 302:
        is_login = "login" in response["Location"]
        assert is_login == expected.login, f"redirected to {response['Location']}"
    customer = world.built_customer
    if customer is None:
        return
    body = response.content.decode(errors="replace")
    if expected.listed is not None:
        # By name: a search page repeats the number it was asked for.
        listed = customer.family_name in body
        assert listed == expected.listed, ("the customer is missing from the results" if expected.listed
                                           else "the results show a customer outside the user's rights")
    elif status not in (200, 201, 302, 304):
        assert customer.family_name not in body and customer.customer_number not in body, (
            f"a {status} page names the customer")


def _request(world, entry, method):
    if entry.setup:
        entry.setup(world)
    url = world.url(entry)
    headers = HTMX if entry.htmx else {}
    if method == "get":
        return world.client.get(url, entry.query(world) if entry.query else {}, headers=headers)
    data = entry.data(world) if entry.data else {}
    send = getattr(world.client, method)
    if entry.json:
        return send(url, json.dumps(data), content_type="application/json", headers=headers)
    return send(url, data, headers=headers)


@pytest.mark.parametrize(("key", "role", "scope", "expected"), cases("get"))
def test_get(world_for, key, role, scope, expected):
    world = world_for(role, scope)
    check(_request(world, ENTRIES[key], "get"), expected, world)


@pytest.mark.parametrize(("key", "role", "scope", "expected"), cases("post"))
def test_post(world_for, key, role, scope, expected):
    _write(world_for, "post", key, role, scope, expected)


@pytest.mark.parametrize(("key", "role", "scope", "expected"), cases("put"))
def test_put(world_for, key, role, scope, expected):
    _write(world_for, "put", key, role, scope, expected)


@pytest.mark.parametrize(("key", "role", "scope", "expected"), cases("patch"))
def test_patch(world_for, key, role, scope, expected):
    _write(world_for, "patch", key, role, scope, expected)


def _write(world_for, method, key, role, scope, expected):
    world = world_for(role, scope)
    entry = ENTRIES[key]
    if entry.setup:
        entry.setup(world)
        entry = type(entry)(**{**entry.__dict__, "setup": None})
    before = entry.effect(world) if entry.effect else None
    response = _request(world, entry, method)
    check(response, expected, world)
    if expected.wrote is not None and entry.effect:
        wrote = entry.effect(world) != before
        assert wrote == expected.wrote, "the write happened" if wrote else "nothing was written"


@pytest.mark.parametrize("role", matrix.NON_STAFF)
def test_admin_model_pages_for_roles_that_are_not_staff(world_for, role):
    world = world_for(role, None)
    failures = []
    for key, expected in matrix.grouped_admin_cases(role):
        assert not expected.reason, f"{key}: an xfail for {role} needs a case of its own (cases())"
        try:
            check(_request(world, ENTRIES[key], "get"), expected, world)
        except AssertionError as exc:
            failures.append(f"{key}: {exc}")
    assert not failures, "\n".join(failures)


def test_the_matrix_lists_what_is_still_wrong():
    """The xfails name their issue item; the list is what the report quotes."""
    for _method, _key, _role, _scope, reason in matrix.xfail_cases():
        assert reason.startswith(("issue 9 item", "found by the matrix"))
