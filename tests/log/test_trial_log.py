import datetime as dt
import re

import pytest

from screening.log import LOG_PAGE_SIZE
from screening.models import Verdict
from tests.log.factories import SavedScreeningFactory, ScreeningOutcomeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_rows(site):
    def row(reference, screened_on, verdict, reasons=()):
        screening = SavedScreeningFactory(
            site=site,
            reference=reference,
            screened_on=screened_on,
            saved_at=dt.datetime.combine(screened_on, dt.time(12), tzinfo=dt.UTC),
        )
        return ScreeningOutcomeFactory(screening=screening, verdict=verdict, reasons=list(reasons))

    fvc = {"key": 1, "text": "FVC at least 70%", "explanation": "FVC 65% is below 70%"}
    return [
        row("ALS-1", dt.date(2025, 1, 10), Verdict.INELIGIBLE, [fvc]),
        row("ALS-2", dt.date(2025, 2, 10), Verdict.ELIGIBLE),
        row("ALS-3", dt.date(2025, 3, 10), Verdict.POSSIBLY_ELIGIBLE),
    ]


def references(response) -> list[str]:
    return [outcome.screening.reference for outcome in response.context["page"]]


def test_the_trial_log_lists_every_saved_screening_newest_first(clinician, log_rows):
    response = clinician.get("/log/trials/NCT00000001/")
    assert references(response) == ["ALS-3", "ALS-2", "ALS-1"]
    assert "FVC 65% is below 70%" in response.content.decode()


def test_the_trial_log_filters_by_screening_date(clinician, log_rows):
    response = clinician.get(
        "/log/trials/NCT00000001/", {"screened_from": "2025-02-01", "screened_to": "2025-02-28"}
    )
    assert references(response) == ["ALS-2"]


def test_the_trial_log_filters_by_outcome(clinician, log_rows):
    response = clinician.get("/log/trials/NCT00000001/", {"outcome": "ineligible"})
    assert references(response) == ["ALS-1"]


def test_a_date_range_the_wrong_way_round_is_explained(clinician, log_rows):
    response = clinician.get(
        "/log/trials/NCT00000001/", {"screened_from": "2025-03-01", "screened_to": "2025-01-01"}
    )
    assert references(response) == []
    assert "The start date is after the end date." in response.content.decode()


def test_the_log_index_counts_screenings_per_trial(clinician, log_rows):
    response = clinician.get("/log/")
    [trial] = response.context["trials"]
    assert (trial["nct_id"], trial["screened"], trial["ineligible"]) == ("NCT00000001", 3, 1)


def test_the_log_index_finds_a_reference(clinician, log_rows):
    response = clinician.get("/log/", {"reference": "als-2"})
    assert [s.reference for s in response.context["screenings"]] == ["ALS-2"]


@pytest.fixture
def long_log(site):
    """One screening more than a page holds, ALS-1 the oldest."""
    start = dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC)
    for number in range(1, LOG_PAGE_SIZE + 2):
        saved_at = start + dt.timedelta(hours=number)
        screening = SavedScreeningFactory(
            site=site, reference=f"ALS-{number}", screened_on=saved_at.date(), saved_at=saved_at
        )
        ScreeningOutcomeFactory(screening=screening)


def page_links(response) -> list[str]:
    nav = re.search(r'<nav aria-label="Pages".*?</nav>', response.content.decode(), re.S)
    return re.findall(r'href="([^"]*)"', nav[0]) if nav else []


def test_the_trial_log_shows_a_page_of_screenings_at_a_time(clinician, long_log):
    first = clinician.get("/log/trials/NCT00000001/")
    assert references(first)[:2] == [f"ALS-{LOG_PAGE_SIZE + 1}", f"ALS-{LOG_PAGE_SIZE}"]
    assert len(references(first)) == LOG_PAGE_SIZE
    assert page_links(first) == ["?page=2"]
    assert f"screenings 1–{LOG_PAGE_SIZE} of {LOG_PAGE_SIZE + 1}" in first.content.decode()

    second = clinician.get("/log/trials/NCT00000001/", {"page": "2"})
    assert references(second) == ["ALS-1"]
    assert page_links(second) == ["?page=1"]


def test_the_page_links_keep_the_filters_and_the_export_takes_no_page(clinician, long_log):
    response = clinician.get("/log/trials/NCT00000001/", {"screened_to": "2025-12-31", "page": "2"})
    assert references(response) == ["ALS-1"]
    assert page_links(response) == ["?screened_to=2025-12-31&amp;page=1"]
    assert 'log.csv?screened_to=2025-12-31" download' in response.content.decode()


@pytest.mark.parametrize(
    ("page", "first"), [("two", LOG_PAGE_SIZE + 1), ("", LOG_PAGE_SIZE + 1), ("99", 1), ("0", 1)]
)
def test_a_page_number_that_is_not_one_shows_the_first_or_the_last_page(
    clinician, long_log, page, first
):
    response = clinician.get("/log/trials/NCT00000001/", {"page": page})
    assert response.status_code == 200
    assert references(response)[0] == f"ALS-{first}"
