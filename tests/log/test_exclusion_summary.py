import datetime as dt

import pytest

from screening.models import Verdict
from tests.log.factories import SavedScreeningFactory, ScreeningOutcomeFactory

pytestmark = pytest.mark.django_db

FVC = {"key": 1, "text": "FVC at least 70%", "explanation": "FVC below 70%"}
ONSET = {"key": 2, "text": "Onset within 24 months", "explanation": "Onset too long ago"}


@pytest.fixture
def screened(site):
    def outcome(reference, day, reasons):
        screening = SavedScreeningFactory(
            site=site,
            reference=reference,
            saved_at=dt.datetime(2025, 1, day, tzinfo=dt.UTC),
            screened_on=dt.date(2025, 1, day),
        )
        verdict = Verdict.INELIGIBLE if reasons else Verdict.ELIGIBLE
        ScreeningOutcomeFactory(screening=screening, verdict=verdict, reasons=reasons)

    outcome("ALS-1", 1, [FVC, ONSET])
    outcome("ALS-2", 2, [FVC])
    outcome("ALS-3", 3, [FVC])
    outcome("ALS-4", 4, [])
    # ALS-3 again, later: FVC now met. Each patient counts once, by the latest screening.
    outcome("ALS-3", 5, [])


def test_the_summary_ranks_criteria_by_patients_excluded(clinician, screened):
    summary = clinician.get("/log/trials/NCT00000001/summary/").context["summary"]
    assert (summary.patients, summary.ineligible) == (4, 2)
    assert [(bar.text, bar.patients, bar.percent) for bar in summary.bars] == [
        ("FVC at least 70%", 2, 50),
        ("Onset within 24 months", 1, 25),
    ]


def test_the_summary_draws_bars_without_inline_styles(clinician, screened):
    html = clinician.get("/log/trials/NCT00000001/summary/").content.decode()
    assert '<rect class="bar-fill" x="0" y="0" width="50" height="10"/>' in html
    assert '<rect class="bar-fill" x="0" y="0" width="25" height="10"/>' in html
    assert "style=" not in html


def test_the_summary_follows_the_date_range(clinician, screened):
    response = clinician.get("/log/trials/NCT00000001/summary/", {"screened_to": "2025-01-01"})
    summary = response.context["summary"]
    assert summary.patients == 1
    assert [bar.percent for bar in summary.bars] == [100, 100]
