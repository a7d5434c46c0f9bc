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


def records(response) -> list[dict[str, str]]:
    header, *body = rows(response)
    return [dict(zip(header, row, strict=True)) for row in body]


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
    assert header == [
        "Reference",
        "Site",
        "Times screened",
        "First screening date",
        "Latest screening date",
        "Saved at",
        "Saved by",
        "NCT ID",
        "Trial",
        "Outcome",
        "Criteria not met",
        "Reasons",
        "Criteria hash",
    ]
    by_reference = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    assert set(by_reference) == {"ALS-0042", "ALS-0043"}
    ineligible = by_reference["ALS-0042"]
    assert ineligible["Site"] == "Leeds ALS clinic"
    assert ineligible["Times screened"] == "1"
    assert ineligible["First screening date"] == "2025-01-15"
    assert ineligible["Latest screening date"] == "2025-01-15"
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
    [row] = records(clinician.get("/log/trials/NCT00000001/log.csv"))
    assert row["Trial"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert row["Criteria not met"] == "'+1 dose"
    assert row["Reasons"] == "'@SUM(A1:A9)"


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
    [row] = records(clinician.get("/log/trials/NCT00000001/log.csv"))
    assert row["Trial"] == "Étude française sur la SLA"
    assert row["Saved at"] == "2025-02-01 09:30"


def screened(site, reference, day, verdict, reasons=()):
    screening = SavedScreeningFactory(
        site=site,
        reference=reference,
        screened_on=dt.date(2025, 3, day),
        saved_at=dt.datetime(2025, 3, day, 12, tzinfo=dt.UTC),
    )
    ScreeningOutcomeFactory(screening=screening, verdict=verdict, reasons=list(reasons))


FVC = {"key": 1, "text": "FVC at least 70%", "explanation": "FVC 65% is below 70%"}


def test_a_patient_screened_three_times_is_one_row_with_the_latest_screening(clinician, site):
    screened(site, "ALS-7", 3, Verdict.INELIGIBLE, [FVC])
    screened(site, "ALS-7", 10, Verdict.INELIGIBLE, [FVC])
    screened(site, "ALS-7", 20, Verdict.ELIGIBLE)
    screened(site, "ALS-8", 5, Verdict.INELIGIBLE, [FVC])

    by_reference = {
        r["Reference"]: r for r in records(clinician.get("/log/trials/NCT00000001/log.csv"))
    }

    assert list(by_reference) == ["ALS-7", "ALS-8"]  # by latest screening, newest first
    again = by_reference["ALS-7"]
    assert (again["Times screened"], again["First screening date"]) == ("3", "2025-03-03")
    assert (again["Latest screening date"], again["Outcome"]) == ("2025-03-20", "Eligible")
    assert again["Criteria not met"] == ""
    assert by_reference["ALS-8"]["Times screened"] == "1"


def test_a_patient_counts_the_screenings_in_the_date_range_only(clinician, site):
    for day in (3, 10, 20):
        screened(site, "ALS-7", day, Verdict.INELIGIBLE, [FVC])
    response = clinician.get("/log/trials/NCT00000001/log.csv", {"screened_to": "2025-03-15"})
    [row] = records(response)
    assert (row["Times screened"], row["First screening date"]) == ("2", "2025-03-03")
    assert row["Latest screening date"] == "2025-03-10"


def test_two_sites_using_the_same_code_are_two_patients(curator, site, other_site):
    screened(site, "ALS-1", 3, Verdict.INELIGIBLE, [FVC])
    screened(other_site, "ALS-1", 4, Verdict.ELIGIBLE)
    rows_by_site = {r["Site"]: r for r in records(curator.get("/log/trials/NCT00000001/log.csv"))}
    assert set(rows_by_site) == {"Leeds ALS clinic", "Sheffield motor neurone clinic"}
    assert rows_by_site["Leeds ALS clinic"]["Outcome"] == "Ineligible"
    assert rows_by_site["Sheffield motor neurone clinic"]["Times screened"] == "1"


@pytest.mark.parametrize("filters", [{}, {"screened_to": "2025-03-15"}, {"outcome": "ineligible"}])
def test_the_export_and_the_summary_count_the_same_patients(clinician, site, filters):
    screened(site, "ALS-1", 3, Verdict.INELIGIBLE, [FVC])
    screened(site, "ALS-1", 20, Verdict.ELIGIBLE)
    screened(site, "als-1", 21, Verdict.ELIGIBLE)  # the same code, typed in lower case
    screened(site, "ALS-2", 10, Verdict.INELIGIBLE, [FVC])
    screened(site, "ALS-2", 11, Verdict.INELIGIBLE, [FVC])
    screened(site, "ALS-3", 12, Verdict.POSSIBLY_ELIGIBLE)

    exported = records(clinician.get("/log/trials/NCT00000001/log.csv", filters))
    summary = clinician.get("/log/trials/NCT00000001/summary/", filters).context["summary"]

    assert len(exported) == summary.patients
    assert sum(r["Outcome"] == "Ineligible" for r in exported) == summary.ineligible
    assert [(b.text, b.patients) for b in summary.bars] == [
        ("FVC at least 70%", sum(r["Criteria not met"] == "FVC at least 70%" for r in exported))
    ]


def test_the_outcome_filter_asks_where_each_patient_stands_now(clinician, site):
    screened(site, "ALS-1", 3, Verdict.INELIGIBLE, [FVC])
    screened(site, "ALS-1", 20, Verdict.ELIGIBLE)  # found eligible since
    screened(site, "ALS-2", 10, Verdict.INELIGIBLE, [FVC])
    ineligible = {"outcome": "ineligible"}

    exported = records(clinician.get("/log/trials/NCT00000001/log.csv", ineligible))
    summary = clinician.get("/log/trials/NCT00000001/summary/", ineligible).context["summary"]

    assert [(r["Reference"], r["Times screened"]) for r in exported] == [("ALS-2", "1")]
    assert (summary.patients, summary.ineligible) == (1, 1)
