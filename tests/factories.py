"""Test data built through the services, so it is normalised exactly like real data."""

from cdm.access import SYSTEM
import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cdm.models import Team
from cdm.services import team_create
from customers import services
from customers.models import Customer, Product


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team{n}")

    @classmethod
    def _create(cls, model_class, name, **kwargs):
        existing = Team.objects.filter(name=name).first()
        return existing or team_create(name=name, by=SYSTEM)


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


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"plan-{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())
    kind = Product.Kind.PLAN
