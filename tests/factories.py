"""Test data built through the services, so it is normalised exactly like real data.

One factory per model. `by` (the acting user) defaults to cdm.access.SYSTEM, the system itself, so a factory
never fails on rights; pass `by=user` to build data as a user would (the service then checks rights).
"""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from cdm import access
from cdm.access import SYSTEM
from cdm.models import AuditEvent, Team
from cdm.services import audit_record, team_create
from consent import services as consent_services
from consent.models import ConsentRecord, PrivacyNotice, Purpose
from customers import services
from customers.models import (
    Activity,
    AttributeDefinition,
    Customer,
    CustomerAttribute,
    CustomerGroupObjectPermission,
    CustomerUserObjectPermission,
    DuplicateCandidate,
    ExternalIdentity,
    Feedback,
    AutoMergeRule,
    MatchModel,
    Note,
    Order,
    Product,
    ProductHolding,
    ServiceRequest,
)


class _ServiceFactory(factory.django.DjangoModelFactory):
    """Base for factories whose rows are written by a service: `_create` calls it, `by` passes through."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return cls.service(**kwargs)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team{n}")

    @classmethod
    def _create(cls, model_class, name, **kwargs):
        existing = Team.objects.filter(name=name).first()
        return existing or team_create(name=name, **{"by": SYSTEM, **kwargs})


class UserFactory(factory.django.DjangoModelFactory):
    """`roles`: role group names from cdm.access; `teams`: Team objects the user works in."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for name in extracted or []:
            self.groups.add(Group.objects.get(name=name))
        if extracted and any(name in ("Admin", "Data steward") for name in extracted):
            self.is_staff = True
        self.save()

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        for team in extracted or []:
            self.groups.add(team.group)


class GroupFactory(factory.django.DjangoModelFactory):
    """A plain group (not a role, not a team), e.g. to hold per-customer grants."""

    class Meta:
        model = Group
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Group{n}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone = factory.Sequence(lambda n: f"+1 202 555 {n % 10000:04d}")
    date_of_birth = datetime.date(1985, 4, 12)
    address_line1 = "1600 Pennsylvania Ave NW"
    postal_code = "20500"
    city = "Washington"
    region = "DC"
    country = "US"
    team = factory.SubFactory(TeamFactory, name="North")

    @classmethod
    def _create(cls, model_class, *args, by=SYSTEM, **kwargs):
        team = kwargs.pop("team")
        return services.customer_create(by=by, team=team, reason="test data", **kwargs)


class ArchivedCustomerFactory(CustomerFactory):
    """A customer the archive task took out of the active lists (with its history row)."""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        customer = super()._create(model_class, *args, **kwargs)
        customer.status = Customer.Status.ARCHIVED
        services.customer_bulk_update(customers=[customer], fields=["status"], by=SYSTEM, reason="archived: test data")
        return customer


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"plan-{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())
    kind = Product.Kind.PLAN


# --- transactional data ----------------------------------------------------------------------

class ServiceRequestFactory(_ServiceFactory):
    class Meta:
        model = ServiceRequest

    service = staticmethod(services.service_request_create)
    customer = factory.SubFactory(CustomerFactory)
    subject = factory.Sequence(lambda n: f"Router keeps rebooting ({n})")
    by = SYSTEM


class ClosedServiceRequestFactory(ServiceRequestFactory):
    """A request closed with a resolution (no survey queued)."""

    @classmethod
    def _create(cls, model_class, *args, resolution="Replaced the router.", **kwargs):
        opened = services.service_request_create(**kwargs)
        return services.service_request_close(request=opened, by=kwargs.get("by", SYSTEM), resolution=resolution)


class NoteFactory(_ServiceFactory):
    class Meta:
        model = Note

    service = staticmethod(services.note_create)
    customer = factory.SubFactory(CustomerFactory)
    body = factory.Sequence(lambda n: f"Called back about the invoice ({n}).")
    by = factory.SubFactory(UserFactory, roles=[access.ADMIN])  # a note always has an author


class FeedbackFactory(_ServiceFactory):
    class Meta:
        model = Feedback

    service = staticmethod(services.feedback_record)
    customer = factory.SubFactory(CustomerFactory)
    kind = Feedback.Kind.CSAT
    score = 4
    comment = "Quick and friendly."
    by = SYSTEM


class OrderFactory(_ServiceFactory):
    """An order with one line by default; pass `lines=[{"sku":..., "unit_price":..., "quantity":...}]`."""

    class Meta:
        model = Order

    service = staticmethod(services.order_create)
    customer = factory.SubFactory(CustomerFactory)
    order_number = factory.Sequence(lambda n: f"ORD-{100000 + n}")
    placed_at = factory.LazyFunction(timezone.now)
    lines = factory.LazyFunction(lambda: [{"sku": "ROUTER-X", "description": "Router X", "quantity": 1,
                                           "unit_price": Decimal("89.00")}])
    by = SYSTEM


class ActivityFactory(_ServiceFactory):
    class Meta:
        model = Activity

    service = staticmethod(services.activity_record)
    customer = factory.SubFactory(CustomerFactory)
    kind = Activity.Kind.VISIT
    properties = factory.LazyFunction(lambda: {"url": "https://example.com/plans"})
    by = SYSTEM


class ProductHoldingFactory(_ServiceFactory):
    class Meta:
        model = ProductHolding

    service = staticmethod(services.product_holding_create)
    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductFactory)
    started_on = datetime.date(2024, 1, 15)
    by = SYSTEM


class ExternalIdentityFactory(_ServiceFactory):
    class Meta:
        model = ExternalIdentity

    service = staticmethod(services.external_identity_link)
    customer = factory.SubFactory(CustomerFactory)
    system = "crm"
    external_id = factory.Sequence(lambda n: f"CRM-{n:06d}")
    by = SYSTEM


class AttributeDefinitionFactory(_ServiceFactory):
    class Meta:
        model = AttributeDefinition

    key = factory.Sequence(lambda n: f"industry-{n}")
    label = factory.Sequence(lambda n: f"Industry {n}")
    data_type = AttributeDefinition.DataType.CHOICE
    allowed_values = factory.LazyFunction(lambda: ["Retail", "Banking", "Energy"])
    field_group = "demographics"

    @classmethod
    def _create(cls, model_class, *args, by=SYSTEM, **kwargs):
        return services.catalog_save(instance=model_class(**kwargs), by=by)


class CustomerAttributeFactory(_ServiceFactory):
    class Meta:
        model = CustomerAttribute

    service = staticmethod(services.customer_attribute_set)
    customer = factory.SubFactory(CustomerFactory)
    definition = factory.SubFactory(AttributeDefinitionFactory)
    value = "Retail"
    by = SYSTEM


# --- consent -----------------------------------------------------------------------------------

class PurposeFactory(factory.django.DjangoModelFactory):
    """A purpose by key; the default purposes of the data migration are reused, not duplicated."""

    class Meta:
        model = Purpose

    key = factory.Sequence(lambda n: f"purpose-{n}")
    name = factory.LazyAttribute(lambda o: o.key.replace("-", " ").capitalize())

    @classmethod
    def _create(cls, model_class, *args, by=SYSTEM, **kwargs):
        existing = Purpose.objects.filter(key=kwargs["key"]).first()
        return existing or consent_services.purpose_save(purpose=model_class(**kwargs), by=by)


class PrivacyNoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PrivacyNotice

    version = factory.Sequence(lambda n: f"2025-{n + 1:02d}")
    text = "We keep your data to serve you, and never sell it."

    @classmethod
    def _create(cls, model_class, *args, by=SYSTEM, **kwargs):
        return consent_services.privacy_notice_save(notice=model_class(**kwargs), by=by)


class ConsentRecordFactory(_ServiceFactory):
    class Meta:
        model = ConsentRecord

    service = staticmethod(consent_services.consent_record)
    customer = factory.SubFactory(CustomerFactory)
    purpose = factory.SubFactory(PurposeFactory, key="email-marketing", name="E-mail marketing")
    granted = True
    method = ConsentRecord.Method.VERBAL
    note = "Caller (the customer herself) said yes to offers by e-mail."
    by = SYSTEM


# --- rights and the audit log ---------------------------------------------------------------------

class CustomerGrantFactory(_ServiceFactory):
    """A per-customer grant (`action` "view" or "change") to `user` or `group`, through the audited service."""

    class Meta:
        model = CustomerUserObjectPermission

    service = staticmethod(services.customer_grant)
    customer = factory.SubFactory(CustomerFactory)
    action = "view"
    by = SYSTEM


class CustomerGroupGrantFactory(CustomerGrantFactory):
    class Meta:
        model = CustomerGroupObjectPermission

    group = factory.SubFactory(GroupFactory)


class AuditEventFactory(_ServiceFactory):
    class Meta:
        model = AuditEvent

    service = staticmethod(audit_record)
    by = SYSTEM
    action = "customer.reveal"
    obj = factory.SubFactory(CustomerFactory)
    fields = ("national_id",)


class DuplicateCandidateFactory(factory.django.DjangoModelFactory):
    """An open pair, raised as a create or an edit raises one (customers.services.duplicate_candidate_raise)."""

    class Meta:
        model = DuplicateCandidate

    @classmethod
    def _create(cls, model_class, *, customer, other, probability=0.97, origin="entry", **kwargs):
        from customers.identity.compare import levels
        from customers.identity.features import profile_of
        from customers.identity.model import MatchParameters, score
        from customers.identity.realtime import Match

        found = score(MatchParameters.defaults(), levels(profile_of(customer), profile_of(other)))
        found.probability = probability
        services.duplicate_candidate_raise(customer=customer, match=Match(other.pk, other.team_id, found),
                                           origin=origin, by=SYSTEM)
        a, b = sorted((customer.pk, other.pk))
        return model_class.objects.get(customer_a_id=a, customer_b_id=b)


class AutoMergeRuleFactory(factory.django.DjangoModelFactory):
    """A rule as an admin saves it (customers.services.auto_merge_rule_save); inactive unless told."""

    class Meta:
        model = AutoMergeRule

    name = factory.Sequence(lambda n: f"Same national ID {n}")
    identifier = AutoMergeRule.Identifier.NATIONAL_ID

    @classmethod
    def _create(cls, model_class, **kwargs):
        from customers.services import auto_merge_rule_save

        return auto_merge_rule_save(instance=model_class(**kwargs), by=SYSTEM)


class MatchModelFactory(factory.django.DjangoModelFactory):
    """Weights as a training leaves them (customers.identity.store.save_parameters)."""

    class Meta:
        model = MatchModel

    @classmethod
    def _create(cls, model_class, **kwargs):
        from customers.identity.model import MatchParameters
        from customers.identity.store import save_parameters

        params = MatchParameters.defaults()
        params.trained_on = {"pairs": 1000, "labels": 0, "iterations": 5}
        return save_parameters(params)


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """An issued API token (through the service); the raw token is on `.raw`."""

    class Meta:
        model = "cdm.ApiToken"

    name = factory.Sequence(lambda n: f"Integration {n}")
    user = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, **kwargs):
        from cdm.api.tokens import api_token_issue

        token, raw = api_token_issue(**{"by": SYSTEM, **kwargs})
        token.raw = raw
        return token


class SourceSystemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.SourceSystem"

    system = factory.Sequence(lambda n: f"system{n}")
    priorities = factory.LazyFunction(dict)

    @classmethod
    def _create(cls, model_class, **kwargs):
        from customers import services

        return services.catalog_save(instance=model_class(**kwargs), by=SYSTEM)


class SkippedChangeFactory(factory.django.DjangoModelFactory):
    """A skipped change as the sync rules record it (customers.services.sync)."""

    class Meta:
        model = "customers.SkippedChange"

    customer = factory.SubFactory(CustomerFactory)
    field = "email"
    system = "shop"
    value = "old@example.org"
    source_at = factory.LazyFunction(timezone.now)
    reason = "older"
    kept_system = "cdm"
    kept_at = factory.LazyFunction(timezone.now)


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    """An endpoint as an admin saves it (cdm.webhooks.services.webhook_endpoint_save, which sets its secret)."""

    class Meta:
        model = "cdm.WebhookEndpoint"

    name = factory.Sequence(lambda n: f"Hook {n}")
    url = "https://hooks.example.com/cdm"
    event_types = factory.LazyFunction(lambda: ["customer.created", "customer.updated"])
    role = access.MARKETING

    @classmethod
    def _create(cls, model_class, **kwargs):
        from cdm.webhooks.services import webhook_endpoint_save

        endpoint = model_class(**kwargs)
        webhook_endpoint_save(endpoint=endpoint, by=SYSTEM)
        return endpoint


def candidate_set(**values) -> DuplicateCandidate:
    """A candidate pair with exactly these values, whether or not creating its customers already raised it
    (random customers may match each other)."""
    pair = {k: values.pop(k) for k in list(values) if k.startswith(("customer_a", "customer_b"))}
    values.setdefault("status", DuplicateCandidate.Status.OPEN)
    return DuplicateCandidate.objects.update_or_create(**pair, defaults=values)[0]
