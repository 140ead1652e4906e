"""The satisfaction survey: a signed, expiring link in an e-mail opens a public one-question page;
the answer lands on the request as feedback. Expired, tampered or answered links get a friendly page."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from freezegun import freeze_time

import cdm.celery
from cdm.access import SYSTEM
from customers import services
from customers.models import Feedback
from customers.tasks import service_request_send_survey
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def eager_tasks(monkeypatch):
    """Run Celery tasks in-process even where CI configures a broker and a worker."""
    # setitem, not setattr: pytest 9 undoes setattr by deleting the instance attribute, which
    # Celery's settings mapping refuses; setitem restores the previous value instead.
    monkeypatch.setitem(cdm.celery.app.conf, "task_always_eager", True)


@pytest.fixture
def closed_request(users, customer):
    service_request = services.service_request_create(customer=customer, by=users["agent"],
                                                      subject="Broken charger", assignee=users["agent"])
    return services.service_request_close(request=service_request, by=users["agent"], resolution="Sent a new one")


def survey_url(service_request):
    """The link the customer got: the survey is sent first if it was not yet (only then is there a link)."""
    if not service_request.survey_key:
        assert services.service_request_survey_send(request_id=service_request.pk, by=SYSTEM)
        service_request.refresh_from_db()
    return reverse("survey:answer", args=[services.survey_token_make(service_request)])


def text(response):
    return response.content.decode()


def test_the_emailed_link_opens_the_public_page_and_the_answer_shows_on_the_360_sections(
        client, users, customer, eager_tasks, django_capture_on_commit_callbacks):
    service_request = services.service_request_create(customer=customer, by=users["agent"], subject="Broken charger")
    client.force_login(users["agent"])
    url = reverse("customers:service_request", args=[customer.customer_number, service_request.reference])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "close", f"{service_request.reference}-close-resolution": "Sent a new one",
                          f"{service_request.reference}-close-send_survey": "yes"}, headers=HTMX)
    link = re.search(r"http://127\.0\.0\.1:8000(/survey/[^\s]+/)", mail.outbox[0].body).group(1)

    client.logout()
    page = client.get(link)
    assert page.status_code == 200
    body = text(page)
    assert f"How satisfied are you with how we handled your request {service_request.reference}?" in body
    assert "Broken charger" not in body  # the agents' subject is not the customer's business
    for private in (customer.family_name, customer.email, customer.customer_number, "Sent a new one"):
        assert private not in body
    assert page["Referrer-Policy"] == "same-origin"

    answered = client.post(link, {"score": "4", "comment": "Quick, thanks"})
    assert answered.status_code == 302 and answered["Location"] == reverse("survey:thanks")
    assert "Thank you" in text(client.get(answered["Location"]))

    feedback = Feedback.objects.get()
    assert (feedback.kind, feedback.score, feedback.comment, feedback.channel) == ("csat", 4, "Quick, thanks", "survey")
    assert feedback.service_request == service_request and feedback.customer == customer

    client.force_login(users["agent"])
    section = text(client.get(reverse("customers:feedback", args=[customer.customer_number]), headers=HTMX))
    assert "4 / 5" in section and "Quick, thanks" in section and service_request.reference in section


def test_the_public_page_sets_no_cookie_and_needs_none(closed_request):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    url = survey_url(closed_request)
    page = browser.get(url)
    assert page.status_code == 200 and not page.cookies
    assert "no-store" in page["Cache-Control"] and page["X-Robots-Tag"] == "noindex, nofollow"
    # The signed link is the credential: a browser that blocks cookies can still answer.
    assert browser.post(url, {"score": "3"}).status_code == 302
    assert Feedback.objects.get().score == 3


def test_a_score_is_required_and_must_be_1_to_5(client, closed_request):
    url = survey_url(closed_request)
    for data in ({"comment": "no score"}, {"score": "6"}, {"score": "0"}):
        response = client.post(url, data)
        assert response.status_code == 200
        assert "Score: Choose a score from 1 to 5." in text(response)
    assert not Feedback.objects.exists()


def test_the_comment_is_optional(client, closed_request):
    client.post(survey_url(closed_request), {"score": "5"})
    assert Feedback.objects.get().comment == ""


def test_a_second_answer_is_refused(client, closed_request):
    url = survey_url(closed_request)
    client.post(url, {"score": "2"})
    again = client.post(url, {"score": "5"})
    assert again.status_code == 200 and "already been answered" in text(again)
    assert "Broken charger" not in text(again)
    assert "already been answered" in text(client.get(url))
    assert list(Feedback.objects.values_list("score", flat=True)) == [2]


def test_a_new_link_for_the_same_request_cannot_answer_twice(client, closed_request):
    client.post(survey_url(closed_request), {"score": "2"})
    client.post(survey_url(closed_request), {"score": "5"})
    assert Feedback.objects.count() == 1


def test_an_expired_link_says_so(client, closed_request):
    with freeze_time("2026-03-01 09:00:00"):
        url = survey_url(closed_request)
    with freeze_time("2026-03-14 09:00:00"):
        assert client.get(url).status_code == 200  # 13 days: still valid
    with freeze_time("2026-03-16 09:00:00"):
        response = client.get(url)
        posted = client.post(url, {"score": "5"})
    assert response.status_code == 410 and "expired" in text(response)
    assert "Broken charger" not in text(response)
    assert posted.status_code == 410 and not Feedback.objects.exists()


def test_the_link_lifetime_follows_the_setting(client, closed_request, settings):
    settings.CDM_SURVEY_MAX_AGE_DAYS = 1
    with freeze_time("2026-03-01 09:00:00"):
        url = survey_url(closed_request)
    with freeze_time("2026-03-02 10:00:00"):
        assert client.get(url).status_code == 410


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature changed
    lambda token: "eyJzciI6OTk5OTk5fQ" + token[token.index(":"):],  # payload swapped: {"sr":999999}
    lambda token: "not-a-token",
])
def test_a_tampered_link_gets_a_friendly_page_not_an_error(client, closed_request, tamper):
    token = survey_url(closed_request).split("/")[-2]
    url = reverse("survey:answer", args=[tamper(token)])
    for response in (client.get(url), client.post(url, {"score": "5"})):
        assert response.status_code == 404
        assert "This link does not work" in text(response) and "Broken charger" not in text(response)
    assert not Feedback.objects.exists()


def test_a_link_signed_for_another_purpose_is_refused(client, closed_request):
    from django.core import signing

    token = signing.dumps({"sr": closed_request.pk}, salt="consent.preferences")
    assert client.get(reverse("survey:answer", args=[token])).status_code == 404


def test_a_link_to_a_deleted_request_is_refused(client, closed_request):
    url = survey_url(closed_request)
    closed_request.delete()
    assert client.get(url).status_code == 404


def test_the_task_sends_nothing_when_the_request_was_reopened(users, closed_request, eager_tasks):
    services.service_request_update(request=closed_request, by=users["agent"], status="open")
    assert service_request_send_survey.delay(closed_request.pk).get() is False
    assert mail.outbox == []


def test_the_task_sends_nothing_once_answered(users, closed_request, eager_tasks):
    services.survey_answer(token=survey_url(closed_request).split("/")[-2], score=5, by=SYSTEM)
    assert service_request_send_survey.delay(closed_request.pk).get() is False
    assert len(mail.outbox) == 1  # the survey itself, and nothing after the answer


def test_the_link_names_a_random_key_not_the_request(closed_request):
    token = survey_url(closed_request).split("/")[-2]
    key = token.split(":")[0]
    assert key == closed_request.survey_key and len(key) >= 20 and str(closed_request.pk) != key


def test_no_answer_for_a_request_whose_survey_was_not_sent(client, closed_request):
    """A signed key that no sent survey carries (guessed, or of a survey never sent) opens nothing."""
    from django.core import signing

    forged = signing.TimestampSigner(salt=services.SURVEY_SALT).sign("not-a-survey-key-000000")
    response = client.post(reverse("survey:answer", args=[forged]), {"score": "5"})
    assert response.status_code == 404 and not Feedback.objects.exists()
    with pytest.raises(ValueError):
        services.survey_token_make(closed_request)  # no survey went out: there is no link to make


def test_a_reopened_request_takes_no_answer(client, users, closed_request):
    from customers.models import ServiceRequest

    url = survey_url(closed_request)
    services.service_request_update(request=closed_request, by=users["agent"], status=ServiceRequest.Status.OPEN)
    response = client.post(url, {"score": "1"})
    assert "still working on this request" in text(response) and not Feedback.objects.exists()


def test_the_link_uses_the_public_base_url(users, closed_request, settings, eager_tasks):
    settings.CDM_PUBLIC_BASE_URL = "https://service.example.com/"
    assert service_request_send_survey.delay(closed_request.pk).get() is True
    assert "https://service.example.com/survey/" in mail.outbox[0].body


def test_service_close_queues_the_survey_only_on_commit_and_with_an_email(users, north, customer, eager_tasks,
                                                                          django_capture_on_commit_callbacks):
    agent = users["agent"]
    with_email = services.service_request_create(customer=customer, by=agent, subject="A")
    without = services.service_request_create(customer=CustomerFactory(team=north, email=""), by=agent, subject="B")
    with django_capture_on_commit_callbacks() as callbacks:
        services.service_request_close(request=with_email, by=agent, resolution="Done", send_survey=True)
        services.service_request_close(request=without, by=agent, resolution="Done", send_survey=True)
    assert mail.outbox == []  # nothing is sent before the commit
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [[customer.email]]


@pytest.mark.django_db
def test_a_redelivered_survey_task_sends_one_email(customer, users, mailoutbox):
    """acks_late redelivers a task after a worker crash: the customer still gets one e-mail."""
    from customers.models import ServiceRequest

    request = services.service_request_create(customer=customer, by=users["agent"], subject="Billing question")
    services.service_request_update(request=request, by=users["agent"], status=ServiceRequest.Status.CLOSED,
                                    resolution="Explained the invoice")
    assert service_request_send_survey.apply(args=[request.pk]).get() is True
    assert service_request_send_survey.apply(args=[request.pk]).get() is False
    assert len(mailoutbox) == 1
    request.refresh_from_db()
    assert request.survey_sent_at is not None
    assert request.history.latest().history_change_reason == "Satisfaction survey sent"
