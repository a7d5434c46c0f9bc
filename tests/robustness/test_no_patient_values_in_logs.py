"""What a clinician types about a patient never reaches a log record, nor an error report."""

import json
import logging

import pytest
from django.core import mail

import screening.views

# Values no page, trial or message would otherwise contain.
PATIENT = {
    "as_of": "2025-01-15",
    "fvc_percent": "61.37",
    "weight_kg": "83.19",
    "birth_date": "1961-09-23",
    "symptom_onset": "2023-04-17",
    "gene_variants": "ATXN2",
    "diagnosis_date": "Zyxwv-not-a-date",  # invalid: shown back at its field, logged nowhere
}
API_PATIENT = {
    "as_of": "2025-01-15",
    "fvc_percent": 61.37,
    "weight_kg": 83.19,
    "birth_date": "1961-09-23",
    "gene_variants": ["ATXN2"],
}
SECRETS = ["61.37", "83.19", "1961-09-23", "2023-04-17", "ATXN2", "Zyxwv"]


def logged_text(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in records)


def assert_no_patient_values(text: str) -> None:
    leaked = [value for value in SECRETS if value in text]
    assert leaked == [], text[:2000]


@pytest.fixture
def every_log(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def test_screening_logs_no_patient_values(anonymous_visitor, trials, every_log):
    anonymous_visitor.post("/", PATIENT)
    anonymous_visitor.post("/", PATIENT, headers={"HX-Request": "true"})
    anonymous_visitor.post("/api/screen", json.dumps(API_PATIENT), content_type="application/json")

    assert_no_patient_values(logged_text(every_log.records))


def test_refused_requests_log_no_patient_values(
    anonymous_visitor, csrf_checked_visitor, trials, every_log
):
    bad = {**API_PATIENT, "age": "61.37 years"}
    responses = [
        anonymous_visitor.post("/api/screen", json.dumps(bad), content_type="application/json"),
        anonymous_visitor.post("/api/screen", "61.37 ATXN2", content_type="application/json"),
        csrf_checked_visitor.post("/", PATIENT),
        csrf_checked_visitor.post("/api/screen", API_PATIENT, content_type="application/json"),
    ]

    assert [r.status_code for r in responses] == [400, 400, 403, 403]
    assert every_log.records  # the refusals are logged, by path only
    assert_no_patient_values(logged_text(every_log.records))


def fail_inside_the_view(monkeypatch) -> None:
    def screen(trials, patient):
        raise RuntimeError("the engine failed")

    monkeypatch.setattr(screening.views, "screen", screen)


def test_a_server_error_while_screening_logs_no_patient_values(
    careless_visitor, trials, every_log, monkeypatch
):
    fail_inside_the_view(monkeypatch)

    page = careless_visitor.post("/", PATIENT)
    api = careless_visitor.post(
        "/api/screen", json.dumps(API_PATIENT), content_type="application/json"
    )

    assert (page.status_code, api.status_code) == (500, 500)
    errors = [r for r in every_log.records if r.levelno >= logging.ERROR]
    assert errors, "the error itself must still be logged"
    assert_no_patient_values(logged_text(every_log.records))
    for value in SECRETS:
        assert value not in page.content.decode()


@pytest.mark.filterwarnings("ignore:Django 2028 will not have a default mailer")
def test_an_error_report_mailed_to_admins_holds_no_patient_values(
    careless_visitor, trials, settings, monkeypatch
):
    settings.ADMINS = ["ops@example.org"]
    fail_inside_the_view(monkeypatch)

    careless_visitor.post("/", PATIENT)

    assert len(mail.outbox) == 1
    report = mail.outbox[0].body + "".join(
        str(content) for content, _ in mail.outbox[0].alternatives
    )
    assert_no_patient_values(report)
