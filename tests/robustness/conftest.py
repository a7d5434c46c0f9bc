import pytest
from django.test import Client

from tests.factories import CriterionFactory, TrialFactory
from trials.models import Criterion

SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def trials(db):
    """Two small trials; one carries script text in its title and criterion, as a hostile
    registry record might."""
    fvc = TrialFactory(nct_id="NCT00000001", brief_title="FVC trial")
    CriterionFactory(trial=fvc, position=1, text="FVC at least 70%", rule="fvc_percent >= 70")
    CriterionFactory(trial=fvc, position=2, text="Age 18 to 80", rule="age between 18 and 80")
    hostile = TrialFactory(nct_id="NCT00000002", brief_title=f"Hostile {SCRIPT} trial")
    CriterionFactory(
        trial=hostile,
        position=1,
        kind=Criterion.Kind.EXCLUSION,
        text=f"Gastrostomy {SCRIPT}",
        rule="gastrostomy",
    )
    return fvc, hostile


@pytest.fixture
def anonymous_visitor() -> Client:
    return Client()


@pytest.fixture
def careless_visitor() -> Client:
    """A client that gets a 500 page instead of the exception, as a real visitor would."""
    return Client(raise_request_exception=False)


@pytest.fixture
def csrf_checked_visitor() -> Client:
    return Client(enforce_csrf_checks=True)
