import json

import pytest

from tests.admin.factories import TestPatientFactory
from tests.admin.support import (
    edit_criterion,
    edit_trial,
    errors,
    form_data,
    row,
    trial_url,
)
from tests.factories import CriterionFactory, TrialFactory
from trials.admin_test_patients import trial_patients_check
from trials.models import TestPatient

pytestmark = pytest.mark.django_db

FVC_65 = {"as_of": "2025-06-01", "fvc_percent": 65}


@pytest.fixture
def trial():
    return TrialFactory(nct_id="NCT00000055")


@pytest.fixture
def fvc(trial):
    return CriterionFactory(
        trial=trial, position=1, text="FVC of 60% or more", rule="fvc_percent >= 60"
    )


@pytest.fixture
def example(trial, fvc):
    patient = TestPatientFactory(
        trial=trial, name="FVC 65%", patient=FVC_65, expected_verdict="eligible"
    )
    trial_patients_check(trial=trial)
    return patient


def add_patient(data: dict, index: int, name: str, patient: str, expected: str) -> dict:
    prefix = f"test_patients-{index}"
    return {
        **data,
        "test_patients-TOTAL_FORMS": str(index + 1),
        f"{prefix}-name": name,
        f"{prefix}-patient": patient,
        f"{prefix}-expected_verdict": expected,
        f"{prefix}-trial": "",
        f"{prefix}-id": "",
    }


def post(client, url, data):
    return client.post(url, {**data, "_continue": "Save and continue editing"})


def test_a_curator_saves_an_example_patient_with_the_verdict_they_expect(curator, trial, fvc):
    data = add_patient(
        form_data(curator.get(trial_url(trial))), 0, "FVC 65%", json.dumps(FVC_65), "eligible"
    )
    assert post(curator, trial_url(trial), data).status_code == 302
    saved = TestPatient.objects.get(trial=trial)
    assert (saved.name, saved.patient, saved.expected_verdict) == ("FVC 65%", FVC_65, "eligible")
    assert (saved.last_verdict, saved.is_failing) == ("eligible", False)


def test_an_example_patient_is_read_like_any_patient(curator, trial, fvc):
    data = add_patient(
        form_data(curator.get(trial_url(trial))),
        0,
        "Bad",
        '{"fvc_percent": 500, "fvcc": 1}',
        "eligible",
    )
    assert errors(post(curator, trial_url(trial), data)) == [
        "fvc_percent: FVC must be a percent of predicted between 0 and 200; got 500",
        "fvcc: unknown field",
    ]


def test_an_example_patient_must_be_a_json_object(curator, trial, fvc):
    data = add_patient(form_data(curator.get(trial_url(trial))), 0, "List", "[1, 2]", "eligible")
    assert errors(post(curator, trial_url(trial), data)) == [
        'A patient is a JSON object in braces, e.g. {"age": 54, "fvc_percent": 65}.'
    ]


def test_an_example_without_a_screening_date_is_pinned_to_today(curator, trial, fvc):
    data = add_patient(
        form_data(curator.get(trial_url(trial))), 0, "Undated", '{"fvc_percent": 65}', "eligible"
    )
    post(curator, trial_url(trial), data)
    assert "as_of" in TestPatient.objects.get(name="Undated").patient


def test_a_rule_change_that_breaks_an_example_is_refused_naming_it(curator, trial, fvc, example):
    page = edit_trial(curator, trial, **{f"{row(trial, fvc)}-rule": "fvc_percent >= 70"})
    assert errors(page) == [
        "Test patient “FVC 65%”: expected eligible, got ineligible. Fails: FVC 65% of "
        "predicted is below the required 70%."
    ]
    fvc.refresh_from_db()
    assert fvc.rule == "fvc_percent >= 60"
    assert 'name="save_despite_test_patients"' in page.content.decode()


def test_the_curator_may_save_anyway_and_the_example_then_shows_as_failing(
    curator, trial, fvc, example
):
    page = edit_trial(
        curator,
        trial,
        **{f"{row(trial, fvc)}-rule": "fvc_percent >= 70", "save_despite_test_patients": "on"},
    )
    assert page.status_code == 302
    example.refresh_from_db()
    assert (example.last_verdict, example.is_failing) == ("ineligible", True)
    shown = [str(m) for m in curator.get(page["Location"]).context["messages"]]
    assert any(
        m.startswith("Test patient “FVC 65%”: expected eligible, got ineligible") for m in shown
    )


def test_an_example_corrected_in_the_same_save_lets_the_rule_change_through(
    curator, trial, fvc, example
):
    data = form_data(curator.get(trial_url(trial)))
    data[f"{row(trial, fvc)}-rule"] = "fvc_percent >= 70"
    data["test_patients-0-expected_verdict"] = "ineligible"
    assert post(curator, trial_url(trial), data).status_code == 302
    example.refresh_from_db()
    assert (example.expected_verdict, example.is_failing) == ("ineligible", False)


def test_an_example_that_already_failed_does_not_block_other_edits(curator, trial, fvc):
    TestPatientFactory(
        trial=trial, name="Wrong already", patient=FVC_65, expected_verdict="ineligible"
    )
    other = CriterionFactory(
        trial=trial, position=2, text="No gastrostomy", kind="exclusion", rule=""
    )
    page = edit_trial(curator, trial, **{f"{row(trial, other)}-rule": "gastrostomy"})
    assert page.status_code == 302


def test_the_criterion_page_refuses_a_change_that_breaks_an_example_too(curator, fvc, example):
    page = edit_criterion(curator, fvc, rule="fvc_percent >= 66")
    assert errors(page) == [
        "Test patient “FVC 65%”: expected eligible, got ineligible. Fails: FVC 65% of "
        "predicted is below the required 66%."
    ]
    assert (
        edit_criterion(
            curator, fvc, rule="fvc_percent >= 66", save_despite_test_patients="on"
        ).status_code
        == 302
    )


def test_the_trial_list_filters_trials_with_failing_examples(curator, trial, fvc, example):
    healthy = TrialFactory(nct_id="NCT00000056")
    example.expected_verdict = "ineligible"
    example.save()
    trial_patients_check(trial=trial)
    page = curator.get("/admin/trials/trial/", {"test_patients": "failing"})
    assert [t.nct_id for t in page.context["cl"].result_list] == ["NCT00000055"]
    assert healthy not in page.context["cl"].result_list
    assert "1 failing" in page.content.decode()


def test_the_trial_page_shows_each_examples_last_check(curator, trial, fvc, example):
    page = curator.get(trial_url(trial)).content.decode()
    assert "Passes: eligible." in page


def test_a_staff_reader_sees_examples_but_cannot_add_them(staff_reader, trial, fvc, example):
    page = staff_reader.get(trial_url(trial))
    assert page.status_code == 200
    assert "FVC 65%" in page.content.decode()
    assert page.context["inline_admin_formsets"][1].has_add_permission is False
