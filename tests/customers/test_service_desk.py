"""The service desk on a live call: log a request or complaint, change its status, close it with a
resolution (and maybe a survey), add a note; every htmx write tells the 360° page to reload its timeline."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

import cdm.celery
from cdm import access
from cdm.access import SYSTEM
from customers import services
from customers.models import Feedback, Note, ServiceRequest
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def eager_tasks(monkeypatch):
    """Run Celery tasks in-process even where CI configures a broker and a worker."""
    # setitem, not setattr: pytest 9 undoes setattr by deleting the instance attribute, which
    # Celery's settings mapping refuses; setitem restores the previous value instead.
    monkeypatch.setitem(cdm.celery.app.conf, "task_always_eager", True)


def requests_url(customer):
    return reverse("customers:service_requests", args=[customer.customer_number])


def change_url(service_request):
    return reverse("customers:service_request", args=[service_request.customer.customer_number,
                                                      service_request.reference])


def notes_url(customer):
    return reverse("customers:notes", args=[customer.customer_number])


def feedback_url(customer):
    return reverse("customers:feedback", args=[customer.customer_number])


def log_data(**overrides):
    data = {"kind": "request", "channel": "phone", "subject": "Router keeps rebooting",
            "description": "Since the update on Monday.", "priority": "normal", "assignee": ""} | overrides
    return {f"sr-new-{name}": value for name, value in data.items()}


def status_data(service_request, status):
    return {"action": "status", f"{service_request.reference}-status-status": status}


def close_data(service_request, resolution="Replaced the router.", send_survey=True):
    data = {"action": "close", f"{service_request.reference}-close-resolution": resolution}
    data[f"{service_request.reference}-close-send_survey"] = "yes" if send_survey else "no"
    return data


def open_request(customer, by, **kwargs):
    kwargs.setdefault("subject", "Invoice shows the wrong plan")
    kwargs.setdefault("assignee", by)
    return services.service_request_create(customer=customer, by=by, **kwargs)


def text(response):
    return response.content.decode()


# --- logging a request or complaint --------------------------------------------------------------

@pytest.mark.parametrize(("kind", "label"), [("request", "Service request"), ("complaint", "Complaint")])
def test_an_agent_logs_a_request_or_a_complaint(client, users, customer, kind, label):
    agent = users["agent"]
    client.force_login(agent)
    response = client.post(requests_url(customer), log_data(kind=kind, priority="high", assignee=agent.pk),
                           headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Trigger"] == "timeline-changed"
    logged = ServiceRequest.objects.get(customer=customer)
    assert (logged.kind, logged.subject, logged.priority, logged.channel) == (kind, "Router keeps rebooting", "high",
                                                                              "phone")
    assert logged.assignee == agent and logged.created_by == agent and logged.status == "open"
    assert logged.history.latest().history_user == agent
    body = text(response)
    assert body.lstrip().startswith("<section id=\"service-requests\"")  # the partial alone, for outerHTML
    assert logged.reference in body and "Router keeps rebooting" in body and label in body
    assert "Logged" in body


@pytest.mark.parametrize("htmx", [True, False])
def test_a_request_without_subject_names_the_field_and_saves_nothing(client, users, customer, htmx):
    client.force_login(users["agent"])
    response = client.post(requests_url(customer), log_data(subject="  "), headers=HTMX if htmx else {})

    assert response.status_code == 200  # htmx swaps 2xx only: the form comes back with its errors
    assert "HX-Trigger" not in response
    body = text(response)
    assert 'id="id_sr-new-subject_error">Subject: Say in a few words what the customer needs.' in body
    assert 'aria-describedby="id_sr-new-subject_error"' in body and "autofocus" in body
    assert "Since the update on Monday." in body  # what the agent typed is kept
    assert not ServiceRequest.objects.exists()


def test_the_log_form_starts_with_the_usual_answers(client, users, customer):
    client.force_login(users["agent"])
    body = text(client.get(requests_url(customer), headers=HTMX))
    for name, value in (("kind", "request"), ("channel", "phone"), ("priority", "normal"),
                        ("assignee", users["agent"].pk)):
        select = re.search(rf'<select name="sr-new-{name}".*?</select>', body, re.S).group(0)
        assert f'<option value="{value}" selected>' in select, name


def test_an_unknown_choice_names_its_field(client, users, customer):
    client.force_login(users["agent"])
    response = client.post(requests_url(customer), log_data(priority="whenever"), headers=HTMX)
    assert "Priority: Select a valid choice." in text(response)
    assert not ServiceRequest.objects.exists()


def test_requests_can_be_assigned_only_to_agents_of_the_customers_team(client, users, customer):
    client.force_login(users["agent"])
    colleague = UserFactory(first_name="Grace", last_name="North", roles=[access.CUSTOMER_SERVICE],
                            teams=[customer.team])
    form_page = text(client.get(requests_url(customer), headers=HTMX))
    assert "Grace North" in form_page and users["agent-south"].get_full_name() not in form_page

    response = client.post(requests_url(customer), log_data(assignee=users["agent-south"].pk), headers=HTMX)
    assert "Assignee: Select a valid choice." in text(response)
    assert not ServiceRequest.objects.exists()
    client.post(requests_url(customer), log_data(assignee=colleague.pk), headers=HTMX)
    assert ServiceRequest.objects.get().assignee == colleague


def test_without_javascript_logging_redirects_to_the_customer_page_with_a_message(client, users, customer):
    client.force_login(users["agent"])
    response = client.post(requests_url(customer), log_data())
    assert response.status_code == 302
    assert response["Location"] == f"{customer.get_absolute_url()}#service-requests"
    followed = client.get(response["Location"])
    assert "Logged service request SR-" in text(followed)


def test_a_plain_get_shows_a_full_page_and_htmx_gets_the_partial(client, users, customer):
    open_request(customer, users["agent"])
    client.force_login(users["agent"])
    page = text(client.get(requests_url(customer)))
    partial = text(client.get(requests_url(customer), headers=HTMX))
    assert "<html" in page and 'id="service-requests"' in page and 'id="customer-notes"' in page
    assert "<html" not in partial and "Invoice shows the wrong plan" in partial


@pytest.mark.parametrize("url", [requests_url, notes_url, feedback_url])
def test_partials_carry_no_inline_script_or_style(client, users, customer, url):
    open_request(customer, users["agent"])
    client.force_login(users["agent"])
    body = text(client.get(url(customer), headers=HTMX))
    assert "<script" not in body and "style=" not in body and " on" + "click=" not in body
    # Every form posts with htmx into its section and works as a plain POST too.
    for form in re.findall(r"<form[^>]*>", body):
        assert 'method="post"' in form and "hx-post=" in form and 'hx-swap="outerHTML"' in form
        assert re.search(r'hx-target="#(service-requests|customer-notes)"', form)


def test_every_field_has_a_label(client, users, customer):
    open_request(customer, users["agent"])
    client.force_login(users["agent"])
    body = text(client.get(requests_url(customer), headers=HTMX)) + text(client.get(notes_url(customer), headers=HTMX))
    ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', body)
    assert len(ids) >= 10
    for field_id in ids:
        assert f'for="{field_id}"' in body, field_id


# --- status, closing, surveys -----------------------------------------------------------------------

def test_an_agent_changes_the_status(client, users, customer):
    agent = users["agent"]
    service_request = open_request(customer, agent)
    client.force_login(agent)
    response = client.post(change_url(service_request), status_data(service_request, "in_progress"), headers=HTMX)

    assert response["HX-Trigger"] == "timeline-changed"
    service_request.refresh_from_db()
    assert service_request.status == "in_progress"
    latest = service_request.history.latest()
    assert latest.history_user == agent and latest.history_change_reason == "Status set to In progress"
    assert f"{service_request.reference} is now “In progress”." in text(response)


def test_closing_needs_a_resolution(client, users, customer):
    service_request = open_request(customer, users["agent"])
    client.force_login(users["agent"])
    response = client.post(change_url(service_request), close_data(service_request, resolution=""), headers=HTMX)

    assert "HX-Trigger" not in response
    body = text(response)
    assert "Resolution: Say how the request was resolved before closing it." in body
    assert '<details class="sd-close" open>' in body  # the close form stays open at the error
    service_request.refresh_from_db()
    assert service_request.status == "open" and service_request.closed_at is None


def test_closing_with_a_survey_sends_one_email_with_a_link(client, users, customer, eager_tasks,
                                                          django_capture_on_commit_callbacks):
    service_request = open_request(customer, users["agent"])
    client.force_login(users["agent"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(service_request), close_data(service_request), headers=HTMX)

    assert response["HX-Trigger"] == "timeline-changed"
    service_request.refresh_from_db()
    assert service_request.status == "closed" and service_request.resolution == "Replaced the router."
    assert service_request.closed_at is not None
    assert "No open requests or complaints." in text(response)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [customer.email]
    assert re.search(r"http://127\.0\.0\.1:8000/survey/[^/\s]+/", message.body)
    # The customer reads the request's reference; the subject is the agents' own wording (issue 9, 5.8).
    assert service_request.reference in message.body and "Invoice shows the wrong plan" not in message.body
    # The link carries a random key, not the request's sequential id (issue 9, 1.12).
    token = re.search(r"/survey/([^/\s]+)/", message.body).group(1)
    service_request.refresh_from_db()
    assert token.split(":")[0] == service_request.survey_key and len(service_request.survey_key) >= 20


def test_closing_without_the_survey_box_sends_nothing(client, users, customer, eager_tasks,
                                                      django_capture_on_commit_callbacks):
    service_request = open_request(customer, users["agent"])
    client.force_login(users["agent"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(change_url(service_request), close_data(service_request, send_survey=False), headers=HTMX)
    service_request.refresh_from_db()
    assert service_request.status == "closed" and mail.outbox == []


def test_the_survey_is_a_choice_the_agent_makes_and_only_with_an_email(client, users, north, customer, eager_tasks,
                                                                       django_capture_on_commit_callbacks):
    silent = CustomerFactory(team=north, email="")
    with_email, without_email = open_request(customer, users["agent"]), open_request(silent, users["agent"])
    client.force_login(users["agent"])
    choice = re.compile(r'<input type="radio" name="[^"]*send_survey"[^>]*>')
    offered = text(client.get(requests_url(customer), headers=HTMX))
    assert len(choice.findall(offered)) == 2 and not any("checked" in c for c in choice.findall(offered))
    # Closing without choosing is refused, with the field named; nothing is closed.
    data = close_data(with_email)
    del data[f"{with_email.reference}-close-send_survey"]
    refused = text(client.post(change_url(with_email), data, headers=HTMX))
    assert "Satisfaction survey: Choose whether the customer gets a satisfaction survey." in refused
    with_email.refresh_from_db()
    assert with_email.status == "open"
    none_offered = text(client.get(requests_url(silent), headers=HTMX))
    assert not choice.search(none_offered) and "No e-mail address on file" in none_offered

    # Even if a survey is asked for, nobody is e-mailed without an address.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(change_url(without_email), close_data(without_email), headers=HTMX)
    assert mail.outbox == []
    assert with_email.status == "open"


def test_a_double_submit_closes_once_and_sends_one_survey(client, users, customer, eager_tasks,
                                                          django_capture_on_commit_callbacks):
    service_request = open_request(customer, users["agent"])
    client.force_login(users["agent"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(change_url(service_request), close_data(service_request), headers=HTMX)
        again = client.post(change_url(service_request), close_data(service_request), headers=HTMX)
    assert "HX-Trigger" not in again
    assert f"{service_request.reference} is already closed." in text(again)
    assert len(mail.outbox) == 1


# --- notes ----------------------------------------------------------------------------------------

def test_an_agent_adds_a_note_and_it_shows_pinned_first(client, users, customer):
    agent = users["agent"]
    services.note_create(customer=customer, by=agent, body="Prefers calls after 5 pm", pinned=True)
    client.force_login(agent)
    response = client.post(notes_url(customer), {"note-body": "Asked about the family plan."}, headers=HTMX)

    assert response.status_code == 200 and response["HX-Trigger"] == "timeline-changed"
    note = Note.objects.get(body="Asked about the family plan.")
    assert note.author == agent and note.customer == customer and not note.pinned
    body = text(response)
    assert body.index("Prefers calls after 5 pm") < body.index("Asked about the family plan.")
    assert agent.get_full_name() in body and "Note added." in body


def test_an_empty_note_names_the_field_and_saves_nothing(client, users, customer):
    client.force_login(users["agent"])
    response = client.post(notes_url(customer), {"note-body": "", "note-pinned": "on"}, headers=HTMX)
    assert "Note: Write the note before saving it." in text(response)
    assert "HX-Trigger" not in response and not Note.objects.exists()


def test_without_javascript_a_note_redirects_with_a_message(client, users, customer):
    client.force_login(users["agent"])
    response = client.post(notes_url(customer), {"note-body": "Called back."})
    assert response["Location"] == f"{customer.get_absolute_url()}#customer-notes"
    assert "Note added." in text(client.get(response["Location"]))


# --- feedback -----------------------------------------------------------------------------------------

def test_the_feedback_partial_shows_kind_score_comment_and_request(client, users, customer):
    service_request = open_request(customer, users["agent"])
    services.feedback_record(customer=customer, kind=Feedback.Kind.CSAT, score=4, comment="Quick and friendly",
                             service_request=service_request, channel="survey", by=SYSTEM)
    client.force_login(users["agent"])
    body = text(client.get(feedback_url(customer), headers=HTMX))
    assert "4 / 5" in body and "Quick and friendly" in body and service_request.reference in body
    assert "Satisfaction survey" in body


# --- my open requests ------------------------------------------------------------------------------

def test_my_open_requests_lists_only_the_users_open_ones_oldest_first(client, users, north, south, customer):
    import datetime

    from django.utils import timezone

    agent, steward = users["agent"], users["steward"]
    colleague = UserFactory(roles=[access.CUSTOMER_SERVICE], teams=[north])
    now = timezone.now()
    newer = open_request(customer, agent, subject="Newer mine", opened_at=now - datetime.timedelta(days=1))
    older = open_request(customer, agent, subject="Older mine", opened_at=now - datetime.timedelta(days=9))
    open_request(customer, agent, subject="Logged unassigned", assignee=None)
    open_request(customer, colleague, subject="A colleague's")
    closed = open_request(customer, agent, subject="Done already")
    services.service_request_close(request=closed, by=agent, resolution="Fixed")
    # Assigned to the agent by a steward, but the customer is outside the agent's team: not theirs to see.
    open_request(CustomerFactory(team=south), steward, subject="South secret", assignee=agent)

    client.force_login(agent)
    response = client.get(reverse("customers:my_requests"))
    assert response.status_code == 200
    body = text(response)
    assert body.index("Older mine") < body.index("Newer mine")
    assert "Logged unassigned" in body
    for hidden in ("A colleague's", "Done already", "South secret"):
        assert hidden not in body
    assert customer.get_absolute_url() in body and customer.full_name in body and customer.customer_number in body
    assert older.reference in body and newer.reference in body


def test_a_logged_request_appears_at_once_in_my_open_requests(client, users, customer):
    client.force_login(users["agent"])
    client.post(requests_url(customer), log_data(assignee=users["agent"].pk), headers=HTMX)
    assert "Router keeps rebooting" in text(client.get(reverse("customers:my_requests")))


# --- who may do what -----------------------------------------------------------------------------

GET_CASES = {"agent": 200, "agent-south": 404, "marketer": 403, "steward": 200, "admin": 200, "nobody": 404}


@pytest.mark.parametrize("url", [requests_url, notes_url, feedback_url])
@pytest.mark.parametrize(("username", "expected"), GET_CASES.items())
def test_the_sections_follow_role_and_team(client, users, customer, url, username, expected):
    service_request = open_request(customer, users["agent"], description="Customer is very upset")
    services.note_create(customer=customer, by=users["agent"], body="Secret note text")
    services.feedback_record(customer=customer, kind="csat", score=2, comment="Secret feedback text",
                             service_request=service_request, channel="survey", by=SYSTEM)
    client.force_login(users[username])
    for headers in (HTMX, {}):
        response = client.get(url(customer), headers=headers)
        assert response.status_code == expected
        body = text(response)
        if expected != 200:
            for secret in ("Invoice shows the wrong plan", "Customer is very upset", "Secret note text",
                           "Secret feedback text", service_request.reference):
                assert secret not in body
        if expected == 404:
            assert customer.family_name not in body and customer.customer_number not in body


@pytest.mark.parametrize(("username", "expected"), [("agent-south", 404), ("marketer", 403), ("nobody", 404)])
def test_writes_outside_the_users_rights_write_nothing(client, users, customer, username, expected):
    service_request = open_request(customer, users["agent"])
    client.force_login(users[username])
    assert client.post(requests_url(customer), log_data(), headers=HTMX).status_code == expected
    assert client.post(notes_url(customer), {"note-body": "Sneaky"}, headers=HTMX).status_code == expected
    assert client.post(change_url(service_request), close_data(service_request), headers=HTMX).status_code == expected
    assert client.post(change_url(service_request), status_data(service_request, "waiting"),
                       headers=HTMX).status_code == expected
    assert ServiceRequest.objects.count() == 1 and not Note.objects.exists()
    service_request.refresh_from_db()
    assert service_request.status == "open"


def test_a_steward_logs_and_closes_on_any_team(client, users, south):
    southern = CustomerFactory(team=south)
    client.force_login(users["steward"])
    client.post(requests_url(southern), log_data(kind="complaint"), headers=HTMX)
    logged = ServiceRequest.objects.get()
    response = client.post(change_url(logged), close_data(logged, send_survey=False), headers=HTMX)
    assert response["HX-Trigger"] == "timeline-changed"
    logged.refresh_from_db()
    assert logged.status == "closed"


def test_a_reference_of_another_customer_is_404(client, users, north, customer):
    other = CustomerFactory(team=north)
    service_request = open_request(other, users["agent"])
    client.force_login(users["agent"])
    url = reverse("customers:service_request", args=[customer.customer_number, service_request.reference])
    assert client.post(url, close_data(service_request), headers=HTMX).status_code == 404


@pytest.mark.parametrize(("username", "expected"), [("agent", 200), ("steward", 200), ("marketer", 403),
                                                    ("nobody", 403)])
def test_my_open_requests_page_by_role(client, users, username, expected):
    client.force_login(users[username])
    assert client.get(reverse("customers:my_requests")).status_code == expected


def test_anonymous_users_are_sent_to_log_in(client, customer):
    for url in (requests_url(customer), notes_url(customer), feedback_url(customer), reverse("customers:my_requests")):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_360_page_context_hides_every_section_from_marketing(rf, users, customer):
    from customers.views import service_desk_context

    def context_for(user):
        request = rf.get("/")
        request.user = user
        return service_desk_context(request, customer)["service_desk"]

    assert set(context_for(users["marketer"]).values()) == {None}
    agent_sections = context_for(users["agent"])
    assert all(agent_sections[s] is not None for s in ("requests", "notes", "feedback"))


def test_my_open_requests_put_urgent_first_sort_by_age_and_link_each_reference(client, users, customer):
    agent = users["agent"]
    now = timezone.now()
    open_request(customer, agent, subject="Old and normal", opened_at=now - datetime.timedelta(days=9))
    new_urgent = open_request(customer, agent, subject="New and urgent", priority="urgent",
                              opened_at=now - datetime.timedelta(hours=1))
    client.force_login(agent)
    body = text(client.get(reverse("customers:my_requests")))
    assert body.index("New and urgent") < body.index("Old and normal")
    assert f'href="{customer.get_absolute_url()}#sr-{new_urgent.reference}"' in body
    by_age = text(client.get(reverse("customers:my_requests"), {"sort": "age"}))
    assert by_age.index("Old and normal") < by_age.index("New and urgent")
    newest = text(client.get(reverse("customers:my_requests"), {"sort": "-age"}))
    assert newest.index("New and urgent") < newest.index("Old and normal")
    assert client.get(reverse("customers:my_requests"), {"sort": "'; drop", "page": "²"}).status_code == 200
