"""Per-customer grants go through the audited service, which gives no right its caller does not hold."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from cdm.access import SYSTEM
from cdm.models import AuditEvent
from customers import services
from customers.models import Customer
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_nobody_grants_a_right_they_do_not_hold_on_that_customer(users, south):
    customer = CustomerFactory(team=south)
    granter = UserFactory(username="granter")
    granter.user_permissions.add(Permission.objects.get(codename="add_customeruserobjectpermission"),
                                 Permission.objects.get(codename="view_customer"))
    services.customer_grant(customer=customer, action="view", by=SYSTEM, user=granter)
    with pytest.raises(ValidationError) as refused:
        services.customer_grant(customer=customer, action="change", by=granter, user=users["agent"])
    assert "permission" in refused.value.message_dict
    assert not Customer.objects.restrict(users["agent"], "change").filter(pk=customer.pk).exists()
    # What they hold they may pass on, and it is audited.
    services.customer_grant(customer=customer, action="view", by=granter, user=users["agent"])
    assert Customer.objects.restrict(users["agent"], "view").filter(pk=customer.pk).exists()
    assert AuditEvent.objects.filter(action="customer.grant", actor=granter).count() == 1


def test_a_change_grant_lets_its_holder_see_the_customer(users, north):
    customer = CustomerFactory(team=north)
    services.customer_grant(customer=customer, action="change", by=SYSTEM, user=users["agent-south"])
    assert Customer.objects.restrict(users["agent-south"], "view").filter(pk=customer.pk).exists()
