"""The world of one matrix case: the cast, the user of the case logged in, and the target customer
placed in the scope of the case (own team, other team, other team with a view or change grant).

Everything is built on first use (cached_property), so a case pays only for what its URL needs.
"""

from functools import cached_property

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cdm.access import SYSTEM
from tests import factories as f

# Distinctive, so a body that names the customer is never a coincidence.
TARGET = {"given_name": "Quintessa", "family_name": "Zyxwardine"}


class World:
    def __init__(self, *, client, users, north, south, role, scope):
        self.client, self.users, self.north, self.south = client, users, north, south
        self.role, self.scope = role, scope
        self.user = AnonymousUser() if role == "anonymous" else users[role]
        if self.user.is_authenticated:
            client.force_login(self.user)

    @property
    def built_customer(self):
        """The target customer if this case built one (only then can a body leak it)."""
        return self.__dict__.get("customer")

    @cached_property
    def customer(self):
        own = {"agent": self.north, "agent-south": self.south}.get(self.role)
        other = self.north if self.role == "agent-south" else self.south
        customer = f.CustomerFactory(team=own if self.scope == "own" else other, **TARGET)
        if self.scope in ("view", "change") and self.user.is_authenticated:
            f.CustomerGrantFactory(customer=customer, action=self.scope, user=self.user)
        return customer

    @cached_property
    def service_request(self):
        """An open request on the target customer, assigned to the user (it shows in "My open requests")."""
        assignee = self.user if self.user.is_authenticated else None
        return f.ServiceRequestFactory(customer=self.customer, subject="Matrix: invoice shows the wrong plan",
                                       assignee=assignee)

    @cached_property
    def purposes(self):
        from tests.conftest import DEFAULT_PURPOSES

        return {key: f.PurposeFactory(key=key, name=name, short_name=short, description=text)
                for key, name, short, text in DEFAULT_PURPOSES}

    @cached_property
    def survey_token(self):
        from customers import services

        closed = f.ClosedServiceRequestFactory(customer=self.customer, subject="Matrix: survey")
        services.service_request_survey_send(request_id=closed.pk, by=SYSTEM)
        closed.refresh_from_db()  # the survey key made when it went out
        return services.survey_token_make(closed)

    @cached_property
    def content_type_id(self):
        from django.contrib.contenttypes.models import ContentType

        return ContentType.objects.get_for_model(type(self.customer)).pk

    @cached_property
    def user_obj(self):
        return self.users["agent"]

    def admin_object(self, label: str):
        cache = self.__dict__.setdefault("_admin_objects", {})
        if label not in cache:
            cache[label] = ADMIN_OBJECTS[label](self)
        return cache[label]

    def url(self, entry) -> str:
        args = entry.args(self) if entry.args else {}
        if "/" in entry.name:  # an unnamed pattern: the route of its model's object, or the admin catch-all
            if entry.name.startswith("admin/(?P<url>"):
                return "/admin/" + args["url"]
            return "/" + entry.name.replace("<path:object_id>", str(args[0]))
        name = entry.name.split("|")[0]  # a variant: "<URL name>|<what>"
        return reverse(name, args=args) if isinstance(args, list) else reverse(name, kwargs=args)


def _celery_beat(kind):
    def make(world):
        from django_celery_beat import models as beat

        if kind == "interval":
            return beat.IntervalSchedule.objects.create(every=10, period=beat.IntervalSchedule.SECONDS)
        if kind == "crontab":
            return beat.CrontabSchedule.objects.create(minute="0", hour="3")
        if kind == "solar":
            return beat.SolarSchedule.objects.create(event="sunrise", latitude=51.5, longitude=-0.1)
        if kind == "clocked":
            return beat.ClockedSchedule.objects.create(clocked_time=timezone.now())
        interval = beat.IntervalSchedule.objects.create(every=1, period=beat.IntervalSchedule.DAYS)
        return beat.PeriodicTask.objects.create(name="matrix: archive", task="customers.tasks.archive",
                                                interval=interval)
    return make


def _task_result(world):
    from django_celery_results.models import TaskResult

    return TaskResult.objects.create(task_id="matrix-task", status="SUCCESS")


def _axes(model_name):
    def make(world):
        from axes import models as axes_models

        extra = {"failures_since_start": 1, "get_data": "", "post_data": ""} if model_name == "AccessAttempt" else {}
        return getattr(axes_models, model_name).objects.create(
            username="matrix", ip_address="127.0.0.1", user_agent="matrix", http_accept="*/*", path_info="/admin/login/",
            **extra)
    return make


def _group_result(world):
    from django_celery_results.models import GroupResult

    return GroupResult.objects.create(group_id="matrix-group")


# One object per registered admin model; customer-bound rows hang off the target customer.
def _candidate(world):
    other = f.CustomerFactory(team=world.north, given_name="Matrix", family_name="Pair", email="pair@example.com")
    return f.DuplicateCandidateFactory(customer=world.customer, other=other)


def _merge(world):
    from customers import services

    candidate = _candidate(world)
    other = candidate.customer_b if candidate.customer_a_id == world.customer.pk else candidate.customer_a
    return services.customers_merge(survivor=world.customer, absorbed=[other], by=SYSTEM)


def _webhook(kind):
    def make(world):
        from cdm.models import OutboxEvent, WebhookDelivery

        endpoint = f.WebhookEndpointFactory(name="matrix hook")
        if kind == "endpoint":
            return endpoint
        event = OutboxEvent.objects.create(type="customer.updated", object_type="customers.customer",
                                           object_id=str(world.customer.pk), published_at=timezone.now(),
                                           payload={"data": {"customer_number": world.customer.customer_number}})
        if kind == "event":
            return event
        return WebhookDelivery.objects.create(event=event, endpoint=endpoint, status="failed", attempts=1)
    return make


ADMIN_OBJECTS = {
    "cdm.webhookendpoint": _webhook("endpoint"),
    "cdm.webhookdelivery": _webhook("delivery"),
    "cdm.outboxevent": _webhook("event"),
    "customers.merge": _merge,
    "customers.duplicatecandidate": _candidate,
    "customers.matchmodel": lambda w: f.MatchModelFactory(),
    "customers.automergerule": lambda w: f.AutoMergeRuleFactory(),
    "customers.sourcesystem": lambda w: f.SourceSystemFactory(system="matrix-shop", priorities={"contact": 80}),
    "customers.skippedchange": lambda w: f.SkippedChangeFactory(customer=w.customer),
    "auth.group": lambda w: Group.objects.get(name="Marketing"),
    "auth.user": lambda w: w.user_obj,
    "django_celery_beat.periodictask": _celery_beat("task"),
    "django_celery_beat.clockedschedule": _celery_beat("clocked"),
    "django_celery_beat.crontabschedule": _celery_beat("crontab"),
    "django_celery_beat.solarschedule": _celery_beat("solar"),
    "django_celery_beat.intervalschedule": _celery_beat("interval"),
    "django_celery_results.taskresult": _task_result,
    "django_celery_results.groupresult": _group_result,
    "axes.accessattempt": _axes("AccessAttempt"),
    "axes.accesslog": _axes("AccessLog"),
    "axes.accessfailurelog": _axes("AccessFailureLog"),
    "cdm.team": lambda w: w.customer.team,
    "cdm.apitoken": lambda w: f.ApiTokenFactory(user=w.users["agent"]),
    "cdm.auditevent": lambda w: f.AuditEventFactory(obj=w.customer),
    "customers.customer": lambda w: w.customer,
    "customers.servicerequest": lambda w: w.service_request,
    "customers.productholding": lambda w: f.ProductHoldingFactory(customer=w.customer),
    "customers.order": lambda w: f.OrderFactory(customer=w.customer),
    "customers.activity": lambda w: f.ActivityFactory(customer=w.customer),
    "customers.feedback": lambda w: f.FeedbackFactory(customer=w.customer),
    "customers.externalidentity": lambda w: f.ExternalIdentityFactory(customer=w.customer),
    "customers.note": lambda w: f.NoteFactory(customer=w.customer),
    "customers.product": lambda w: f.ProductFactory(code="matrix-plan"),
    "customers.attributedefinition": lambda w: f.AttributeDefinitionFactory(),
    "customers.customeruserobjectpermission": lambda w: f.CustomerGrantFactory(customer=w.customer,
                                                                              user=w.users["nobody"]),
    "customers.customergroupobjectpermission": lambda w: f.CustomerGroupGrantFactory(customer=w.customer),
    "customers.customerattribute": lambda w: f.CustomerAttributeFactory(customer=w.customer),
    "consent.purpose": lambda w: w.purposes["email-marketing"],
    "consent.privacynotice": lambda w: f.PrivacyNoticeFactory(),
    "consent.consentrecord": lambda w: f.ConsentRecordFactory(customer=w.customer,
                                                              purpose=w.purposes["email-marketing"]),
}


@pytest.fixture(scope="package")
def cast(django_db_setup, django_db_blocker):
    """The demo cast (as tests/conftest.py's `users`), built once for the package.

    Built inside a transaction that stays open while the package runs and is rolled back at its
    end: each test runs in a savepoint of it (as Django's TestCase.setUpTestData does), so the
    cast costs one build instead of one per case.
    """
    from cdm import access

    django_db_blocker.unblock()
    atomic = transaction.atomic()
    # As Django's TestCase marks its own: the services' durable blocks (cdm.use_cases) nest in it.
    atomic._from_testcase = True
    atomic.__enter__()
    try:
        north, south = f.TeamFactory(name="North"), f.TeamFactory(name="South")
        users = {
            "agent": f.UserFactory(username="agent", roles=[access.CUSTOMER_SERVICE], teams=[north]),
            "agent-south": f.UserFactory(username="agent-south", roles=[access.CUSTOMER_SERVICE], teams=[south]),
            "marketer": f.UserFactory(username="marketer", roles=[access.MARKETING]),
            "steward": f.UserFactory(username="steward", roles=[access.DATA_STEWARD]),
            "admin": f.UserFactory(username="admin", roles=[access.ADMIN]),
            "nobody": f.UserFactory(username="nobody"),
        }
    except BaseException:
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)
        raise
    finally:
        django_db_blocker.restore()
    yield {"north": north, "south": south, "users": users}
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def _fresh(obj):
    # A fresh copy per case: rights and permissions are cached on user objects.
    return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def north(db, cast):
    return _fresh(cast["north"])


@pytest.fixture
def south(db, cast):
    return _fresh(cast["south"])


@pytest.fixture
def users(db, cast):
    return {role: _fresh(user) for role, user in cast["users"].items()}


@pytest.fixture
def world_for(client, users, north, south):
    def make(role, scope):
        return World(client=client, users=users, north=north, south=south, role=role, scope=scope)
    return make
