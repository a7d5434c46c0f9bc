import importlib

import factory
from django.apps import apps
from django.contrib.auth.models import Group, User

from tests.factories import TrialFactory
from trials.models import ExpectedVerdict, TestPatient

CURATORS = "Criteria curators"
PASSWORD = "a-long-test-password"


def curators_group() -> Group:
    """The group the data migration creates.

    A transactional test (the browser tests) empties every table afterwards, and with them
    this group; it is then made again by the migration's own code.
    """
    group = Group.objects.filter(name=CURATORS).first()
    if group is None:
        migration = importlib.import_module("trials.migrations.0003_criteria_curators_group")
        migration.create_curators_group(apps, None)
        group = Group.objects.get(name=CURATORS)
    return group


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    is_staff = False
    password = factory.django.Password(PASSWORD)


def make_curator(username: str = "cora") -> User:
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(curators_group())
    return user


def make_staff_reader(username: str = "rhea") -> User:
    return UserFactory(username=username, is_staff=True)


class TestPatientFactory(factory.django.DjangoModelFactory):
    __test__ = False

    class Meta:
        model = TestPatient

    trial = factory.SubFactory(TrialFactory)
    name = factory.Sequence(lambda n: f"Example patient {n}")
    patient = factory.LazyFunction(lambda: {"as_of": "2025-06-01", "fvc_percent": 80})
    expected_verdict = ExpectedVerdict.ELIGIBLE
