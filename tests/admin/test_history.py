import io
import json
from html import unescape

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.admin.support import edit_trial, form_data, row, trial_url
from tests.factories import CriterionFactory, TrialFactory, study_json
from trials.admin_history import DiffPart, rule_diff
from trials.models import Criterion, Trial

pytestmark = pytest.mark.django_db

CRITERIA = (
    "Inclusion Criteria:\n\n* FVC ≥ 70%\n* Age 18 to 80 years\n\n"
    "Exclusion Criteria:\n\n* Gastrostomy"
)


@pytest.fixture
def trial():
    return TrialFactory(nct_id="NCT00000301")


@pytest.fixture
def fvc(trial):
    return CriterionFactory(trial=trial, position=1, rule="fvc_percent >= 70", review_status="auto")


def history_url(criterion) -> str:
    return reverse("admin:trials_criterion_history", args=[criterion.pk])


def test_the_history_shows_who_changed_a_rule_when_and_how(curator, trial, fvc):
    edit_trial(curator, trial, **{f"{row(trial, fvc)}-rule": "fvc_percent >= 60"})
    page = curator.get(history_url(fvc))
    assert page.status_code == 200
    latest = page.context["page_obj"][0]
    assert (latest.history_user, latest.rule) == (curator.user, "fvc_percent >= 60")
    assert [
        (str(change["field"]), unescape(change["old"]), unescape(change["new"]))
        for change in latest.history_delta_changes
    ] == [("Review status", "auto", "edited"), ("Rule", "fvc_percent >= 70", "fvc_percent >= 60")]


def test_the_trial_page_lists_recent_rule_changes_with_the_difference(curator, trial, fvc):
    edit_trial(curator, trial, **{f"{row(trial, fvc)}-rule": "fvc_percent >= 60 and not niv"})
    page = curator.get(trial_url(trial))
    [change] = page.context["rule_changes"]
    assert (change.who, change.before, change.after) == (
        "cora",
        "fvc_percent >= 70",
        "fvc_percent >= 60 and not niv",
    )
    html = page.content.decode()
    assert "<del>70</del>" in html
    assert "<ins>60 and not niv</ins>" in html


def test_a_rule_difference_is_word_by_word():
    assert rule_diff("age >= 18", "age >= 21 and not niv") == (
        DiffPart("same", "age >="),
        DiffPart("removed", "18"),
        DiffPart("added", "21 and not niv"),
    )


def test_a_curator_reverts_a_rule_from_its_history(curator, trial, fvc):
    edit_trial(curator, trial, **{f"{row(trial, fvc)}-rule": "fvc_percent >= 60"})
    original = fvc.history.order_by("history_date").first()
    revert_url = reverse(
        "admin:trials_criterion_simple_history", args=[fvc.pk, original.history_id]
    )
    page = curator.get(revert_url)
    assert page.status_code == 200
    saved = curator.post(revert_url, {**form_data(page), "_save": "Save"})
    assert saved.status_code == 302
    fvc.refresh_from_db()
    assert (fvc.rule, fvc.review_status) == ("fvc_percent >= 70", "auto")


def test_a_revert_to_a_rule_that_no_longer_compiles_is_refused(curator, trial, fvc):
    fvc.rule = "fvc_pct >= 70"  # as an older vocabulary spelt it
    fvc.save()
    fvc.rule = "fvc_percent >= 65"
    fvc.save()
    old = fvc.history.get(rule="fvc_pct >= 70")
    revert_url = reverse("admin:trials_criterion_simple_history", args=[fvc.pk, old.history_id])
    page = curator.post(revert_url, {**form_data(curator.get(revert_url)), "_save": "Save"})
    assert page.context["adminform"].form.errors["rule"] == [
        "Line 1, column 1: unknown measure 'fvc_pct' (did you mean fvc_percent?)"
    ]
    fvc.refresh_from_db()
    assert fvc.rule == "fvc_percent >= 65"


def write_study(path, criteria: str) -> None:
    path.write_text(json.dumps(study_json("NCT00000302", criteria=criteria)), encoding="utf-8")


def import_study(path) -> None:
    call_command("import_trials", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def test_a_reimport_never_loses_a_curated_rule(curator, tmp_path):
    study = tmp_path / "study.json"
    write_study(study, CRITERIA)
    import_study(study)
    trial = Trial.objects.get(nct_id="NCT00000302")
    age = trial.criteria.get(text="Age 18 to 80 years")
    edit_trial(curator, trial, **{f"{row(trial, age)}-rule": "age between 18 and 75"})

    write_study(study, CRITERIA.replace("* Gastrostomy", "* Gastrostomy\n* Tracheostomy"))
    import_study(study)

    page = curator.get(trial_url(trial))
    rules = {form.instance.text: form.instance.rule for form in inline_forms(page)}
    assert rules["Age 18 to 80 years"] == "age between 18 and 75"
    assert rules["Tracheostomy"] == "tracheostomy"
    listed = curator.get(reverse("admin:trials_trial_changelist"), {"criteria_changed__exact": "1"})
    assert [t.nct_id for t in listed.context["cl"].result_list] == ["NCT00000302"]


def test_a_curated_rule_whose_text_left_the_registry_stays_in_its_history(curator, tmp_path):
    study = tmp_path / "study.json"
    write_study(study, CRITERIA)
    import_study(study)
    trial = Trial.objects.get(nct_id="NCT00000302")
    age = trial.criteria.get(text="Age 18 to 80 years")
    edit_trial(curator, trial, **{f"{row(trial, age)}-rule": "age between 18 and 75"})

    write_study(study, CRITERIA.replace("* Age 18 to 80 years\n", ""))
    import_study(study)

    assert not Criterion.objects.filter(pk=age.pk).exists()
    page = curator.get(history_url(age))
    assert page.status_code == 200
    assert "age between 18 and 75" in page.content.decode()


def inline_forms(page):
    return page.context["inline_admin_formsets"][0].formset.forms


def test_an_old_version_of_a_removed_criterion_opens_but_is_not_restored(curator, trial, fvc):
    record = fvc.history.first()
    criterion_id = fvc.pk
    fvc.delete()  # as a re-import does when the registry drops the criterion
    revert_url = reverse("admin:trials_criterion_simple_history", args=[criterion_id, record.pk])
    page = curator.get(revert_url)
    assert page.status_code == 200
    refused = curator.post(revert_url, {**form_data(page), "_save": "Revert"})
    assert refused.status_code == 200
    assert "This criterion was removed" in str(refused.context["errors"])
    assert not Criterion.objects.filter(pk=criterion_id).exists()
