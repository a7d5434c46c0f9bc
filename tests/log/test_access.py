import pytest

from screening.models import SavedScreening
from tests.log.factories import SavedScreeningFactory, ScreeningOutcomeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leeds_screening(site) -> SavedScreening:
    screening = SavedScreeningFactory(site=site, reference="LEEDS-1")
    ScreeningOutcomeFactory(screening=screening)
    return screening


@pytest.fixture
def sheffield_screening(other_site) -> SavedScreening:
    screening = SavedScreeningFactory(site=other_site, reference="SHEF-1")
    ScreeningOutcomeFactory(screening=screening)
    return screening


def screening_urls(screening: SavedScreening) -> list[str]:
    base = f"/log/screenings/{screening.pk}/"
    return [base, f"{base}again/", f"{base}delete/"]


LOG_URLS = [
    "/log/",
    "/log/trials/NCT00000001/",
    "/log/trials/NCT00000001/log.csv",
    "/log/trials/NCT00000001/summary/",
]


def test_an_anonymous_visitor_is_sent_to_log_in(anonymous_visitor, leeds_screening):
    for url in [*LOG_URLS, *screening_urls(leeds_screening)]:
        response = anonymous_visitor.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next=/log/"), url


def test_another_sites_screening_is_not_found(other_site_clinician, leeds_screening):
    for url in screening_urls(leeds_screening):
        assert other_site_clinician.get(url).status_code == 404, url
    response = other_site_clinician.post(f"/log/screenings/{leeds_screening.pk}/delete/")
    assert response.status_code == 404
    assert SavedScreening.objects.filter(pk=leeds_screening.pk).exists()


def test_a_clinician_sees_only_their_own_sites_screenings(
    clinician, leeds_screening, sheffield_screening
):
    index = clinician.get("/log/").content.decode()
    trial_log = clinician.get("/log/trials/NCT00000001/").content.decode()
    export = clinician.get("/log/trials/NCT00000001/log.csv").content.decode()
    summary = clinician.get("/log/trials/NCT00000001/summary/").context["summary"]
    for page in (index, trial_log, export):
        assert "LEEDS-1" in page
        assert "SHEF-1" not in page
    assert summary.patients == 1


def test_a_curator_sees_every_sites_screenings(curator, leeds_screening, sheffield_screening):
    trial_log = curator.get("/log/trials/NCT00000001/").content.decode()
    assert "LEEDS-1" in trial_log
    assert "SHEF-1" in trial_log
    assert curator.get(leeds_screening.get_absolute_url()).status_code == 200
    assert curator.get(sheffield_screening.get_absolute_url()).status_code == 200


def test_a_curator_reads_other_sites_logs_but_does_not_delete_from_them(curator, leeds_screening):
    url = f"/log/screenings/{leeds_screening.pk}/delete/"
    assert curator.get(url).status_code == 403
    assert curator.post(url).status_code == 403
    assert (
        "Delete this screening"
        not in curator.get(leeds_screening.get_absolute_url()).content.decode()
    )


def test_a_superuser_sees_every_site(admin_client, leeds_screening, sheffield_screening):
    trial_log = admin_client.get("/log/trials/NCT00000001/").content.decode()
    assert "LEEDS-1" in trial_log
    assert "SHEF-1" in trial_log


def test_screenings_are_addressed_by_uuid(leeds_screening):
    assert len(str(leeds_screening.pk)) == 36
    assert str(leeds_screening.pk) in leeds_screening.get_absolute_url()
