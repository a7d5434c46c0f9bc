"""Flat factories for the screening log; each sets the values the log's tests assert on."""

import datetime as dt

import factory
from django.contrib.auth.models import Group, User

from screening.models import SavedScreening, ScreeningOutcome, Site, Verdict

PASSWORD = "correct horse battery staple"


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Site group {n}")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    group = factory.SubFactory(GroupFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def groups(self, create: bool, groups: list[Group] | None, **kwargs) -> None:
        self.save()
        if create and groups:
            self.groups.add(*groups)


def stored_result(as_of: str = "2025-01-15", results: list | None = None) -> dict:
    """screening_json's shape, for screenings made without the engine."""
    return {
        "as_of": as_of,
        "patient": {"as_of": as_of, "entered": {"fvc_percent": 65}, "derived": {}},
        "results": results or [],
    }


class SavedScreeningFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavedScreening

    site = factory.SubFactory(SiteFactory)
    reference = factory.Sequence(lambda n: f"ALS-{n:04d}")
    screened_on = dt.date(2025, 1, 15)
    saved_at = factory.LazyFunction(lambda: dt.datetime(2025, 1, 15, 10, 0, tzinfo=dt.UTC))
    values = factory.LazyFunction(
        lambda: [{"name": "fvc_percent", "label": "FVC", "text": "65 % of predicted"}]
    )
    result = factory.LazyFunction(stored_result)


class ScreeningOutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScreeningOutcome

    screening = factory.SubFactory(SavedScreeningFactory)
    nct_id = "NCT00000001"
    title = "FVC trial"
    verdict = Verdict.INELIGIBLE
    reasons = factory.LazyFunction(
        lambda: [
            {
                "key": 1,
                "text": "FVC at least 70%",
                "explanation": "FVC 65% of predicted, below 70.",
            }
        ]
    )
    rules_hash = "0" * 64
