import pytest

from screening.log import screening_save
from screening.models import SavedScreening, Verdict
from tests.log.conftest import PATIENT

pytestmark = pytest.mark.django_db


def save(persona, **changes):
    return persona.post("/log/save/", {**PATIENT, "reference": "ALS-0042", **changes})


def test_a_clinician_saves_a_screening_under_a_reference(clinician, site, trials):
    response = save(clinician)
    screening = SavedScreening.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/log/screenings/{screening.pk}/"
    assert screening.reference == "ALS-0042"
    assert screening.site == site
    assert screening.saved_by == clinician.user
    assert screening.screened_on.isoformat() == "2025-01-15"
    assert {v["name"]: v["text"] for v in screening.values}["fvc_percent"] == "65 % of predicted"
    assert screening.entered["riluzole_since"] == "2024-12-01"


def test_the_saved_screening_holds_every_criterions_outcome_and_explanation(clinician, trials):
    save(clinician)
    screening = SavedScreening.objects.get()
    results = {r["nct_id"]: r for r in screening.result["results"]}
    fvc = results["NCT00000001"]
    assert fvc["verdict"] == "ineligible"
    assert fvc["criteria"][0]["outcome"] == "fail"
    assert fvc["criteria"][0]["text"] == "FVC at least 70%"
    assert fvc["criteria"][0]["rule"] == "fvc_percent >= 70"
    assert "65" in fvc["criteria"][0]["explanation"]


def test_only_the_trials_shown_are_saved_unless_closed_trials_are_included(clinician, trials):
    save(clinician)
    save(clinician, show_closed="on")
    shown, with_closed = SavedScreening.objects.order_by("saved_at")
    assert "NCT00000004" not in {o.nct_id for o in shown.outcomes.all()}
    assert "NCT00000004" in {o.nct_id for o in with_closed.outcomes.all()}


def test_each_trial_row_keeps_the_criteria_versions_and_reasons(clinician, trials):
    save(clinician)
    outcome = SavedScreening.objects.get().outcomes.get(nct_id="NCT00000001")
    criterion = trials["fvc"]
    assert outcome.verdict == Verdict.INELIGIBLE
    assert outcome.reasons[0]["key"] == criterion.pk
    assert outcome.reasons[0]["text"] == "FVC at least 70%"
    [version] = outcome.criteria
    assert version["key"] == criterion.pk
    assert version["rule"] == "fvc_percent >= 70"
    assert version["history_id"] == criterion.history.latest().history_id
    assert len(outcome.rules_hash) == 64
    assert outcome.trial_history_id == criterion.trial.history.latest().history_id


def test_the_rules_hash_changes_when_a_rule_changes(clinician, trials):
    save(clinician)
    trials["fvc"].rule = "fvc_percent >= 60"
    trials["fvc"].save()
    save(clinician)
    first, second = (
        s.outcomes.get(nct_id="NCT00000001").rules_hash
        for s in SavedScreening.objects.order_by("saved_at")
    )
    unchanged = {
        s.outcomes.get(nct_id="NCT00000002").rules_hash for s in SavedScreening.objects.all()
    }
    assert first != second
    assert len(unchanged) == 1


def test_nothing_is_stored_for_an_anonymous_visitor(anonymous_visitor, trials):
    response = save(anonymous_visitor)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not SavedScreening.objects.exists()


def test_a_screening_with_invalid_values_is_not_saved(clinician, trials):
    response = save(clinician, fvc_percent="500")
    assert response.status_code == 200
    assert "Correct or clear them before saving" in response.content.decode()
    assert not SavedScreening.objects.exists()


def test_a_clinician_without_a_site_is_told_why_nothing_was_saved(siteless_clinician, trials):
    response = save(siteless_clinician)
    assert "not a member of any trial site" in response.content.decode()
    assert not SavedScreening.objects.exists()


def test_a_clinician_of_two_sites_chooses_the_site(clinician, other_site, trials):
    clinician.user.groups.add(other_site.group)
    unchosen = save(clinician)
    assert "choose the site" in unchosen.content.decode()
    save(clinician, site=str(other_site.pk))
    assert SavedScreening.objects.get().site == other_site


def test_a_clinician_cannot_save_to_another_sites_log(clinician, other_site, trials):
    response = save(clinician, site=str(other_site.pk))
    assert response.status_code == 200
    assert not SavedScreening.objects.exists()


def test_the_service_refuses_a_site_the_user_does_not_belong_to(clinician, other_site, trials):
    from django.core.exceptions import PermissionDenied

    from tests.log.conftest import reading

    with pytest.raises(PermissionDenied):
        screening_save(
            user=clinician.user,
            site=other_site,
            reference="ALS-1",
            reading=reading(),
            show_closed=False,
        )


def test_the_screening_page_offers_saving_to_logged_in_clinicians_only(
    clinician, anonymous_visitor, trials
):
    logged_in = clinician.get("/").content.decode()
    anonymous = anonymous_visitor.get("/").content.decode()
    assert 'formaction="/log/save/"' in logged_in
    assert "never by name" in logged_in
    assert 'name="reference"' not in anonymous
    assert "never stored" in anonymous
    assert 'href="/accounts/login/?next=/"' in anonymous


def test_the_reference_is_kept_when_the_page_is_only_refreshed(clinician, trials):
    html = clinician.post("/", {**PATIENT, "reference": "ALS-0042"}).content.decode()
    assert 'name="reference" value="ALS-0042"' in html
