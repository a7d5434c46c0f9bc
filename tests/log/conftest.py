from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.http import QueryDict
from django.test import Client

from screening.forms import FormReading, read_form
from tests.factories import CriterionFactory, TrialFactory
from tests.log.factories import GroupFactory, SiteFactory, UserFactory
from trials.models import Criterion, OverallStatus

SCREENED_ON = date(2025, 1, 15)
# Screened on 15 January 2025: FVC 65% fails the FVC trial; onset 22 months ago is inside the
# 24-month window (which closes on 1 March 2025); riluzole since 1 December 2024 is 45 days,
# short of the 60 days the riluzole trial asks for (stable from 30 January 2025).
PATIENT = {
    "as_of": "2025-01-15",
    "fvc_percent": "65",
    "symptom_onset": "2023-03-01",
    "riluzole": "current",
    "riluzole_since": "2024-12-01",
}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def site(db):
    return SiteFactory(group__name="Leeds ALS clinic")


@pytest.fixture
def other_site(db):
    return SiteFactory(group__name="Sheffield motor neurone clinic")


@pytest.fixture
def clinician(site) -> Client:
    return logged_in(UserFactory(username="dr_leeds", groups=[site.group]))


@pytest.fixture
def other_site_clinician(other_site) -> Client:
    return logged_in(UserFactory(username="dr_sheffield", groups=[other_site.group]))


@pytest.fixture
def curator(db) -> Client:
    curators, _ = Group.objects.get_or_create(name="Criteria curators")
    return logged_in(UserFactory(username="curator", is_staff=True, groups=[curators]))


@pytest.fixture
def siteless_clinician(db) -> Client:
    return logged_in(UserFactory(username="new_doctor", groups=[GroupFactory(name="Trainees")]))


@pytest.fixture
def anonymous_visitor() -> Client:
    return Client()


@pytest.fixture
def trials(db) -> dict:
    fvc = TrialFactory(nct_id="NCT00000001", brief_title="FVC trial")
    onset = TrialFactory(nct_id="NCT00000002", brief_title="Early disease trial")
    riluzole = TrialFactory(nct_id="NCT00000003", brief_title="Riluzole trial")
    closed = TrialFactory(
        nct_id="NCT00000004", brief_title="Closed trial", overall_status=OverallStatus.COMPLETED
    )
    return {
        "fvc": CriterionFactory(
            trial=fvc, position=1, text="FVC at least 70%", rule="fvc_percent >= 70"
        ),
        "onset": CriterionFactory(
            trial=onset,
            position=1,
            text="Onset within 24 months",
            rule="months_since_onset <= 24",
        ),
        "riluzole": CriterionFactory(
            trial=riluzole,
            position=1,
            text="Riluzole naive or on a stable dose for at least 60 days",
            rule="riluzole == never or riluzole_stable_days >= 60",
        ),
        "closed": CriterionFactory(
            trial=closed,
            position=1,
            kind=Criterion.Kind.EXCLUSION,
            text="Gastrostomy",
            rule="gastrostomy",
        ),
    }


def reading(values: dict | None = None) -> FormReading:
    data = QueryDict(mutable=True)
    data.update(PATIENT if values is None else values)
    return read_form(data, today=SCREENED_ON)
