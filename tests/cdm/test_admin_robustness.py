"""Bad admin URLs and parameters get a 404, the admin's "invalid parameters" answer or a 400, never a 500."""

import pytest
from django.urls import reverse

from cdm import access
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, users):
    client.raise_request_exception = False  # a 500 must show as a status, not as the test's traceback
    client.force_login(users["admin"])
    return client


@pytest.mark.parametrize("version", ["abc", "1.5", "99999999999999999999999"])
def test_a_history_version_that_is_not_a_number_is_404(admin_client, customer, version):
    url = f"/admin/customers/customer/{customer.pk}/history/{version}/"
    assert admin_client.get(url).status_code == 404


def test_a_history_version_of_an_object_id_that_is_not_a_number_is_404(admin_client, customer):
    version = customer.history.latest().history_id
    assert admin_client.get(f"/admin/customers/customer/abc/history/{version}/").status_code == 404


def test_a_real_history_version_still_opens(admin_client, customer):
    version = customer.history.latest().history_id
    assert admin_client.get(f"/admin/customers/customer/{customer.pk}/history/{version}/").status_code == 200


def test_a_history_version_outside_the_users_rights_is_404(client, customer, south):
    # A staff agent of the South team: the North customer does not exist for them, nor do its versions.
    agent = UserFactory(username="staff-south", roles=[access.CUSTOMER_SERVICE], teams=[south])
    agent.is_staff = True
    agent.save()
    client.force_login(agent)
    version = customer.history.latest().history_id
    assert client.get(f"/admin/customers/customer/{customer.pk}/history/{version}/").status_code == 404


@pytest.mark.parametrize(("changelist", "query"), [
    ("admin:cdm_auditevent_changelist", "occurred_at__year=99999999999"),
    ("admin:cdm_auditevent_changelist", "occurred_at__year=99999999999&occurred_at__month=13"),
    ("admin:cdm_auditevent_changelist", "occurred_at__year=2024&occurred_at__month=13"),
    ("admin:cdm_auditevent_changelist", "occurred_at__year=2024&occurred_at__month=2&occurred_at__day=99999999999"),
    ("admin:cdm_auditevent_changelist", "occurred_at__gte=99999999999-01-01"),
    ("admin:cdm_auditevent_changelist", "occurred_at__year__gt=99999999999"),
    ("admin:cdm_auditevent_changelist", "occurred_at__date=99999999999-01-01"),
    ("admin:cdm_auditevent_changelist", "id__in=99999999999999999999999,1"),
    ("admin:cdm_auditevent_changelist", "id__range=1,99999999999999999999999"),
    ("admin:customers_customer_changelist", "created_at__year=99999999999"),
    ("admin:customers_customer_changelist", "date_of_birth__year=99999999999"),
    ("admin:customers_customer_changelist", "date_of_birth__year__lte=-99999999999"),
    ("admin:customers_servicerequest_changelist", "opened_at__year=99999999999"),
    ("admin:consent_consentrecord_changelist", "recorded_at__year=99999999999"),
    ("admin:consent_consentrecord_changelist", "recorded_at__year=99999999999&recorded_at__month=1"),
    # Third-party admins get the same answer.
    ("admin:django_celery_results_taskresult_changelist", "date_done__year=99999999999"),
    ("admin:django_celery_beat_periodictask_changelist", "last_run_at__year=99999999999"),
    ("admin:auth_user_changelist", "date_joined__year=99999999999"),
])
def test_an_out_of_range_date_filter_is_refused_cleanly(admin_client, customer, changelist, query):
    response = admin_client.get(f"{reverse(changelist)}?{query}")
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 302:
        assert response["Location"].endswith("?e=1")  # the admin's "invalid parameters" answer


def test_every_registered_admin_has_the_cdm_mixin():
    from django.contrib import admin

    from cdm.admin import CdmAdminMixin

    assert all(isinstance(model_admin, CdmAdminMixin) for model_admin in admin.site._registry.values())


def test_a_sane_date_filter_still_lists(admin_client, customer):
    response = admin_client.get(reverse("admin:customers_customer_changelist") + "?created_at__year=2024")
    assert response.status_code == 200
    response = admin_client.get(reverse("admin:cdm_auditevent_changelist") + "?occurred_at__year=2024&occurred_at__month=3")
    assert response.status_code == 200


@pytest.mark.parametrize("changelist", ["admin:customers_customer_changelist", "admin:auth_group_changelist",
                                        "admin:cdm_auditevent_changelist", "admin:consent_purpose_changelist",
                                        "admin:django_celery_results_taskresult_changelist"])
def test_a_search_of_a_thousand_words_uses_the_first_few(admin_client, customer, changelist):
    response = admin_client.get(reverse(changelist), {"q": " ".join(["lovelace"] * 1000)})
    assert response.status_code == 200
    assert "Only the first 10 words of the search were used." in response.content.decode()
