import pytest
from django.urls import reverse

from tests.admin.support import criterion_url, edit_criterion, edit_trial, errors, row, trial_url
from tests.factories import CriterionFactory, TrialFactory
from trials.models import Criterion

pytestmark = pytest.mark.django_db

PREVIEW_URL = reverse("admin:trials_rule_preview")


@pytest.fixture
def trial():
    return TrialFactory(nct_id="NCT00000042")


@pytest.fixture
def fvc(trial):
    return CriterionFactory(
        trial=trial,
        position=1,
        text="FVC at least 70% of predicted",
        rule="fvc_percent >= 70",
        review_status=Criterion.ReviewStatus.AUTO,
    )


def test_a_rule_that_does_not_compile_is_refused_with_the_languages_message(curator, trial, fvc):
    page = edit_trial(curator, trial, **{f"{row(trial, fvc)}-rule": "fvc_percent >= 900"})
    assert errors(page) == [
        "Line 1, column 16: 900 is outside the possible range of FVC (0 to 200%)"
    ]
    fvc.refresh_from_db()
    assert fvc.rule == "fvc_percent >= 70"


def test_the_message_is_shown_at_the_rule_it_belongs_to(curator, trial, fvc):
    page = edit_trial(curator, trial, **{f"{row(trial, fvc)}-rule": "fvcc >= 70"})
    formset = page.context["inline_admin_formsets"][0].formset
    assert formset.forms[0].errors["rule"] == ["Line 1, column 1: unknown measure 'fvcc'"]
    assert 'class="errorlist' in page.content.decode()


def test_a_rule_on_its_own_page_is_checked_the_same_way(curator, fvc):
    page = edit_criterion(curator, fvc, rule="age between 18 and")
    assert page.context["adminform"].form.errors["rule"] == [
        "Line 1, column 19: the rule ends too early; expected a number"
    ]


def test_a_valid_rule_is_stored_in_its_canonical_spelling(curator, trial, fvc):
    edit_trial(
        curator, trial, **{f"{row(trial, fvc)}-rule": "FVC_percent ≥ 60 AND NOT gastrostomy"}
    )
    fvc.refresh_from_db()
    assert fvc.rule == "fvc_percent >= 60 and not gastrostomy"


def test_a_rule_changed_by_a_person_is_marked_edited(curator, trial, fvc):
    edit_trial(curator, trial, **{f"{row(trial, fvc)}-rule": "fvc_percent >= 60"})
    fvc.refresh_from_db()
    assert (fvc.rule, fvc.review_status) == ("fvc_percent >= 60", "edited")


def test_a_review_status_chosen_in_the_same_save_is_kept(curator, trial, fvc):
    prefix = row(trial, fvc)
    edit_trial(
        curator,
        trial,
        **{f"{prefix}-rule": "fvc_percent >= 60", f"{prefix}-review_status": "reviewed"},
    )
    fvc.refresh_from_db()
    assert fvc.review_status == "reviewed"


def test_saving_a_trial_leaves_untouched_criteria_as_they_were(curator, trial, fvc):
    other = CriterionFactory(trial=trial, position=2, rule="", review_status="needs_review")
    edit_trial(curator, trial, **{f"{row(trial, fvc)}-rule": "fvc_percent >= 60"})
    other.refresh_from_db()
    assert (other.review_status, other.version) == ("needs_review", 1)


def test_an_emptied_rule_leaves_the_criterion_to_a_clinician(curator, trial, fvc):
    edit_trial(curator, trial, **{f"{row(trial, fvc)}-rule": "   "})
    fvc.refresh_from_db()
    assert (fvc.rule, fvc.review_status) == ("", "edited")


def test_a_criterion_under_no_heading_cannot_get_a_rule(curator, trial):
    loose = CriterionFactory(trial=trial, position=1, kind="unclassified", rule="")
    page = edit_trial(curator, trial, **{f"{row(trial, loose)}-rule": "age >= 18"})
    assert errors(page) == [
        "A criterion under no inclusion or exclusion heading is never checked by its rule. "
        "Set its kind to inclusion or exclusion first, or leave the rule empty."
    ]


def test_the_page_shows_each_rule_in_plain_english(curator, trial, fvc):
    page = curator.get(trial_url(trial)).content.decode()
    assert "<strong>Reads as:</strong> FVC at least 70% of predicted" in page
    assert f'hx-get="{PREVIEW_URL}"' in page
    assert 'hx-trigger="input changed delay:300ms"' in page


def test_the_preview_reads_a_rule_as_the_curator_types_it(curator):
    page = curator.get(PREVIEW_URL, {"criteria-3-rule": "not gastrostomy and age >= 18"})
    assert page.status_code == 200
    assert page.content.decode().strip() == (
        '<span class="rule-preview-ok"><strong>Reads as:</strong> '
        "No gastrostomy and age at least 18 years</span>"
    )


def test_the_preview_shows_what_is_wrong_with_a_rule(curator):
    page = curator.get(PREVIEW_URL, {"rule": "fvc_percent >="}).content.decode()
    assert "Not a rule yet:" in page
    assert "Line 1, column 15: the rule ends too early" in page


def test_the_preview_of_an_empty_rule_says_a_clinician_judges(curator):
    page = curator.get(PREVIEW_URL, {"rule": ""}).content.decode()
    assert "a clinician judges this criterion from its text." in page


def test_the_preview_is_for_staff_only(anonymous_visitor):
    page = anonymous_visitor.get(PREVIEW_URL, {"rule": "age >= 18"})
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("admin:login"))


def test_the_criterion_page_links_to_the_vocabulary(curator, fvc):
    page = curator.get(criterion_url(fvc)).content.decode()
    assert f'href="{reverse("admin:trials_vocabulary")}"' in page


def test_the_trial_page_is_read_in_a_fixed_number_of_queries(
    curator, trial, fvc, django_assert_max_num_queries
):
    curator.get(trial_url(trial))
    with django_assert_max_num_queries(20) as few:
        curator.get(trial_url(trial))
    for position in range(2, 30):
        CriterionFactory(trial=trial, position=position, rule="age >= 18")
    with django_assert_max_num_queries(len(few.captured_queries)):
        curator.get(trial_url(trial))


def test_a_rule_changed_on_its_own_page_is_marked_edited_too(curator, fvc):
    assert edit_criterion(curator, fvc, rule="fvc_percent >= 65").status_code == 302
    fvc.refresh_from_db()
    assert (fvc.rule, fvc.review_status) == ("fvc_percent >= 65", "edited")


def test_retyping_a_rule_in_another_spelling_is_not_an_edit(curator, trial, fvc):
    edit_trial(curator, trial, **{f"{row(trial, fvc)}-rule": "FVC_percent ≥ 70"})
    fvc.refresh_from_db()
    assert (fvc.rule, fvc.review_status) == ("fvc_percent >= 70", "auto")
