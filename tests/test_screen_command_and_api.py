import io
import json

import pytest
from django.core.management import call_command

from screening.benchmark import PATIENTS
from screening.catalogue import current_catalogue
from screening.engine import read_patient, screen
from screening.reports import screening_json
from tests.conftest import REGISTRY_DIR
from tests.factories import CriterionFactory, TrialFactory
from trials.curation import apply_curation, read_curation
from trials.models import Criterion

pytestmark = pytest.mark.django_db


@pytest.fixture
def fvc_trial():
    trial = TrialFactory(
        nct_id="NCT00000001", brief_title="FVC trial", minimum_age_years=18, maximum_age_years=80
    )
    CriterionFactory(trial=trial, position=1, text="FVC ≥ 70%", rule="fvc_percent >= 70")
    CriterionFactory(
        trial=trial,
        position=2,
        kind=Criterion.Kind.EXCLUSION,
        text="Gastrostomy",
        rule="gastrostomy",
    )
    return trial


def run_screen(tmp_path, patient, *args) -> tuple[int, str, str]:
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(patient))
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("screen", str(path), *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue(), err.getvalue()


def test_the_cli_screens_a_patient_as_json(tmp_path, fvc_trial):
    patient = {"age": 50, "fvc_percent": 65, "gastrostomy": False}
    code, out, _ = run_screen(tmp_path, patient, "--format", "json", "--as-of", "2026-01-15")
    report = json.loads(out)
    assert code == 0
    assert report["as_of"] == "2026-01-15"
    assert report["patient"]["entered"]["fvc_percent"] == 65
    (result,) = report["results"]
    assert (result["nct_id"], result["verdict"]) == ("NCT00000001", "ineligible")
    fvc = next(c for c in result["criteria"] if c["text"] == "FVC ≥ 70%")
    assert fvc["outcome"] == "fail"
    assert fvc["rule"] == "fvc_percent >= 70"
    assert "65" in fvc["explanation"]
    assert "70" in fvc["explanation"]
    gastrostomy = next(c for c in result["criteria"] if c["text"] == "Gastrostomy")
    assert (gastrostomy["kind"], gastrostomy["outcome"]) == ("exclusion", "pass")


def test_the_cli_text_output_names_verdicts_and_reasons(tmp_path, fvc_trial):
    code, out, _ = run_screen(tmp_path, {"age": 50, "fvc_percent": 75, "gastrostomy": False})
    assert code == 0
    assert "NCT00000001  ELIGIBLE  FVC trial" in out


def test_the_cli_exits_2_with_one_line_per_bad_field(tmp_path, fvc_trial):
    patient = {
        "age": -3,
        "fvc_percent": 500,
        "alsfrs_r_items": [4] * 11,
        "symptom_onset": "2025-13-01",
        "unknown_key": 1,
        "svc_percent": "high",
    }
    code, out, err = run_screen(tmp_path, patient)
    lines = err.strip().splitlines()
    assert code == 2
    assert out == ""
    fields = sorted(line.split(":")[0] for line in lines)
    assert fields == sorted(
        ["age", "fvc_percent", "alsfrs_r_items", "symptom_onset", "unknown_key", "svc_percent"]
    )


def test_the_cli_rejects_onset_after_the_screening_date(tmp_path, fvc_trial):
    code, _, err = run_screen(tmp_path, {"symptom_onset": "2026-03-01"}, "--as-of", "2026-01-01")
    assert code == 2
    assert err.startswith("symptom_onset:")


def test_the_cli_rejects_an_unknown_trial_and_bad_json(tmp_path, fvc_trial):
    code, _, err = run_screen(tmp_path, {}, "--trial", "NCT99999999")
    assert (code, err.strip()) == (2, "trial: NCT99999999 is not loaded")
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(SystemExit) as exit:
        call_command("screen", str(tmp_path / "broken.json"), stderr=io.StringIO())
    assert exit.value.code == 2


def test_the_cli_screens_only_the_trials_asked_for(tmp_path, fvc_trial):
    TrialFactory(nct_id="NCT00000002")
    _, out, _ = run_screen(tmp_path, {}, "--trial", "NCT00000002", "--format", "json")
    assert [r["nct_id"] for r in json.loads(out)["results"]] == ["NCT00000002"]


def test_the_cli_screens_every_trial_given_by_repeated_trial_options(tmp_path, fvc_trial):
    TrialFactory(nct_id="NCT00000002")
    TrialFactory(nct_id="NCT00000003")
    args = ["--trial", "NCT00000001", "--trial", "NCT00000002", "--format", "json"]
    _, out, _ = run_screen(tmp_path, {}, *args)
    assert sorted(r["nct_id"] for r in json.loads(out)["results"]) == [
        "NCT00000001",
        "NCT00000002",
    ]


def test_the_cli_still_takes_several_trials_after_one_option(tmp_path, fvc_trial):
    TrialFactory(nct_id="NCT00000002")
    TrialFactory(nct_id="NCT00000003")
    args = ["--trial", "NCT00000001", "NCT00000003", "--format", "json"]
    _, out, _ = run_screen(tmp_path, {}, *args)
    assert sorted(r["nct_id"] for r in json.loads(out)["results"]) == [
        "NCT00000001",
        "NCT00000003",
    ]


def test_a_cli_error_line_names_its_field_once(tmp_path, fvc_trial):
    code, _, err = run_screen(tmp_path, {"age": "fifty", "agee": 5})
    assert code == 2
    assert sorted(err.strip().splitlines()) == [
        'age: Age must be a whole number; got "fifty"',
        "agee: unknown field (did you mean age?)",
    ]


def test_an_api_error_names_its_field_once_per_message(client, fvc_trial):
    response = client.post("/api/screen", {"age": "fifty"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"errors": {"age": ['age: Age must be a whole number; got "fifty"']}}


def test_the_api_returns_the_same_json_as_the_cli(client, tmp_path, fvc_trial):
    patient = {"age": 50, "fvc_percent": 65, "as_of": "2026-01-15"}
    response = client.post("/api/screen", patient, content_type="application/json")
    _, out, _ = run_screen(tmp_path, patient, "--format", "json")
    assert response.status_code == 200
    assert response.json() == json.loads(out)


@pytest.mark.parametrize(
    ("patient", "field"),
    [
        ({"age": -3}, "age"),
        ({"fvc_percent": 500}, "fvc_percent"),
        ({"alsfrs_r": 49}, "alsfrs_r"),
        ({"alsfrs_r_items": [4] * 11}, "alsfrs_r_items"),
        ({"alsfrs_r_items": [5] + [4] * 11}, "alsfrs_r_items"),
        ({"symptom_onset": "2025-13-01"}, "symptom_onset"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
        ({"age": "fifty"}, "age"),
    ],
)
def test_the_api_answers_400_with_field_errors(client, fvc_trial, patient, field):
    response = client.post("/api/screen", patient, content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize("body", ["{", "[1, 2]", '"text"'])
def test_the_api_rejects_a_body_that_is_not_a_json_object(client, body):
    response = client.post("/api/screen", body, content_type="application/json")
    assert response.status_code == 400
    assert "body" in response.json()["errors"]


def test_the_api_takes_only_post(client):
    assert client.get("/api/screen").status_code == 405


@pytest.fixture
def real_trials():
    """The 74 trials of the registry fixtures with their hand-checked rules."""
    call_command("import_trials", str(REGISTRY_DIR), stdout=io.StringIO())
    apply_curation(read_curation(REGISTRY_DIR.parent / "curation.json"))


@pytest.mark.parametrize("patient", PATIENTS)
def test_the_api_json_is_exactly_the_results_encoded_as_dicts(client, real_trials, patient):
    body = {**patient, "as_of": "2026-01-15"}
    response = client.post("/api/screen", body, content_type="application/json")
    results = screen(current_catalogue().trials, read_patient(body))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content.decode() == json.dumps(screening_json(read_patient(body), results))
    assert any(
        result["eligible_from"] or result["window_closes"] for result in response.json()["results"]
    )


def test_the_api_summary_gives_verdicts_counts_and_failing_criteria(client, fvc_trial):
    patient = {"age": 50, "fvc_percent": 65, "gastrostomy": False, "as_of": "2026-01-15"}
    full = client.post("/api/screen", patient, content_type="application/json").json()
    response = client.post("/api/screen?detail=summary", patient, content_type="application/json")
    summary = response.json()
    (result,) = summary["results"]
    assert response.status_code == 200
    assert (summary["as_of"], summary["patient"], summary["detail"]) == (
        "2026-01-15",
        full["patient"],
        "summary",
    )
    assert "criteria" not in result
    assert {key: result[key] for key in ("nct_id", "verdict", "window_closes")} == {
        "nct_id": "NCT00000001",
        "verdict": "ineligible",
        "window_closes": None,
    }
    assert result["counts"] == {
        "pass": 3,
        "fail": 1,
        "unknown": 0,
        "needs_review": 0,
        "not_applicable": 0,
    }
    assert result["deciding"] == [
        c for c in full["results"][0]["criteria"] if c["outcome"] == "fail"
    ]


def test_the_api_refuses_an_unknown_detail(client, fvc_trial):
    response = client.post("/api/screen?detail=some", {}, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"detail": ["detail must be full or summary, not 'some'."]}
    }
