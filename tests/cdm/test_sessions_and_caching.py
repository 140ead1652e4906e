"""Signed-in pages are never cached; a session ends after 30 idle minutes (the live poll is not activity)
and at the latest 12 hours after signing in."""

import datetime

import pytest
from django.urls import reverse
from freezegun import freeze_time

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)
POLL = {"HX-Request": "true", "X-CDM-Background": "1"}
IDLE_MESSAGE = "You were signed out after 30 minutes without activity."


def _cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def _poll(client, customer, page_url):
    return client.get(reverse("customers:version", args=[customer.customer_number]), {"v": customer.version},
                      headers=POLL | {"HX-Current-URL": f"http://testserver{page_url}"})


def _login(client, username="agent"):
    response = client.post(reverse("login"), {"username": username, "password": "pw"})
    assert response.status_code == 302
    return response


# --- caching -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("page", ["home", "list", "detail", "version", "edit", "admin"])
def test_every_signed_in_page_is_private_and_not_stored(client, users, customer, page):
    client.force_login(users["admin"] if page == "admin" else users["agent"])
    number = customer.customer_number
    url = {"home": reverse("home"), "list": reverse("customers:list") + "?q=lovelace",
           "detail": customer.get_absolute_url(), "version": reverse("customers:version", args=[number]),
           "edit": reverse("customers:edit", args=[number]), "admin": reverse("admin:index")}[page]
    response = client.get(url)
    assert response.status_code == 200
    assert {"private", "no-store"} <= _cache_control(response)
    assert "public" not in _cache_control(response)


def test_the_login_response_itself_is_not_stored(client, users):
    assert {"private", "no-store"} <= _cache_control(_login(client))


def test_static_files_stay_cacheable_for_signed_in_users(client, users):
    client.force_login(users["agent"])
    response = client.get("/static/css/cdm.css")
    assert response.status_code == 200
    assert "no-store" not in _cache_control(response)


# --- idle timeout and maximum age ---------------------------------------------------------------------

def test_the_live_poll_carries_the_background_marker(client, users, customer):
    client.force_login(users["agent"])
    for url in (customer.get_absolute_url(), reverse("customers:edit", args=[customer.customer_number])):
        assert """hx-headers='{"X-CDM-Background": "1"}'""" in client.get(url).content.decode()


def test_activity_keeps_a_session_alive(client, users, customer):
    with freeze_time(START) as clock:
        _login(client)
        for _ in range(6):  # 6 x 25 minutes: well past one idle timeout in all
            clock.tick(datetime.timedelta(minutes=25))
            assert client.get(customer.get_absolute_url()).status_code == 200


def test_an_idle_session_ends_with_a_message_even_while_the_page_polls(client, users, customer):
    page = customer.get_absolute_url()
    with freeze_time(START) as clock:
        _login(client)
        assert client.get(page).status_code == 200
        for _ in range(29):  # the open page polls; nobody touches it
            clock.tick(datetime.timedelta(minutes=1))
            assert _poll(client, customer, page).status_code == 200
        clock.tick(datetime.timedelta(minutes=1, seconds=30))
        signed_out = _poll(client, customer, page)
        # htmx loads the login page instead of swapping it into the banner.
        assert signed_out["HX-Redirect"] == f"{reverse('login')}?next={page}"
        login_page = client.get(signed_out["HX-Redirect"])
        assert IDLE_MESSAGE in login_page.content.decode()
        assert client.get(page).status_code == 302  # signed out for good


def test_a_plain_request_after_the_idle_timeout_goes_to_the_login_page(client, users, customer):
    page = customer.get_absolute_url()
    with freeze_time(START) as clock:
        _login(client)
        clock.tick(datetime.timedelta(minutes=29))
        assert client.get(page).status_code == 200
        clock.tick(datetime.timedelta(minutes=31))
        response = client.get(page, follow=True)
    assert response.redirect_chain[0] == (f"{reverse('login')}?next={page}", 302)
    assert IDLE_MESSAGE in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_a_session_ends_at_its_maximum_age_however_active(client, users, customer):
    with freeze_time(START) as clock:
        _login(client)
        for _ in range(12 * 3):  # a request every 20 minutes for 12 hours
            clock.tick(datetime.timedelta(minutes=20))
            assert client.get(reverse("home")).status_code == 200
        clock.tick(datetime.timedelta(minutes=1))
        response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "You were signed out 12 hours after signing in." in response.content.decode()


def test_the_cookie_and_the_session_row_last_the_maximum_age(client, users, settings):
    _login(client)
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 12 * 60 * 60
