"""A curator's note is their work like a rule: a re-parse keeps it. Changing it marks the
criterion edited, unless the criterion needs review (test_notes_on_criteria_needing_review)."""

import pytest
from django.urls import reverse

from tests.admin.support import criterion_url, edit_criterion, edit_trial, messages_shown, row
from tests.factories import CriterionFactory, TrialFactory
from trials.models import Criterion, Trial
from trials.reparse import trial_reparse

pytestmark = pytest.mark.django_db

CURATOR_NOTE = "Consent by a legal representative is accepted (sponsor, 2025)."


@pytest.fixture
def trial() -> Trial:
    return TrialFactory(nct_id="NCT00000701")


@pytest.fixture
def consent(trial) -> Criterion:
    """A criterion only a clinician can judge, with the note the parser gives it."""
    criterion = CriterionFactory(
        trial=trial, position=1, text="Able to give consent", rule="", rule_note=""
    )
    trial_reparse(trial=trial)
    criterion.refresh_from_db()
    assert criterion.review_status == "needs_review"
    return criterion


@pytest.fixture
def fvc(trial) -> Criterion:
    return CriterionFactory(trial=trial, position=2, rule="fvc_percent >= 70", review_status="auto")


def note_field(trial: Trial, criterion: Criterion) -> str:
    return f"{row(trial, criterion)}-rule_note"


@pytest.mark.parametrize("status", ["auto", "reviewed"])
def test_a_changed_note_marks_the_criterion_edited(curator, trial, fvc, status):
    Criterion.objects.filter(pk=fvc.pk).update(review_status=status)
    edit_trial(curator, trial, **{note_field(trial, fvc): CURATOR_NOTE})
    fvc.refresh_from_db()
    assert (fvc.rule_note, fvc.review_status) == (CURATOR_NOTE, "edited")


def test_a_note_changed_on_the_criterion_page_leaves_it_needing_review(curator, consent):
    edit_criterion(curator, consent, rule_note=CURATOR_NOTE)
    consent.refresh_from_db()
    assert (consent.rule_note, consent.review_status) == (CURATOR_NOTE, "needs_review")


def test_a_note_changed_with_reviewed_chosen_stays_reviewed(curator, trial, fvc):
    prefix = row(trial, fvc)
    edit_trial(
        curator,
        trial,
        **{f"{prefix}-rule_note": CURATOR_NOTE, f"{prefix}-review_status": "reviewed"},
    )
    fvc.refresh_from_db()
    assert (fvc.rule_note, fvc.review_status) == (CURATOR_NOTE, "reviewed")


def test_a_note_sent_back_with_the_browsers_line_endings_is_no_edit(curator, trial, fvc):
    Criterion.objects.filter(pk=fvc.pk).update(rule_note="First line.\nSecond line.")
    fvc.refresh_from_db()
    # Browsers send a textarea's line breaks as CRLF whatever the page held.
    edit_trial(curator, trial, **{note_field(trial, fvc): "First line.\r\nSecond line."})
    after = Criterion.objects.get(pk=fvc.pk)
    assert (after.review_status, after.version) == ("auto", fvc.version)


def test_a_typed_note_is_stored_with_plain_line_breaks(curator, trial, fvc):
    edit_trial(curator, trial, **{note_field(trial, fvc): "First line.\r\nSecond line."})
    fvc.refresh_from_db()
    assert fvc.rule_note == "First line.\nSecond line."


def test_the_reparse_action_keeps_a_note_a_curator_wrote(curator, trial, consent):
    edit_trial(curator, trial, **{note_field(trial, consent): CURATOR_NOTE})
    page = curator.post(
        reverse("admin:trials_trial_changelist"),
        {"action": "reparse_criteria", "_selected_action": [trial.pk]},
        follow=True,
    )
    consent.refresh_from_db()
    assert (consent.rule_note, consent.review_status) == (CURATOR_NOTE, "needs_review")
    assert messages_shown(page)[-1] == "NCT00000701: 0 rules changed, 1 curated rule kept"


def test_the_note_field_says_when_clinicians_see_it(curator, consent):
    help_text = (
        curator.get(criterion_url(consent)).context["adminform"].form.fields["rule_note"].help_text
    )
    assert "Clinicians see it beside the criterion." not in help_text
    assert "only while the criterion has a rule and is “needs review”" in help_text
