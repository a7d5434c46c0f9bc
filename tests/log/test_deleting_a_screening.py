import pytest

from screening.models import LogEvent, SavedScreening, ScreeningOutcome
from tests.log.factories import SavedScreeningFactory, ScreeningOutcomeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def screening(site) -> SavedScreening:
    screening = SavedScreeningFactory(site=site, reference="ALS-0042")
    ScreeningOutcomeFactory(screening=screening)
    return screening


def test_deleting_asks_for_confirmation_first(clinician, screening):
    response = clinician.get(f"/log/screenings/{screening.pk}/delete/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Delete the screening of ALS-0042?" in html
    assert 'method="post"' in html
    assert SavedScreening.objects.filter(pk=screening.pk).exists()


def test_deleting_removes_the_screening_and_its_trial_rows(clinician, screening):
    response = clinician.post(f"/log/screenings/{screening.pk}/delete/", follow=True)
    assert response.redirect_chain == [("/log/", 302)]
    assert "Deleted the screening of ALS-0042." in response.content.decode()
    assert not SavedScreening.objects.exists()
    assert not ScreeningOutcome.objects.exists()


def test_a_deletion_is_recorded_without_patient_values(clinician, screening):
    clinician.post(f"/log/screenings/{screening.pk}/delete/")
    event = LogEvent.objects.get()
    assert event.action == LogEvent.Action.DELETED
    assert event.user == clinician.user
    assert event.username == "dr_leeds"
    assert event.reference == "ALS-0042"
    assert event.site_name == "Leeds ALS clinic"
    assert event.screening_id == screening.pk
    assert event.at is not None
    recorded = {field.name for field in LogEvent._meta.fields}
    assert not recorded & {"values", "result", "entered", "reasons"}


def test_deleting_by_get_changes_nothing(clinician, screening):
    clinician.get(f"/log/screenings/{screening.pk}/delete/")
    assert not LogEvent.objects.exists()
