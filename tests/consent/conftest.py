import importlib

import pytest

from cdm.access import SYSTEM
from consent import services
from consent.models import ConsentRecord, Purpose

DEFAULTS = importlib.import_module("consent.migrations.0003_default_purposes").PURPOSES


@pytest.fixture
def purposes(db):
    """The default purposes by key (the data migration made them; a flushed test database may not have them)."""
    made = {}
    for key, name, short_name, description in DEFAULTS:
        made[key], _ = Purpose.objects.get_or_create(
            key=key, defaults={"name": name, "short_name": short_name, "description": description})
    return made


@pytest.fixture
def record(purposes, customer):
    """Record a consent as the system would (no acting user), with sensible defaults."""
    def make(purpose="email-marketing", granted=True, **kwargs):
        kwargs.setdefault("method", ConsentRecord.Method.VERBAL)
        kwargs.setdefault("note", "Caller said yes.")
        kwargs.setdefault("by", SYSTEM)
        return services.consent_record(customer=kwargs.pop("customer", customer), purpose=purposes[purpose],
                                       granted=granted, **kwargs)
    return make
