import pytest
from django.test import Client

from screening.models import SavedScreening
from tests.log.conftest import PATIENT
from tests.log.factories import SavedScreeningFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_clinician(clinician) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician.user)
    return client


def test_saving_without_a_csrf_token_is_forbidden(strict_clinician, trials):
    response = strict_clinician.post("/log/save/", {**PATIENT, "reference": "ALS-1"})
    assert response.status_code == 403
    assert not SavedScreening.objects.exists()


def test_deleting_without_a_csrf_token_is_forbidden(strict_clinician, site):
    screening = SavedScreeningFactory(site=site)
    response = strict_clinician.post(f"/log/screenings/{screening.pk}/delete/")
    assert response.status_code == 403
    assert SavedScreening.objects.filter(pk=screening.pk).exists()


def test_logging_in_and_out_without_a_csrf_token_is_forbidden(strict_clinician):
    assert strict_clinician.post("/accounts/logout/").status_code == 403
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post("/accounts/login/", {"username": "x", "password": "y"}).status_code == 403


def test_every_log_form_carries_a_csrf_token(clinician, site, trials):
    screening = SavedScreeningFactory(site=site)
    pages = ["/", f"/log/screenings/{screening.pk}/delete/", "/log/"]
    for url in pages:
        assert 'name="csrfmiddlewaretoken"' in clinician.get(url).content.decode(), url
    assert 'name="csrfmiddlewaretoken"' in Client().get("/accounts/login/").content.decode()
