import csv
import datetime as dt
import io

import pytest

from screening.log import csv_cell
from screening.models import Verdict
from tests.log.conftest import PATIENT
from tests.log.factories import SavedScreeningFactory, ScreeningOutcomeFactory

pytestmark = pytest.mark.django_db


def rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_export_is_utf8_with_a_byte_order_mark(clinician, trials):
    clinician.post("/log/save/", {**PATIENT, "reference": "ALS-0042"})
    response = clinician.get("/log/trials/NCT00000001/log.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="NCT00000001-screening-log-'
    )
    assert response.content.startswith("\ufeff".encode())


def test_the_export_has_one_row_per_patient_and_trial_with_the_reasons(clinician, trials):
    clinician.post("/log/save/", {**PATIENT, "reference": "ALS-0042"})
    clinician.post("/log/save/", {**PATIENT, "reference": "ALS-0043", "fvc_percent": "80"})
    header, *body = rows(clinician.get("/log/trials/NCT00000001/log.csv"))
    assert header[:9] == [
        "Reference",
        "Site",
        "Screening date",
        "Saved at",
        "Saved by",
        "NCT ID",
        "Trial",
        "Outcome",
        "Criteria not met",
    ]
    by_reference = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    assert set(by_reference) == {"ALS-0042", "ALS-0043"}
    ineligible = by_reference["ALS-0042"]
    assert ineligible["Site"] == "Leeds ALS clinic"
    assert ineligible["Screening date"] == "2025-01-15"
    assert ineligible["Saved by"] == "dr_leeds"
    assert ineligible["Outcome"] == "Ineligible"
    assert ineligible["Criteria not met"] == "FVC at least 70%"
    assert ineligible["Reasons"] == "FVC 65% of predicted is below the required 70%"
    assert by_reference["ALS-0043"]["Outcome"] == "Eligible"
    assert by_reference["ALS-0043"]["Reasons"] == ""


def test_the_export_follows_the_filters(clinician, trials):
    clinician.post("/log/save/", {**PATIENT, "reference": "ALS-0042"})
    clinician.post("/log/save/", {**PATIENT, "reference": "ALS-0043", "fvc_percent": "80"})
    response = clinician.get("/log/trials/NCT00000001/log.csv", {"outcome": "eligible"})
    assert [row[0] for row in rows(response)[1:]] == ["ALS-0043"]


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted(clinician, site):
    screening = SavedScreeningFactory(site=site, reference="ALS-1")
    ScreeningOutcomeFactory(
        screening=screening,
        title='=HYPERLINK("http://evil.example","Click")',
        verdict=Verdict.INELIGIBLE,
        reasons=[{"key": 1, "text": "+1 dose", "explanation": "@SUM(A1:A9)"}],
    )
    _, row = rows(clinician.get("/log/trials/NCT00000001/log.csv"))
    assert row[6] == '\'=HYPERLINK("http://evil.example","Click")'
    assert row[8] == "'+1 dose"
    assert row[9] == "'@SUM(A1:A9)"


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("ALS-1", "ALS-1")],
)
def test_a_cell_is_quoted_only_when_it_starts_like_a_formula(value, cell):
    assert csv_cell(value) == cell


def test_accented_text_survives_the_round_trip(clinician, site):
    screening = SavedScreeningFactory(
        site=site,
        reference="ALS-2",
        saved_at=dt.datetime(2025, 2, 1, 9, 30, tzinfo=dt.UTC),
    )
    ScreeningOutcomeFactory(screening=screening, title="Étude française sur la SLA")
    _, row = rows(clinician.get("/log/trials/NCT00000001/log.csv"))
    assert row[6] == "Étude française sur la SLA"
    assert row[3] == "2025-02-01 09:30"
