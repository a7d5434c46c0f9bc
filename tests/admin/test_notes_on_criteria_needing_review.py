"""A curator's note on a criterion needing review: the criterion stays for a clinician to judge,
and the note stays through re-parses and re-imports."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

import trials.reparse
from screening.catalogue import trial_spec
from screening.engine import Outcome, Verdict, read_patient, screen_trial
from tests.admin.support import edit_criterion, edit_trial, row
from tests.factories import study_json
from trials.models import Criterion, Trial
from trials.reparse import trial_reparse

pytestmark = pytest.mark.django_db

NCT_ID = "NCT01234567"
PARTIAL = "FVC ≥ 70% and able to swallow"  # the parser structures the FVC, not the swallowing
CRITERIA = f"Inclusion Criteria:\n\n* {PARTIAL}\n\nExclusion Criteria:\n\n* Gastrostomy"
CURATOR_NOTE = "Able to swallow: ask the patient. The sponsor waives the FVC with a PEG (2025)."
LOW_FVC = {"as_of": "2025-06-01", "age": 54, "fvc_percent": 50}


def run_import(folder, criteria: str) -> None:
    (folder / "study.json").write_text(json.dumps(study_json(NCT_ID, criteria=criteria)))
    call_command("import_trials", str(folder), stdout=io.StringIO(), stderr=io.StringIO())


@pytest.fixture
def trial(tmp_path) -> Trial:
    run_import(tmp_path, CRITERIA)
    return Trial.objects.get(nct_id=NCT_ID)


@pytest.fixture
def partial(trial) -> Criterion:
    """A criterion the parser structured in part: its rule is not the whole criterion."""
    criterion = trial.criteria.get(text=PARTIAL)
    assert (criterion.rule, criterion.review_status) == ("fvc_percent >= 70", "needs_review")
    assert criterion.rule_note == "Left as text: 'able to swallow'."
    return criterion


def note_field(trial: Trial, criterion: Criterion) -> str:
    return f"{row(trial, criterion)}-rule_note"


def curator_writes_the_note(curator, trial: Trial, criterion: Criterion) -> None:
    edit_trial(curator, trial, **{note_field(trial, criterion): CURATOR_NOTE})


def as_stored(criterion: Criterion) -> tuple[str, str, str]:
    criterion.refresh_from_db()
    return criterion.rule, criterion.rule_note, criterion.review_status


NOTED = ("fvc_percent >= 70", CURATOR_NOTE, "needs_review")


def test_a_note_written_on_the_trial_page_leaves_the_criterion_needing_review(
    curator, trial, partial
):
    curator_writes_the_note(curator, trial, partial)
    assert as_stored(partial) == NOTED


def test_a_note_written_on_the_criterion_page_leaves_it_needing_review(curator, partial):
    edit_criterion(curator, partial, rule_note=CURATOR_NOTE)
    assert as_stored(partial) == NOTED


def test_the_partial_rule_still_decides_nothing_alone_and_clinicians_see_the_note(
    curator, trial, partial
):
    curator_writes_the_note(curator, trial, partial)
    spec = trial_spec(trial, trial.criteria.order_by("position"))
    result = screen_trial(spec, read_patient(LOW_FVC))
    [judged] = [item for item in result.criteria if item.criterion.key == partial.pk]
    assert judged.outcome is Outcome.NEEDS_REVIEW
    assert CURATOR_NOTE in judged.explanation
    assert result.verdict is not Verdict.INELIGIBLE


def test_a_note_saved_with_reviewed_chosen_is_reviewed(curator, trial, partial):
    prefix = row(trial, partial)
    edit_trial(
        curator,
        trial,
        **{f"{prefix}-rule_note": CURATOR_NOTE, f"{prefix}-review_status": "reviewed"},
    )
    assert as_stored(partial) == ("fvc_percent >= 70", CURATOR_NOTE, "reviewed")


def test_a_new_rule_with_a_new_note_still_marks_the_criterion_edited(curator, trial, partial):
    prefix = row(trial, partial)
    rule = "fvc_percent >= 70 or gastrostomy"
    edit_trial(curator, trial, **{f"{prefix}-rule_note": CURATOR_NOTE, f"{prefix}-rule": rule})
    assert as_stored(partial) == (rule, CURATOR_NOTE, "edited")


def test_a_reparse_keeps_the_curators_note_and_counts_it_kept(curator, trial, partial):
    curator_writes_the_note(curator, trial, partial)
    report = trial_reparse(trial=trial)
    assert as_stored(partial) == NOTED
    assert (report.kept, report.changes) == (1, ())


def test_the_parse_criteria_command_keeps_the_curators_note(curator, trial, partial):
    curator_writes_the_note(curator, trial, partial)
    out = io.StringIO()
    call_command("parse_criteria", stdout=out)
    assert as_stored(partial) == NOTED
    assert out.getvalue().splitlines()[0] == f"{NCT_ID}: 0 rules changed, 1 curated rule kept"


def test_the_reparse_action_keeps_the_curators_note(curator, trial, partial):
    curator_writes_the_note(curator, trial, partial)
    curator.post(
        reverse("admin:trials_trial_changelist"),
        {"action": "reparse_criteria", "_selected_action": [trial.pk]},
    )
    assert as_stored(partial) == NOTED


def test_force_replaces_the_curators_note_and_says_it_was_curated(curator, trial, partial):
    curator_writes_the_note(curator, trial, partial)
    report = trial_reparse(trial=trial, force=True)
    assert as_stored(partial) == ("fvc_percent >= 70", "Left as text: 'able to swallow'.", NOTED[2])
    assert str(report) == f"{NCT_ID}: 0 rules changed, 1 curated rule overwritten"


def test_a_re_import_with_other_items_changed_keeps_the_curators_note(
    curator, tmp_path, trial, partial
):
    curator_writes_the_note(curator, trial, partial)
    run_import(tmp_path, f"{CRITERIA}\n* Tracheostomy")
    assert Criterion.objects.filter(text="Tracheostomy").exists()
    assert as_stored(partial) == NOTED


def test_the_note_outlives_the_rows_later_imports_write(curator, tmp_path, trial, partial):
    # Carried on, the criterion gets a history row from the import, without a user: the
    # curator's note is still the last change to what it says.
    curator_writes_the_note(curator, trial, partial)
    run_import(tmp_path, f"{CRITERIA}\n* Tracheostomy")
    run_import(tmp_path, f"{CRITERIA}\n* Tracheostomy\n* Dementia")
    trial_reparse(trial=trial)
    assert as_stored(partial) == NOTED


def a_newer_parser(monkeypatch, note: str) -> None:
    real = trials.reparse.parsed_fields

    def parsed_fields(text: str, kind: str) -> tuple[str, str, str]:
        rule, _, status = real(text, kind)
        return rule, note, status

    monkeypatch.setattr(trials.reparse, "parsed_fields", parsed_fields)


def test_what_the_reparse_action_wrote_stays_the_parsers(curator, trial, partial, monkeypatch):
    # The action's history rows name the curator who pressed the button, yet the parser wrote
    # them: a later parser may replace them.
    a_newer_parser(monkeypatch, "The second parser's note.")
    curator.post(
        reverse("admin:trials_trial_changelist"),
        {"action": "reparse_criteria", "_selected_action": [trial.pk]},
    )
    assert as_stored(partial)[1] == "The second parser's note."
    a_newer_parser(monkeypatch, "The third parser's note.")
    trial_reparse(trial=trial)
    assert as_stored(partial)[1] == "The third parser's note."


def test_saving_a_criterion_unchanged_leaves_it_to_the_parser(curator, trial, partial, monkeypatch):
    edit_criterion(curator, partial)
    assert partial.history.first().history_user == curator.user  # a row, but no change
    a_newer_parser(monkeypatch, "A newer parser's note.")
    trial_reparse(trial=trial)
    assert as_stored(partial) == ("fvc_percent >= 70", "A newer parser's note.", "needs_review")


def test_a_criterion_a_curator_sent_back_to_review_stays_there(curator, trial):
    gastrostomy = trial.criteria.get(text="Gastrostomy")
    assert gastrostomy.review_status == "auto"
    edit_trial(curator, trial, **{f"{row(trial, gastrostomy)}-review_status": "needs_review"})
    trial_reparse(trial=trial)
    gastrostomy.refresh_from_db()
    assert gastrostomy.review_status == "needs_review"
