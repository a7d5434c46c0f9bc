import pytest
from django.urls import reverse

from tests.admin.factories import TestPatientFactory
from tests.factories import CriterionFactory, TrialFactory
from trials.admin_test_patients import trial_patients_check
from trials.models import OverallStatus, Phase

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:trials_trial_changelist")


def listed(client, **params) -> list[str]:
    page = client.get(LIST_URL, params)
    assert page.status_code == 200
    return [trial.nct_id for trial in page.context["cl"].result_list]


def criteria(trial, *statuses: str, rule: str = "age >= 18") -> None:
    for position, status in enumerate(statuses, start=1):
        CriterionFactory(trial=trial, position=position, review_status=status, rule=rule)


def test_the_list_shows_counts_review_progress_and_the_registry_flag(curator):
    trial = TrialFactory(
        nct_id="NCT00000101", brief_title="Masitinib in ALS", criteria_changed=True
    )
    criteria(trial, "reviewed", "reviewed", "edited", "auto")
    CriterionFactory(trial=trial, position=5, rule="", review_status="needs_review")

    page = curator.get(LIST_URL)
    result = page.context["cl"].result_list[0]
    html = page.content.decode()

    assert (result.criteria_count, result.structured_count, result.needs_review_count) == (5, 4, 1)
    assert "2/5 reviewed" in html
    assert "Masitinib in ALS" in html
    assert 'alt="True"' in html  # the "criteria changed in the registry" column


def test_a_trial_without_criteria_says_so(curator):
    TrialFactory(nct_id="NCT00000102")
    assert "no criteria" in curator.get(LIST_URL).content.decode()


def test_the_list_is_read_in_a_fixed_number_of_queries(curator, django_assert_max_num_queries):
    for _ in range(3):
        criteria(TrialFactory(), "reviewed", "auto")
    curator.get(LIST_URL)
    with django_assert_max_num_queries(9) as few:
        curator.get(LIST_URL)
    for _ in range(12):
        trial = TrialFactory()
        criteria(trial, "reviewed", "auto", "edited")
        TestPatientFactory(trial=trial)
    with django_assert_max_num_queries(len(few.captured_queries)):
        curator.get(LIST_URL)


def test_the_list_finds_trials_by_nct_id_title_and_condition(curator):
    TrialFactory(nct_id="NCT00000111", brief_title="Masitinib in ALS")
    TrialFactory(
        nct_id="NCT00000112",
        brief_title="Other",
        conditions=["Primary Lateral Sclerosis"],
        conditions_search="primary lateral sclerosis",
    )
    assert listed(curator, q="NCT00000111") == ["NCT00000111"]
    assert listed(curator, q="masitinib") == ["NCT00000111"]
    assert listed(curator, q="primary lateral") == ["NCT00000112"]


def test_the_list_filters_by_status_and_phase(curator):
    TrialFactory(nct_id="NCT00000121", overall_status=OverallStatus.RECRUITING, phase=Phase.PHASE3)
    TrialFactory(nct_id="NCT00000122", overall_status=OverallStatus.COMPLETED, phase=Phase.PHASE3)
    TrialFactory(nct_id="NCT00000123", overall_status=OverallStatus.RECRUITING, phase=Phase.PHASE1)
    assert listed(curator, overall_status__exact="RECRUITING", phase__exact="PHASE3") == [
        "NCT00000121"
    ]


def test_the_list_filters_by_review_state(curator):
    criteria(TrialFactory(nct_id="NCT00000131"), "reviewed", "reviewed")
    criteria(TrialFactory(nct_id="NCT00000132"), "reviewed", "edited")
    criteria(TrialFactory(nct_id="NCT00000133"), "needs_review", "auto")
    TrialFactory(nct_id="NCT00000134")
    assert listed(curator, review="reviewed") == ["NCT00000131"]
    assert listed(curator, review="edited") == ["NCT00000132"]
    assert listed(curator, review="needs_review") == ["NCT00000133"]


def test_the_list_filters_trials_whose_registry_criteria_changed(curator):
    TrialFactory(nct_id="NCT00000141", criteria_changed=True)
    TrialFactory(nct_id="NCT00000142", criteria_changed=False)
    assert listed(curator, criteria_changed__exact="1") == ["NCT00000141"]


def test_the_list_filters_by_test_patients(curator):
    failing, passing = TrialFactory(nct_id="NCT00000151"), TrialFactory(nct_id="NCT00000152")
    TrialFactory(nct_id="NCT00000153")
    for trial in (failing, passing):
        criteria(trial, "auto", rule="fvc_percent >= 70")
    TestPatientFactory(trial=failing, patient={"as_of": "2025-06-01", "fvc_percent": 60})
    TestPatientFactory(trial=passing, patient={"as_of": "2025-06-01", "fvc_percent": 80})
    for trial in (failing, passing):
        trial_patients_check(trial=trial)
    assert listed(curator, test_patients="failing") == ["NCT00000151"]
    assert listed(curator, test_patients="passing") == ["NCT00000152"]
    assert listed(curator, test_patients="none") == ["NCT00000153"]


def test_clearing_the_changed_flag_is_an_action(curator):
    trial = TrialFactory(nct_id="NCT00000161", criteria_changed=True)
    curator.post(LIST_URL, {"action": "clear_criteria_changed", "_selected_action": [trial.pk]})
    trial.refresh_from_db()
    assert trial.criteria_changed is False
    assert trial.history.first().history_user == curator.user
