from datetime import date

import pytest

from screening.log import screening_again
from screening.models import SavedScreening
from tests.log.conftest import PATIENT

pytestmark = pytest.mark.django_db

LATER = date(2025, 6, 1)


@pytest.fixture
def saved(clinician, trials) -> SavedScreening:
    clinician.post("/log/save/", {**PATIENT, "reference": "ALS-0042"})
    return SavedScreening.objects.get()


def by_trial(again) -> dict:
    return {trial.nct_id: trial for trial in again.trials}


def test_nothing_changes_on_the_same_day_with_the_same_criteria(saved):
    again = screening_again(saved, today=date(2025, 1, 15))
    assert again.changed == []
    assert again.edited == []
    assert len(again.unchanged) == 3


def test_an_edited_criterion_changes_the_verdict_and_says_how(saved, trials):
    trials["fvc"].rule = "fvc_percent >= 60"
    trials["fvc"].save()
    fvc = by_trial(screening_again(saved, today=date(2025, 1, 15)))["NCT00000001"]
    assert (fvc.before, fvc.after) == ("ineligible", "eligible")
    [change] = fvc.criteria
    assert (change.before, change.after) == ("fail", "pass")
    assert change.reason == (
        "Criterion edited: its rule changed from fvc_percent >= 70 to fvc_percent >= 60."
    )
    assert "The trial's criteria changed since the saved screening." in fvc.notes


def test_a_closed_window_makes_a_trial_ineligible(saved):
    onset = by_trial(screening_again(saved, today=LATER))["NCT00000002"]
    assert (onset.before, onset.after) == ("eligible", "ineligible")
    [change] = onset.criteria
    assert change.reason.startswith("A time window closed: counted to 2025-06-01")
    assert "foresaw this change from 2025-03-01" in change.reason
    assert change.explanation_after == "27 months since symptom onset, beyond the 24-month limit"
    assert "The window that was to close on 2025-03-01 has closed." in onset.notes


def test_a_dose_that_became_stable_makes_a_trial_eligible(saved):
    riluzole = by_trial(screening_again(saved, today=LATER))["NCT00000003"]
    assert (riluzole.before, riluzole.after) == ("ineligible", "eligible")
    [change] = riluzole.criteria
    assert change.reason.startswith("A dose became stable")
    assert "182 days on a stable riluzole dose" in change.explanation_after


def test_added_and_removed_criteria_are_listed(saved, trials):
    from tests.factories import CriterionFactory

    trials["onset"].delete()
    CriterionFactory(trial=trials["fvc"].trial, position=2, text="Age 18 or over", rule="age >= 18")
    again = by_trial(screening_again(saved, today=date(2025, 1, 15)))
    assert [c.reason for c in again["NCT00000002"].criteria] == ["Removed."]
    added = [c for c in again["NCT00000001"].criteria if c.before is None]
    assert [(c.text, c.after) for c in added] == [("Age 18 or over", "unknown")]


def test_a_trial_no_longer_loaded_is_said_so(saved, trials):
    trials["riluzole"].trial.delete()
    riluzole = by_trial(screening_again(saved, today=LATER))["NCT00000003"]
    assert riluzole.after is None
    assert riluzole.notes == ["The trial is no longer loaded in Prescreen."]


def test_the_page_highlights_every_changed_verdict_and_why(clinician, saved, trials):
    trials["fvc"].rule = "fvc_percent >= 60"
    trials["fvc"].save()
    html = clinician.get(f"/log/screenings/{saved.pk}/again/").content.decode()
    # Today is long after the screening date: all three verdicts changed.
    assert "3 verdicts changed" in html
    assert html.count('class="trial trial-change changed"') == 3
    assert "A time window closed" in html
    assert "A dose became stable" in html
    assert (
        "Criterion edited: its rule changed from fvc_percent &gt;= 70 to fvc_percent &gt;= 60"
        in html
    )


def test_values_that_no_longer_read_are_explained_instead_of_screened(clinician, saved):
    saved.result["patient"]["entered"]["retired_measure"] = 3
    saved.save()
    again = screening_again(saved, today=LATER)
    assert again.trials == []
    assert again.problem.startswith("The saved values cannot be screened on 2025-06-01:")
    html = clinician.get(f"/log/screenings/{saved.pk}/again/").content.decode()
    assert "retired_measure: unknown field" in html
