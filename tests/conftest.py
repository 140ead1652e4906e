import pytest

from cdm import access
from tests.factories import CustomerFactory, TeamFactory, UserFactory


@pytest.fixture
def north(db):
    return TeamFactory(name="North")


@pytest.fixture
def south(db):
    return TeamFactory(name="South")


@pytest.fixture
def users(north, south):
    """One user per role, the agents in their teams (the demo cast)."""
    return {
        "agent": UserFactory(username="agent", roles=[access.CUSTOMER_SERVICE], teams=[north]),
        "agent-south": UserFactory(username="agent-south", roles=[access.CUSTOMER_SERVICE], teams=[south]),
        "marketer": UserFactory(username="marketer", roles=[access.MARKETING]),
        "steward": UserFactory(username="steward", roles=[access.DATA_STEWARD]),
        "admin": UserFactory(username="admin", roles=[access.ADMIN]),
        "nobody": UserFactory(username="nobody"),
    }


@pytest.fixture
def customer(north):
    return CustomerFactory(team=north, given_name="Ada", family_name="Lovelace", national_id="AB 123 456 C",
                           annual_income="85000.00")
