"""The consents section and page, for every role of the demo cast."""

import re

import pytest
from django.urls import reverse

from cdm.access import SYSTEM
from cdm.models import AuditEvent
from consent.models import ConsentRecord

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(customer):
    return reverse("consent:customer", args=[customer.customer_number])


def _post(purposes, **overrides):
    return {"purpose": purposes["sms-marketing"].pk, "granted": "withdrawn",
            "note": "Customer asked on the phone to stop text messages.", "evidence": "CALL-42"} | overrides


def _nothing_written():
    return not ConsentRecord.objects.exists() and not AuditEvent.objects.filter(action__startswith="consent.").exists()


# username -> (GET, POST) status for a customer of team North
MATRIX = {
    "agent": (200, 302),
    "agent-south": (404, 404),
    "marketer": (200, 403),
    "steward": (200, 302),
    "admin": (200, 302),
    "nobody": (404, 404),
}


@pytest.mark.parametrize(("username", "get_status", "post_status"),
                         [(u, g, p) for u, (g, p) in MATRIX.items()])
def test_the_consents_page_follows_role_and_team(client, users, customer, purposes, username, get_status,
                                                  post_status):
    client.force_login(users[username])
    page = client.get(_url(customer))
    assert page.status_code == get_status
    if get_status == 404:
        assert customer.family_name not in page.content.decode()
    response = client.post(_url(customer), _post(purposes))
    assert response.status_code == post_status
    if post_status == 302:
        record = ConsentRecord.objects.get()
        assert (record.purpose.key, record.granted, record.method) == ("sms-marketing", False, "verbal")
        assert record.recorded_by == users[username] and record.evidence == "CALL-42"
        assert AuditEvent.objects.filter(action="consent.withdraw", actor=users[username]).exists()
        page = client.get(response["Location"])
        body = page.content.decode()
        assert "stop text messages" in body and "Recorded: Ada Lovelace withdrew consent to SMS marketing" in body
    else:
        assert _nothing_written()


def test_marketing_reads_consents_but_gets_no_form(client, users, customer, purposes, record):
    record("email-marketing", granted=True)
    client.force_login(users["marketer"])
    body = client.get(_url(customer)).content.decode()
    assert "E-mail marketing" in body and "Granted" in body
    assert "<form class=\"consent-form\"" not in body and "Record consent" not in body


def test_an_agent_sees_the_state_of_every_purpose_and_the_form(client, users, customer, purposes, record):
    record("email-marketing", granted=True)
    record("sms-marketing", granted=False)
    client.force_login(users["agent"])
    body = client.get(_url(customer), **HTMX).content.decode()
    rows = {name: state for state, name in re.findall(r'<tr class="consent-(\w+)">\s*<th scope="row">([^<]+)</th>', body)}
    assert rows == {
        "E-mail marketing": "granted", "SMS marketing": "withdrawn", "Phone marketing": "unknown",
        "Profiling": "unknown", "Sharing with third parties": "unknown"}
    for field in ("purpose", "granted_0", "granted_1", "note", "evidence"):
        assert f'<label for="id_{field}"' in body
    assert f'hx-post="{_url(customer)}"' in body and 'hx-target="#customer-consents"' in body
    assert 'hx-swap="outerHTML"' in body and 'id="customer-consents"' in body


def test_an_htmx_get_returns_the_partial_and_a_plain_get_the_page(client, users, customer, purposes):
    client.force_login(users["agent"])
    partial = client.get(_url(customer), **HTMX)
    page = client.get(_url(customer))
    assert "<html" not in partial.content.decode() and "<html" in page.content.decode()
    assert 'id="customer-consents"' in partial.content.decode() and 'id="customer-consents"' in page.content.decode()
    assert "HX-Request" in partial["Vary"]


def test_an_htmx_post_returns_the_refreshed_partial_and_tells_the_timeline(client, users, customer, purposes):
    client.force_login(users["agent"])
    response = client.post(_url(customer), _post(purposes, granted="granted", purpose=purposes["profiling"].pk),
                           **HTMX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "timeline-changed"
    body = response.content.decode()
    assert "<html" not in body
    assert re.search(r'<tr class="consent-granted">\s*<th scope="row">Profiling</th>', body)
    assert "Recorded: Ada Lovelace granted consent to Profiling." in body
    # The header summary is refreshed in the same response (out-of-band swap).
    assert 'id="consent-badges" hx-swap-oob="true"' in body
    assert ConsentRecord.objects.get().granted is True
    assert AuditEvent.objects.filter(action="consent.grant", actor=users["agent"]).exists()


def test_a_verbal_consent_without_a_note_shows_the_error_next_to_the_note(client, users, customer, purposes):
    client.force_login(users["agent"])
    response = client.post(_url(customer), _post(purposes, note="  "), **HTMX)
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert "HX-Trigger" not in response
    body = response.content.decode()
    assert re.search(r'<textarea[^>]*aria-invalid="true"[^>]*aria-describedby="id_note_helptext id_note_error"', body) \
        or re.search(r'<textarea[^>]*aria-describedby="id_note_helptext id_note_error"[^>]*aria-invalid="true"', body)
    assert re.search(r'<span class="error" id="id_note_error">Write down what was said on the call', body)
    assert _nothing_written()


def test_a_missing_choice_is_named_on_its_field(client, users, customer, purposes):
    client.force_login(users["agent"])
    body = client.post(_url(customer), _post(purposes, granted="", purpose=""), **HTMX).content.decode()
    assert "Choose the purpose the customer spoke about." in body
    assert "Choose whether the customer granted or withdrew consent." in body
    assert _nothing_written()


def test_an_inactive_purpose_is_not_offered_and_not_accepted(client, users, customer, purposes):
    purpose = purposes["phone-marketing"]
    purpose.active = False
    purpose.save()
    client.force_login(users["agent"])
    body = client.get(_url(customer), **HTMX).content.decode()
    assert f'<option value="{purpose.pk}"' not in body
    response = client.post(_url(customer), _post(purposes, purpose=purpose.pk), **HTMX)
    assert 'id="id_purpose_error"' in response.content.decode()
    assert _nothing_written()


def test_a_non_htmx_invalid_post_shows_the_page_with_errors(client, users, customer, purposes):
    client.force_login(users["agent"])
    response = client.post(_url(customer), _post(purposes, note=""))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" in body and 'id="id_note_error"' in body
    assert _nothing_written()


def test_the_page_lists_every_record_newest_first(client, users, customer, purposes, record):
    import datetime

    from django.utils import timezone

    record("email-marketing", granted=True, note="First call: yes to e-mails.",
           recorded_at=timezone.now() - datetime.timedelta(days=3))
    record("email-marketing", granted=False, note="Second call: no more e-mails.")
    client.force_login(users["steward"])
    body = client.get(_url(customer)).content.decode()
    assert body.index("Second call") < body.index("First call")


def test_anonymous_users_are_sent_to_log_in(client, customer, purposes):
    for response in (client.get(_url(customer)), client.post(_url(customer), _post(purposes))):
        assert response.status_code == 302 and "login" in response["Location"]
    assert _nothing_written()


def test_a_missing_customer_looks_like_another_teams(client, users, south, purposes):
    from tests.factories import CustomerFactory

    other = CustomerFactory(team=south)
    client.force_login(users["agent"])
    assert client.get(_url(other)).content == client.get(reverse("consent:customer", args=["000000000"])).content


def test_no_inline_script_or_style_for_the_strict_csp(client, users, customer, purposes, record):
    record("email-marketing")
    client.force_login(users["agent"])
    for response in (client.get(_url(customer)), client.get(_url(customer), **HTMX),
                     client.post(_url(customer), _post(purposes), **HTMX)):
        body = response.content.decode()
        assert "style=" not in body and "<style" not in body
        assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", body))
        assert not re.search(r"<[^>]+\son[a-z]+=", body)  # no inline event handlers


def test_the_badges_partial_gives_screen_readers_words(rf, users, customer, purposes, record):
    from django.template.loader import render_to_string

    from consent.panels import customer_consents_context

    record("email-marketing", granted=True)
    record("sms-marketing", granted=False)
    request = rf.get("/")
    request.user = users["agent"]
    html = render_to_string("consent/_consent_badges.html", customer_consents_context(request, customer))
    text = re.sub(r"\s+", " ", html)
    assert 'E-mail <span aria-hidden="true">✓</span><span class="visually-hidden">granted,</span>' in text
    assert 'SMS <span aria-hidden="true">✗</span><span class="visually-hidden">withdrawn,</span>' in text
    assert 'Phone <span aria-hidden="true">?</span><span class="visually-hidden">no record,</span>' in text


def test_the_partials_render_nothing_for_users_who_may_not_read_consents(rf, customer, purposes):
    from django.template.loader import render_to_string

    from consent.panels import customer_consents_context
    from tests.factories import UserFactory

    request = rf.get("/")
    request.user = UserFactory()
    context = customer_consents_context(request, customer)
    assert render_to_string("consent/_consent_badges.html", context).strip() == ""
    assert render_to_string("consent/_customer_consents.html", context).strip() == ""


def test_recording_on_an_erased_customer_is_refused_with_a_message(client, users, customer, purposes):
    from customers.models import Customer
    from customers.services import customer_bulk_update

    customer.status = Customer.Status.ERASED
    customer_bulk_update(customers=[customer], fields=["status"], by=SYSTEM, reason="erased (test)")
    client.force_login(users["agent"])
    response = client.post(_url(customer), _post(purposes), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "data was erased" in body and 'role="alert"' in body
    assert _nothing_written()
