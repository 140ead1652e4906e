"""Every model has a factory, and each builds a valid row through its service."""

import pytest
from django.apps import apps

from tests import factories as f

pytestmark = pytest.mark.django_db

# Models no test builds by hand: written only by the platform itself (history rows by simple-history,
# the search lexicon by database triggers, the key canary at start-up, guardian's team rows by team_create).
NOT_BUILT_BY_TESTS = {
    "cdm.keycanary", "cdm.teamuserobjectpermission", "cdm.teamgroupobjectpermission", "customers.searchword",
    "customers.orderline",  # built with its order: OrderFactory(lines=[...])
    "customers.matchprofile",  # derived from its customer by every customer write (customers.identity.profiles)
    "customers.qualitysnapshot", "customers.phoneverification",  # written by the quality and verification services
    "customers.merge",  # written by customers_merge (tests/customers/test_merge.py)
    "cdm.idempotencyrecord",  # written by the API for a POST with an Idempotency-Key (tests/api/test_upsert.py)
    # Written by the import services from an uploaded file (tests/customers/test_import_jobs.py).
    "customers.importsource", "customers.importjob", "customers.importfile", "customers.importproblem",
    "customers.importcreated",
    # written by the outbox and the relay (tests/cdm/test_webhooks.py)
    "cdm.outboxevent", "cdm.webhookdelivery", "cdm.webhookattempt",
}


def _factories():
    return {factory._meta.model._meta.label_lower for factory in vars(f).values()
            if isinstance(factory, type) and issubclass(factory, f.factory.Factory)
            and getattr(factory._meta, "model", None) is not None}


def test_every_model_of_the_apps_has_a_factory():
    models = {m._meta.label_lower for app in ("cdm", "customers", "consent", "segments")
              for m in apps.get_app_config(app).get_models() if not m.__name__.startswith("Historical")}
    missing = models - _factories() - NOT_BUILT_BY_TESTS
    assert not missing, f"add factories to tests/factories.py for {sorted(missing)}"


def test_each_factory_builds_a_valid_normalised_row(users, customer):
    request = f.ServiceRequestFactory(customer=customer, assignee=users["agent"])
    assert request.reference.startswith("SR-") and request.history.count() == 1
    closed = f.ClosedServiceRequestFactory(customer=customer)
    assert closed.status == "closed" and closed.closed_at
    assert f.NoteFactory(customer=customer).author is not None
    assert f.FeedbackFactory(customer=customer, service_request=request).score == 4
    order = f.OrderFactory(customer=customer, lines=[{"sku": "A", "unit_price": "10.00", "quantity": 3}])
    assert order.total_amount == 30 and order.lines.get().line_total == 30
    assert f.ActivityFactory(customer=customer).properties == {"url": "https://example.com/plans"}
    assert f.ProductHoldingFactory(customer=customer).history.count() == 1
    assert f.ExternalIdentityFactory(customer=customer, system=" CRM ").system == "crm"  # normalised
    assert f.CustomerAttributeFactory(customer=customer).value == "Retail"
    record = f.ConsentRecordFactory(customer=customer)
    assert record.granted and record.recorded_by_username == "system"
    assert f.PrivacyNoticeFactory().version
    grant = f.CustomerGrantFactory(customer=customer, user=users["agent-south"])
    assert grant.permission.codename == "view_customer"
    assert f.CustomerGroupGrantFactory(customer=customer, action="change").permission.codename == "change_customer"
    assert f.AuditEventFactory(obj=customer).object_id == str(customer.pk)
    assert f.WebhookEndpointFactory().secret.startswith("whsec_")
    assert f.ArchivedCustomerFactory().status == "archived"
    assert f.CustomerFactory(phone="(202) 555-0143").phone == "+12025550143"  # E.164, as the service stores it
