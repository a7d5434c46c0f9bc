import re
from html import unescape
from urllib.parse import parse_qs

import pytest

from tests.factories import CriterionFactory, TrialFactory
from trials.display import criteria_items, design_summary, intervention_labels
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
    assert response.context["inclusion"][0].criterion.text == "FVC at least 70%"
    assert response.context["exclusion"][0].criterion.text == "Life expectancy under 2 years"
    html = response.content.decode()
    assert "Bioinova" in html
    assert "Needs review" in html
    assert "https://clinicaltrials.gov/study/NCT00000001" in html


def test_an_unknown_trial_is_404(client):
    assert client.get("/trials/NCT99999999/").status_code == 404


def test_an_incomplete_trial_says_so(client):
    TrialFactory(nct_id="NCT00000001", criteria_incomplete=True)
    assert b"Criteria text incomplete" in client.get("/trials/NCT00000001/").content


def nested_criteria(trial):
    """Inclusion 1 > 1a > 1a-i, then inclusion 2, the way the splitter links nested items."""
    first = CriterionFactory(trial=trial, position=1, text="Diagnosis of ALS")
    sub = CriterionFactory(trial=trial, position=2, parent=first, text="Definite or probable")
    CriterionFactory(trial=trial, position=3, parent=sub, text="By revised El Escorial")
    CriterionFactory(trial=trial, position=4, text="Age 18 to 80")


def test_sub_criteria_are_lists_nested_in_their_parents_item_at_any_depth(client):
    nested_criteria(TrialFactory(nct_id="NCT00000001"))
    html = client.get("/trials/NCT00000001/").content.decode()
    inclusion = html[html.index("Inclusion criteria") : html.index("Exclusion criteria")]
    tags = re.findall(r"</?(?:ol|li)\b|Diagnosis|Definite|El Escorial|Age 18", inclusion)
    assert tags == [
        "<ol", "<li", "Diagnosis",
        "<ol", "<li", "Definite",
        "<ol", "<li", "El Escorial", "</li", "</ol",
        "</li", "</ol",
        "</li",
        "<li", "Age 18", "</li",
        "</ol",
    ]  # fmt: skip


def test_a_sub_criterion_whose_parent_is_under_another_heading_stays_in_its_own_list(client):
    trial = TrialFactory(nct_id="NCT00000001")
    parent = CriterionFactory(trial=trial, position=1, text="Inclusion parent")
    CriterionFactory(
        trial=trial,
        position=2,
        parent=parent,
        kind=Criterion.Kind.EXCLUSION,
        text="Exclusion child",
    )
    html = client.get("/trials/NCT00000001/").content.decode()
    assert "Exclusion child" in html[html.index("Exclusion criteria") :]


def test_criteria_whose_parent_links_form_a_loop_are_still_all_shown(client):
    trial = TrialFactory(nct_id="NCT00000001")
    first = CriterionFactory(trial=trial, position=1, text="Loop one")
    second = CriterionFactory(trial=trial, position=2, parent=first, text="Loop two")
    Criterion.objects.filter(pk=first.pk).update(parent=second)
    own_parent = CriterionFactory(trial=trial, position=3, text="Its own parent")
    Criterion.objects.filter(pk=own_parent.pk).update(parent=own_parent)
    html = client.get("/trials/NCT00000001/").content.decode()
    assert [text in html for text in ("Loop one", "Loop two", "Its own parent")] == [True] * 3


def test_criteria_items_walk_the_tree_in_order_with_depths_and_closing_lists():
    root = Criterion(id=1, position=1, text="root")
    child = Criterion(id=2, position=2, parent_id=1, text="child")
    grandchild = Criterion(id=3, position=3, parent_id=2, text="grandchild")
    sibling = Criterion(id=4, position=4, text="sibling")
    items = criteria_items([root, child, grandchild, sibling])
    assert [(i.criterion.text, i.depth, i.has_children, len(i.closes)) for i in items] == [
        ("root", 0, True, 0),
        ("child", 1, True, 0),
        ("grandchild", 2, False, 2),
        ("sibling", 0, False, 0),
    ]


def test_the_trial_page_reads_the_criteria_in_one_query_however_deep_they_nest(
    client, django_assert_num_queries
):
    flat = TrialFactory(nct_id="NCT00000001")
    CriterionFactory(trial=flat, position=1)
    nested_criteria(TrialFactory(nct_id="NCT00000002"))
    # One query for the trial, one for its criteria.
    with django_assert_num_queries(2):
        client.get("/trials/NCT00000001/")
    with django_assert_num_queries(2):
        client.get("/trials/NCT00000002/")


def test_the_design_line_and_interventions_read_as_words_not_registry_codes(client):
    TrialFactory(
        nct_id="NCT00000001",
        allocation="NA",
        intervention_model="SINGLE_GROUP",
        masking="NONE",
        primary_purpose="TREATMENT",
        interventions=[{"type": "BIOLOGICAL", "name": "Autologous MSC"}],
    )
    html = client.get("/trials/NCT00000001/").content.decode()
    assert (
        "Allocation: not applicable · Single group · No masking (open label) · Purpose: treatment"
        in html
    )
    assert "Biological: Autologous MSC" in html
    assert "BIOLOGICAL" not in html
    assert "single_group" not in html


def test_a_design_code_the_registry_adds_later_is_shown_tidied():
    trial = TrialFactory.build(
        allocation="RANDOMIZED",
        intervention_model="NEW_KIND_OF_MODEL",
        masking="",
        primary_purpose="",
    )
    assert design_summary(trial) == "Allocation: randomized · New kind of model"
    assert intervention_labels(
        [{"type": "GENE_EDITING", "name": "X"}, {"type": "", "name": "Y"}]
    ) == ["Gene editing: X", "Y"]


@pytest.mark.parametrize("query", ["NCT0382", "03828123", "nct03828123", "nct0382"])
def test_a_partial_or_lower_case_nct_id_finds_the_trial(client, query):
    TrialFactory(nct_id="NCT03828123", brief_title="Autologous MSC")
    TrialFactory(nct_id="NCT02492516", brief_title="Adipose MSC")
    page = client.get("/trials/", {"q": query}).context["page"]
    assert [t.nct_id for t in page] == ["NCT03828123"]


def test_a_short_number_does_not_match_every_nct_id_that_contains_it(client):
    TrialFactory(nct_id="NCT03828123", brief_title="Autologous MSC")
    assert list(client.get("/trials/", {"q": "12"}).context["page"]) == []


def test_a_phase_filter_includes_the_combined_phases_that_contain_it(client):
    for number, phase in enumerate(
        [Phase.PHASE1, Phase.PHASE1_PHASE2, Phase.PHASE2, Phase.PHASE2_PHASE3, Phase.PHASE3]
    ):
        TrialFactory(nct_id=f"NCT0000000{number}", phase=phase)
    TrialFactory(nct_id="NCT00000009", phase=Phase.EARLY_PHASE1)

    def found(phase):
        return [t.phase for t in client.get("/trials/", {"phase": phase}).context["page"]]

    assert sorted(found("PHASE2")) == ["PHASE1_PHASE2", "PHASE2", "PHASE2_PHASE3"]
    assert sorted(found("PHASE1")) == ["PHASE1", "PHASE1_PHASE2"]
    assert found("PHASE1_PHASE2") == ["PHASE1_PHASE2"]
    assert b"Phase 2 also finds Phase 1/2 and 2/3" in client.get("/trials/").content


def test_pagination_links_keep_the_filters_encoded(client):
    TrialFactory.create_batch(30)
    params = {"q": "", "status": "A & B c", "phase": "x=1 y", "page": "1"}
    html = client.get("/trials/", params).content.decode()
    href = unescape(re.search(r'<a rel="next" href="([^"]*)"', html).group(1))
    assert href.startswith("?")
    assert parse_qs(href[1:], keep_blank_values=True) == {
        "q": [""],
        "status": ["A & B c"],
        "phase": ["x=1 y"],
        "page": ["2"],
    }
