import pytest

from tests.factories import CriterionFactory, TrialFactory
from trials.models import Criterion, OverallStatus, Phase

pytestmark = pytest.mark.django_db


def test_the_trial_list_finds_by_nct_id_title_and_condition(client):
    TrialFactory(nct_id="NCT00000001", brief_title="Masitinib in ALS")
    TrialFactory(
        nct_id="NCT00000002",
        brief_title="Other",
        conditions=["Primary Lateral Sclerosis"],
        conditions_search="primary lateral sclerosis",
    )
    assert list(client.get("/trials/", {"q": "NCT00000001"}).context["page"]) == [
        t for t in client.get("/trials/").context["page"] if t.nct_id == "NCT00000001"
    ]
    assert [t.nct_id for t in client.get("/trials/", {"q": "masitinib"}).context["page"]] == [
        "NCT00000001"
    ]
    assert [t.nct_id for t in client.get("/trials/", {"q": "Primary lateral"}).context["page"]] == [
        "NCT00000002"
    ]


def test_the_trial_list_filters_by_status_and_phase(client):
    TrialFactory(nct_id="NCT00000001", overall_status=OverallStatus.RECRUITING, phase=Phase.PHASE3)
    TrialFactory(nct_id="NCT00000002", overall_status=OverallStatus.COMPLETED, phase=Phase.PHASE3)
    TrialFactory(nct_id="NCT00000003", overall_status=OverallStatus.RECRUITING, phase=Phase.PHASE1)
    page = client.get("/trials/", {"status": "RECRUITING", "phase": "PHASE3"}).context["page"]
    assert [t.nct_id for t in page] == ["NCT00000001"]


def test_the_trial_list_is_paginated(client):
    TrialFactory.create_batch(30)
    first = client.get("/trials/")
    second = client.get("/trials/", {"page": 2})
    assert len(first.context["page"]) == 25
    assert len(second.context["page"]) == 5
    assert b"Page 2 of 2" in second.content


def test_the_trial_page_shows_facts_and_criteria_apart(client):
    trial = TrialFactory(nct_id="NCT00000001", lead_sponsor="Bioinova", minimum_age="18 Years")
    CriterionFactory(trial=trial, position=1, text="FVC at least 70%")
    CriterionFactory(
        trial=trial,
        position=2,
        kind=Criterion.Kind.EXCLUSION,
        text="Life expectancy under 2 years",
        rule="",
        review_status=Criterion.ReviewStatus.NEEDS_REVIEW,
    )
    response = client.get("/trials/NCT00000001/")
    assert response.context["inclusion"][0].text == "FVC at least 70%"
    assert response.context["exclusion"][0].text == "Life expectancy under 2 years"
    html = response.content.decode()
    assert "Bioinova" in html
    assert "Needs review" in html
    assert "https://clinicaltrials.gov/study/NCT00000001" in html


def test_an_unknown_trial_is_404(client):
    assert client.get("/trials/NCT99999999/").status_code == 404


def test_an_incomplete_trial_says_so(client):
    TrialFactory(nct_id="NCT00000001", criteria_incomplete=True)
    assert b"Criteria text incomplete" in client.get("/trials/NCT00000001/").content
