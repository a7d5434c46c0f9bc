import pytest

from screening.models import SavedScreening
from tests.log.conftest import PATIENT

pytestmark = pytest.mark.django_db


@pytest.fixture
def saved(clinician, trials) -> SavedScreening:
    clinician.post("/log/save/", {**PATIENT, "reference": "ALS-0042"})
    return SavedScreening.objects.get()


def test_reopening_shows_the_screening_as_it_was_saved(clinician, saved):
    html = clinician.get(saved.get_absolute_url()).content.decode()
    assert "<h1>Screening ALS-0042</h1>" in html
    assert "Leeds ALS clinic" in html
    assert "2025-01-15" in html
    assert "65 % of predicted" in html
    assert "FVC 65% of predicted is below the required 70%" in html
    assert "1 eligible, 0 possibly eligible, 2 ineligible" in html


def test_reopening_after_the_criteria_changed_shows_the_old_results(clinician, saved, trials):
    stored = saved.result
    trials["fvc"].text = "FVC at least 60%"
    trials["fvc"].rule = "fvc_percent >= 60"
    trials["fvc"].save()
    trials["onset"].delete()

    response = clinician.get(saved.get_absolute_url())
    html = response.content.decode()
    saved.refresh_from_db()
    assert saved.result == stored
    assert "FVC 65% of predicted is below the required 70%" in html
    assert "“FVC at least 70%”" in html
    assert "FVC at least 60%" not in html
    assert "22.5 months since symptom onset" in html


def test_reopening_renders_the_stored_json_without_screening_again(
    clinician, saved, django_assert_max_num_queries
):
    # Nothing about the trials is read: no catalogue, no criteria.
    with django_assert_max_num_queries(6) as queries:
        clinician.get(saved.get_absolute_url())
    assert not any("trials_criterion" in q["sql"] for q in queries.captured_queries)


def test_the_saved_page_offers_to_screen_again_and_to_delete(clinician, saved):
    html = clinician.get(saved.get_absolute_url()).content.decode()
    assert f'href="/log/screenings/{saved.pk}/again/"' in html
    assert f'href="/log/screenings/{saved.pk}/delete/"' in html
    assert "Screen again now" in html


def test_saving_redirects_to_the_saved_screening_with_a_confirmation(clinician, trials):
    response = clinician.post("/log/save/", {**PATIENT, "reference": "ALS-7"}, follow=True)
    assert "Saved to the log of Leeds ALS clinic as ALS-7." in response.content.decode()
