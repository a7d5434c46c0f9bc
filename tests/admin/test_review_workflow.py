import pytest
from django.urls import reverse

from tests.factories import CriterionFactory, TrialFactory
from trials.models import Criterion

pytestmark = pytest.mark.django_db

CRITERIA_URL = reverse("admin:trials_criterion_changelist")


def mark_reviewed(client, *criteria: Criterion):
    return client.post(
        CRITERIA_URL,
        {"action": "mark_reviewed", "_selected_action": [c.pk for c in criteria]},
        follow=True,
    )


def test_an_action_marks_selected_criteria_reviewed(curator):
    trial = TrialFactory(nct_id="NCT00000401")
    auto = CriterionFactory(trial=trial, position=1, review_status="auto")
    edited = CriterionFactory(trial=trial, position=2, review_status="edited")
    left = CriterionFactory(trial=trial, position=3, review_status="needs_review")

    page = mark_reviewed(curator, auto, edited)

    assert [str(m) for m in page.context["messages"]] == ["Marked 2 criteria reviewed."]
    statuses = dict(trial.criteria.values_list("position", "review_status"))
    assert statuses == {1: "reviewed", 2: "reviewed", 3: "needs_review"}
    assert auto.history.first().history_user == curator.user
    assert left.history.count() == 1


def test_a_criterion_whose_rule_does_not_compile_is_not_marked_reviewed(curator):
    broken = CriterionFactory(rule="fvc_pct >= 70", review_status="edited")
    page = mark_reviewed(curator, broken)
    messages = [str(m) for m in page.context["messages"]]
    assert messages[0] == "Marked 0 criteria reviewed."
    assert "its rule does not compile (Line 1, column 1: unknown measure 'fvc_pct'" in messages[1]
    broken.refresh_from_db()
    assert broken.review_status == "edited"


def test_the_trial_page_links_to_its_criteria_as_a_list_for_reviewing(curator):
    trial = TrialFactory(nct_id="NCT00000402")
    CriterionFactory(trial=trial, position=1, review_status="reviewed")
    CriterionFactory(trial=trial, position=2, review_status="auto")
    CriterionFactory(trial=TrialFactory(), position=1)
    html = curator.get(reverse("admin:trials_trial_change", args=[trial.pk])).content.decode()
    assert "1 structured by the parser, 1 reviewed." in html
    link = f"{CRITERIA_URL}?trial__id__exact={trial.pk}"
    assert link in html.replace("&amp;", "&")
    listed = curator.get(CRITERIA_URL, {"trial__id__exact": trial.pk})
    assert [c.trial_id for c in listed.context["cl"].result_list] == [trial.pk, trial.pk]


def test_the_criteria_list_filters_by_review_status(curator):
    CriterionFactory(review_status="edited", text="Edited one")
    CriterionFactory(review_status="auto", text="Parsed one")
    page = curator.get(CRITERIA_URL, {"review_status__exact": "edited"})
    assert [c.text for c in page.context["cl"].result_list] == ["Edited one"]
