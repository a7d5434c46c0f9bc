"""The two source trials, with their hand-checked rules, at each boundary."""

import io
from datetime import date

import pytest
from django.core.management import call_command

from screening.catalogue import current_catalogue
from screening.engine import Outcome, Verdict, read_patient, screen_trial
from tests.conftest import REGISTRY_DIR
from trials.curation import apply_curation, read_curation
from trials.models import Criterion

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 11, 22)
AMSC = "NCT03828123"
ROYAN = "NCT02492516"
# A patient who meets every structured criterion of both trials.
GOOD = {
    "age": 50,
    "sex": "female",
    "el_escorial": "definite",
    "familial": False,
    "riluzole": "never",
    "fvc_percent": 80,
    "alsfrs_r": 40,
    "onset_region": "limb",
    "norris_limb": 40,
    "pregnant": False,
    "breastfeeding": False,
    "gastrostomy": False,
}


@pytest.fixture
def seeds():
    call_command("import_trials", str(REGISTRY_DIR / f"{AMSC}.json"), stdout=io.StringIO())
    call_command("import_trials", str(REGISTRY_DIR / f"{ROYAN}.json"), stdout=io.StringIO())
    report = apply_curation(read_curation(REGISTRY_DIR.parent / "curation.json"))
    assert report.missing == ()
    return {trial.nct_id: trial for trial in current_catalogue().trials}


def outcome_of(seeds, nct_id: str, text: str, **changes) -> Outcome:
    result = screen_trial(seeds[nct_id], read_patient({**GOOD, **changes}, as_of=AS_OF))
    return next(c.outcome for c in result.criteria if c.criterion.text == text)


def test_every_seed_criterion_is_hand_checked(seeds):
    criteria = Criterion.objects.filter(trial__nct_id__in=[AMSC, ROYAN])
    assert criteria.count() == 25
    assert set(criteria.values_list("review_status", flat=True)) == {"reviewed"}


def test_needs_review_criteria_show_their_text(seeds):
    result = screen_trial(seeds[AMSC], read_patient(GOOD, as_of=AS_OF))
    review = [c for c in result.criteria if c.outcome == Outcome.NEEDS_REVIEW]
    assert {c.criterion.text for c in review} >= {
        "life expectancy more than 2 years",
        "patients able to provide written informed consent.",
    }
    assert all(c.criterion.text in c.explanation for c in review)
    assert result.verdict == Verdict.POSSIBLY_ELIGIBLE


@pytest.mark.parametrize(("age", "outcome"), [(65, Outcome.PASS), (66, Outcome.FAIL)])
def test_amsc_age_limit_is_65_inclusive(seeds, age, outcome):
    assert outcome_of(seeds, AMSC, "Registry maximum age: 65 years", age=age) == outcome


@pytest.mark.parametrize(
    ("fvc", "outcome"), [(69, Outcome.FAIL), (69.9, Outcome.FAIL), (70, Outcome.PASS)]
)
def test_amsc_excludes_fvc_below_70(seeds, fvc, outcome):
    assert outcome_of(seeds, AMSC, "FVC less than 70%", fvc_percent=fvc) == outcome


def test_amsc_fvc_failure_explains_the_numbers(seeds):
    result = screen_trial(seeds[AMSC], read_patient({**GOOD, "fvc_percent": 65}, as_of=AS_OF))
    fvc = next(c for c in result.criteria if c.criterion.text == "FVC less than 70%")
    assert "65" in fvc.explanation
    assert "70" in fvc.explanation
    assert result.verdict == Verdict.INELIGIBLE


@pytest.mark.parametrize(
    ("region", "norris", "outcome"),
    [
        ("bulbar", 14, Outcome.FAIL),
        ("bulbar", 15, Outcome.PASS),
        ("limb", 14, Outcome.NOT_APPLICABLE),
    ],
)
def test_amsc_norris_bulbar_counts_only_for_bulbar_onset(seeds, region, norris, outcome):
    text = "in case of primary bulbar paralysis less than 15 points on Norris bulbar scale,"
    changes = {"onset_region": region, "norris_bulbar": norris}
    assert outcome_of(seeds, AMSC, text, **changes) == outcome


def test_amsc_norris_bulbar_is_unknown_until_bulbar_onset_is_scored(seeds):
    text = "in case of primary bulbar paralysis less than 15 points on Norris bulbar scale,"
    assert outcome_of(seeds, AMSC, text, onset_region="bulbar") == Outcome.UNKNOWN


@pytest.mark.parametrize(
    ("changes", "outcome"),
    [
        ({"riluzole": "never"}, Outcome.PASS),
        ({"riluzole": "current", "riluzole_since": "2026-09-23"}, Outcome.PASS),
        ({"riluzole": "current", "riluzole_since": "2026-09-24"}, Outcome.FAIL),
    ],
)
def test_amsc_riluzole_naive_or_stable_for_60_days(seeds, changes, outcome):
    text = "riluzole naive or stable dose for at least 2 months,"
    assert outcome_of(seeds, AMSC, text, **changes) == outcome


def test_amsc_riluzole_window_says_when_the_dose_becomes_stable(seeds):
    patient = read_patient(
        {**GOOD, "riluzole": "current", "riluzole_since": "2026-10-22"}, as_of=AS_OF
    )
    result = screen_trial(seeds[AMSC], patient)
    assert result.verdict == Verdict.INELIGIBLE
    assert result.eligible_from == date(2026, 12, 21)


@pytest.mark.parametrize(("score", "outcome"), [(23, Outcome.FAIL), (24, Outcome.PASS)])
def test_royan_alsfrs_r_at_least_24(seeds, score, outcome):
    assert outcome_of(seeds, ROYAN, "ALS-FRS> = 24", alsfrs_r=score) == outcome


@pytest.mark.parametrize(
    ("age", "verdict"), [(55, Verdict.POSSIBLY_ELIGIBLE), (56, Verdict.INELIGIBLE)]
)
def test_royan_age_limit_is_55_inclusive(seeds, age, verdict):
    result = screen_trial(seeds[ROYAN], read_patient({**GOOD, "age": age}, as_of=AS_OF))
    assert result.verdict == verdict


@pytest.mark.parametrize(("fvc", "outcome"), [(39, Outcome.FAIL), (40, Outcome.PASS)])
def test_royan_fvc_at_least_40(seeds, fvc, outcome):
    assert outcome_of(seeds, ROYAN, "FVC >= 40%", fvc_percent=fvc) == outcome


def test_royan_excludes_familial_als(seeds):
    assert outcome_of(seeds, ROYAN, "Familial form of ALS", familial=True) == Outcome.FAIL
    assert outcome_of(seeds, ROYAN, "Sporadic form of disease", familial=True) == Outcome.FAIL
    assert outcome_of(seeds, ROYAN, "Familial form of ALS", familial=False) == Outcome.PASS
