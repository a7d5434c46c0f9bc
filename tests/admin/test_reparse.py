import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.admin.factories import TestPatientFactory
from tests.factories import CriterionFactory, TrialFactory
from trials.models import Criterion
from trials.reparse import CriterionChange, ReparseReport, trial_reparse

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:trials_trial_changelist")


@pytest.fixture
def trial():
    """A trial whose stored rules lag behind the parser, with one rule a curator wrote."""
    trial = TrialFactory(nct_id="NCT00000201")
    CriterionFactory(
        trial=trial, position=1, text="FVC ≥ 70%", rule="", review_status="needs_review"
    )
    CriterionFactory(
        trial=trial, position=2, kind="exclusion", text="Gastrostomy", rule="", review_status="auto"
    )
    CriterionFactory(
        trial=trial,
        position=3,
        text="Age 18 to 80 years",
        rule="age between 18 and 75",
        review_status="edited",
    )
    CriterionFactory(
        trial=trial,
        position=4,
        text="Able to give consent",
        rule="",
        rule_note="Not structured: consent is confirmed at the site.",
        review_status="needs_review",
    )
    return trial


def stored(trial) -> list[tuple[str, str]]:
    return list(trial.criteria.order_by("position").values_list("rule", "review_status"))


def test_reparsing_structures_what_the_parser_now_reads_and_keeps_curated_rules(trial):
    report = trial_reparse(trial=trial)
    assert report == ReparseReport(
        "NCT00000201",
        changed=2,
        kept=1,
        changes=(
            CriterionChange(
                1, (("rule", "", "fvc_percent >= 70"), ("status", "needs review", "auto"))
            ),
            CriterionChange(2, (("rule", "", "gastrostomy"),)),
        ),
    )
    assert stored(trial) == [
        ("fvc_percent >= 70", "auto"),
        ("gastrostomy", "auto"),
        ("age between 18 and 75", "edited"),
        ("", "needs_review"),
    ]


def test_a_reparse_report_reads_as_a_sentence(trial):
    assert str(trial_reparse(trial=trial)) == "NCT00000201: 2 rules changed, 1 curated rule kept"
    assert str(trial_reparse(trial=trial)) == "NCT00000201: 0 rules changed, 1 curated rule kept"


def test_a_reparse_report_says_which_criteria_changed_and_how(trial):
    assert trial_reparse(trial=trial).details() == [
        "NCT00000201 criterion 1: rule '' -> 'fvc_percent >= 70', status 'needs review' -> 'auto'",
        "NCT00000201 criterion 2: rule '' -> 'gastrostomy'",
    ]
    assert trial_reparse(trial=trial).details() == []


def test_a_reparse_report_names_a_changed_note(trial):
    consent = trial.criteria.get(position=4)
    Criterion.objects.filter(pk=consent.pk).update(rule_note="An older parser's note.")
    [line] = [line for line in trial_reparse(trial=trial).details() if "criterion 4" in line]
    consent.refresh_from_db()
    assert line == (
        f"NCT00000201 criterion 4: note 'An older parser's note.' -> '{consent.rule_note}'"
    )


def test_a_reparse_never_touches_an_edited_or_reviewed_note(trial):
    Criterion.objects.filter(position__in=[3, 4], trial=trial).update(rule_note="Curator's note.")
    Criterion.objects.filter(position=4, trial=trial).update(review_status="reviewed")
    trial_reparse(trial=trial)
    notes = dict(trial.criteria.filter(position__in=[3, 4]).values_list("position", "rule_note"))
    assert notes == {3: "Curator's note.", 4: "Curator's note."}


def test_force_overwrites_curated_rules_and_the_history_keeps_them(trial):
    report = trial_reparse(trial=trial, force=True)
    assert str(report) == "NCT00000201: 2 rules changed, 1 curated rule overwritten"
    age = trial.criteria.get(position=3)
    assert (age.rule, age.review_status) == ("age between 18 and 80", "auto")
    assert age.history.filter(rule="age between 18 and 75").exists()
    assert age.history.first().history_change_reason == "Re-parsed"


def test_reparsing_reports_test_patients_it_breaks(trial):
    TestPatientFactory(
        trial=trial,
        name="Low FVC",
        patient={"as_of": "2025-06-01", "fvc_percent": 50},
        expected_verdict="possibly_eligible",
    )
    report = trial_reparse(trial=trial)
    assert report.failing_patients == ("Low FVC",)
    assert str(report).endswith("; failing test patients: Low FVC")


def test_the_reparse_action_reports_each_trial(curator, trial):
    untouched = TrialFactory(nct_id="NCT00000202")
    page = curator.post(
        LIST_URL,
        {"action": "reparse_criteria", "_selected_action": [trial.pk, untouched.pk]},
        follow=True,
    )
    assert [str(m) for m in page.context["messages"]] == [
        "NCT00000201: 2 rules changed, 1 curated rule kept",
        "NCT00000202: 0 rules changed, 0 curated rules kept",
        "NCT00000201 criterion 1: rule '' -> 'fvc_percent >= 70', status 'needs review' -> 'auto'",
        "NCT00000201 criterion 2: rule '' -> 'gastrostomy'",
    ]
    change = trial.criteria.get(position=1).history.first()
    assert (change.history_user, change.history_change_reason) == (curator.user, "Re-parsed")


def test_the_reparse_action_lists_so_many_changes_and_counts_the_rest(curator, trial, monkeypatch):
    monkeypatch.setattr("trials.admin.REPARSE_DETAILS", 1)
    page = curator.post(
        LIST_URL, {"action": "reparse_criteria", "_selected_action": [trial.pk]}, follow=True
    )
    assert [str(m) for m in page.context["messages"]][1:] == [
        "NCT00000201 criterion 1: rule '' -> 'fvc_percent >= 70', status 'needs review' -> 'auto'",
        "1 more criteria changed; each criterion's history shows its changes (reason “Re-parsed”).",
    ]


def test_a_staff_reader_cannot_reparse(staff_reader, trial):
    page = staff_reader.post(
        LIST_URL, {"action": "reparse_criteria", "_selected_action": [trial.pk]}
    )
    assert page.context["action_form"] is None  # a reader is offered no actions at all
    assert stored(trial)[0] == ("", "needs_review")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("parse_criteria", *args, stdout=out)
    return out.getvalue()


def test_the_command_reparses_every_trial_and_prints_totals(trial):
    TrialFactory(nct_id="NCT00000203")
    assert run().splitlines() == [
        "NCT00000201: 2 rules changed, 1 curated rule kept",
        "  criterion 1: rule '' -> 'fvc_percent >= 70', status 'needs review' -> 'auto'",
        "  criterion 2: rule '' -> 'gastrostomy'",
        "NCT00000203: 0 rules changed, 0 curated rules kept",
        "Total: 2 rules changed, 1 curated rule kept over 2 trials.",
    ]


def test_the_command_takes_chosen_trials_and_force(trial):
    TrialFactory(nct_id="NCT00000204")
    assert run("--trial", "nct00000201", "--force").splitlines() == [
        "NCT00000201: 2 rules changed, 1 curated rule overwritten",
        "  criterion 1: rule '' -> 'fvc_percent >= 70', status 'needs review' -> 'auto'",
        "  criterion 2: rule '' -> 'gastrostomy'",
        "  criterion 3 (curated, overwritten): rule 'age between 18 and 75' -> "
        "'age between 18 and 80', status 'edited' -> 'auto'",
        "Total: 2 rules changed, 1 curated rule overwritten over 1 trial.",
    ]


def test_the_command_refuses_an_unknown_trial_before_changing_anything(trial):
    with pytest.raises(CommandError, match="No such trial: NCT09999999"):
        run("--trial", "NCT00000201", "NCT09999999")
    assert stored(trial)[0] == ("", "needs_review")


def test_reparsing_uses_a_kind_a_curator_corrected(trial):
    loose = CriterionFactory(
        trial=trial, position=5, kind="unclassified", text="Gastrostomy", rule=""
    )
    trial_reparse(trial=trial)
    loose.refresh_from_db()
    assert loose.rule == ""
    Criterion.objects.filter(pk=loose.pk).update(kind="exclusion")
    trial_reparse(trial=trial)
    loose.refresh_from_db()
    assert loose.rule == "gastrostomy"
