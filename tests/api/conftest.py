import pytest
from rest_framework.test import APIClient

from cdm import access
from cdm.access import SYSTEM
from cdm.api.tokens import api_token_issue
from tests.factories import UserFactory


@pytest.fixture
def shop_account(north):
    """The shop's service account: customer service in team North."""
    return UserFactory(username="svc-shop", roles=[access.CUSTOMER_SERVICE], teams=[north])


@pytest.fixture
def shop_token(shop_account, north):
    token, raw = api_token_issue(by=SYSTEM, name="Shop", user=shop_account, system="shop", default_team=north)
    token.raw = raw
    return token


@pytest.fixture
def api(shop_token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {shop_token.raw}")
    return client


def token_client(user, **kwargs) -> APIClient:
    token, raw = api_token_issue(by=SYSTEM, name=f"for {user.username}", user=user, **kwargs)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.token = token
    return client
