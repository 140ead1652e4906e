"""Admin list filters from the URL never reach sensitive or blind-index columns for a user who may not see them."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from cdm import access
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SENSITIVE_LOOKUPS = [
    "annual_income__isnull=False",
    "annual_income__gt=100000",
    "national_id__isnull=True",
    "national_id__startswith=AB",
    "bank_account__isnull=False",
    "bank_account=GB33BUKB20201555555555",
    "merged_into__annual_income__isnull=False",
]
BLIND_INDEX_LOOKUPS = [
    "national_id_index__startswith=0",
    "national_id_index=abc",
    "national_id_index__isnull=False",
    "national_id_index__gt=8",
]


@pytest.fixture
def changelist():
    return reverse("admin:customers_customer_changelist")


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "password")


@pytest.fixture
def revealer(db):
    """A superuser-made user who holds the sensitive permission: the admin sees the columns, never the index."""
    user = UserFactory(username="revealer", roles=[access.DATA_STEWARD])
    user.user_permissions.add(Permission.objects.get(content_type__app_label="customers",
                                                     codename="view_sensitive_data"))
    return user


@pytest.mark.parametrize("query", SENSITIVE_LOOKUPS + BLIND_INDEX_LOOKUPS)
def test_a_steward_cannot_filter_on_sensitive_or_blind_index_columns(client, users, customer, changelist, query):
    client.force_login(users["steward"])
    assert client.get(f"{changelist}?{query}").status_code == 400


@pytest.mark.parametrize("query", ["annual_income__isnull=False", "national_id_index__startswith=0"])
def test_an_admin_without_the_sensitive_permission_is_refused_too(client, users, customer, changelist, query):
    client.force_login(users["admin"])
    assert client.get(f"{changelist}?{query}").status_code == 400


def test_ordinary_filters_still_work(client, users, customer, changelist):
    client.force_login(users["steward"])
    assert client.get(f"{changelist}?status=archived").status_code == 200
    response = client.get(f"{changelist}?country=US&lifecycle_stage__exact=lead")
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["superuser", "revealer"])
def test_a_user_who_may_see_sensitive_data_may_filter_on_it_but_never_on_the_blind_index(
        client, customer, changelist, who, revealer, root):
    client.force_login(root if who == "superuser" else revealer)
    response = client.get(f"{changelist}?annual_income__isnull=False&status=all")
    assert response.status_code == 200
    assert customer.customer_number in response.content.decode()
    assert client.get(f"{changelist}?national_id_index__startswith=0").status_code == 400


def test_related_admins_cannot_reach_customer_sensitive_columns(client, users, customer):
    client.force_login(users["steward"])
    url = reverse("admin:customers_servicerequest_changelist")
    assert client.get(f"{url}?customer__annual_income__isnull=False").status_code == 400
    assert client.get(f"{url}?customer__national_id_index__startswith=0").status_code == 400
