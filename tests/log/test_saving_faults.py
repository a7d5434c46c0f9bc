"""A save that the database refuses loses nothing: not the values on the page, not the log."""

import pytest
from django.db import OperationalError

from screening.models import SavedScreening, ScreeningOutcome
from tests.log.conftest import PATIENT
from trials.models import Trial

pytestmark = pytest.mark.django_db


def save(persona, reference="ALS-0042"):
    return persona.post("/log/save/", {**PATIENT, "reference": reference})


@pytest.fixture
def failing_outcome_writes(monkeypatch):
    """The database fails after the screening row is written, before its trial rows are."""

    def refuse(*args, **kwargs):
        raise OperationalError("could not write: disk full")

    monkeypatch.setattr(ScreeningOutcome.objects, "bulk_create", refuse)


def test_a_database_error_while_saving_shows_the_page_again_with_the_values(
    clinician, trials, failing_outcome_writes
):
    response = save(clinician)

    assert response.status_code == 503
    assert "The log could not be saved" in response.text
    assert "Nothing was saved" in response.text
    assert 'value="65"' in response.text
    assert 'value="ALS-0042"' in response.text


def test_a_database_error_while_saving_leaves_no_half_saved_screening(
    clinician, trials, monkeypatch
):
    assert save(clinician, "ALS-0001").status_code == 302
    earlier = SavedScreening.objects.get()
    earlier_outcomes = list(earlier.outcomes.values_list("nct_id", "verdict"))

    def refuse(*args, **kwargs):
        raise OperationalError("could not write: disk full")

    monkeypatch.setattr(ScreeningOutcome.objects, "bulk_create", refuse)
    save(clinician, "ALS-0002")

    assert list(SavedScreening.objects.all()) == [earlier]
    assert list(earlier.outcomes.values_list("nct_id", "verdict")) == earlier_outcomes


def test_the_failure_is_logged_with_its_cause_for_the_operators(
    clinician, trials, failing_outcome_writes, caplog
):
    save(clinician)

    [record] = [r for r in caplog.records if r.name == "screening.log_views"]
    assert record.getMessage() == "Saving a screening to the log failed"
    assert isinstance(record.exc_info[1], OperationalError)


def test_a_trial_without_any_history_record_is_saved_with_no_trial_version(clinician, trials):
    Trial.history.all().delete()

    assert save(clinician).status_code == 302
    outcome = SavedScreening.objects.get().outcomes.get(nct_id="NCT00000001")
    assert outcome.trial_history_id is None
