"""Every change to a customer that another system would want to hear of is an event in the outbox: restores,
typed attributes and the archive of an import's customers on undo too."""

import pytest

from cdm.access import SYSTEM
from cdm.webhooks.models import OutboxEvent
from customers import services
from customers.models import Customer
from tests.cdm.test_webhooks import endpoint_new
from tests.factories import AttributeDefinitionFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribed(db):
    endpoint_new("http://127.0.0.1:9/hook", events=["customer.updated", "customer.archived"])


def _events():
    return list(OutboxEvent.objects.order_by("id").values_list("type", "object_id"))


def test_a_restored_customer_is_an_update(subscribed, north):
    customer = CustomerFactory(team=north, status=Customer.Status.ARCHIVED)
    services.customer_restore(customer=customer, by=SYSTEM, reason="came back")
    assert _events() == [("customer.updated", str(customer.pk))]


def test_a_typed_attribute_set_is_an_update_naming_it(subscribed, north):
    customer = CustomerFactory(team=north)
    definition = AttributeDefinitionFactory(key="shoe_size", data_type="number")
    services.customer_attribute_set(customer=customer, definition=definition, value="42", by=SYSTEM)
    event = OutboxEvent.objects.get()
    assert (event.type, event.payload["data"]["attribute"]) == ("customer.updated", "shoe_size")


def test_undoing_an_import_archives_its_customers_with_an_event_each(subscribed, users, north):
    from tests.customers.test_import_jobs import _mapped, _run
    from customers import imports

    steward = users["steward"]
    job = _run(steward, _mapped(steward, north))
    OutboxEvent.objects.all().delete()
    result = imports.import_job_undo(job=job, by=steward)
    assert [t for t, _id in _events()] == ["customer.archived"] * result["undone"] and result["undone"] > 0
