import importlib

import pytest

from cdm import access
from tests.factories import CustomerFactory, PurposeFactory, TeamFactory, UserFactory

DEFAULT_PURPOSES = importlib.import_module("consent.migrations.0003_default_purposes").PURPOSES


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


@pytest.fixture
def default_purposes(db):
    """The purposes every installation starts with, by key (a flushed test database may lack the migration's rows)."""
    return {key: PurposeFactory(key=key, name=name, short_name=short_name, description=description)
            for key, name, short_name, description in DEFAULT_PURPOSES}
