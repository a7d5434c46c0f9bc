import io

import pytest
from django.core.management import CommandError, call_command

from tests.factories import CriterionFactory, TrialFactory

pytestmark = pytest.mark.django_db


def test_the_report_counts_structured_criteria_and_lists_gaps():
    trial = TrialFactory(nct_id="NCT00000001")
    CriterionFactory(trial=trial, position=1, text="FVC ≥ 70%", rule="fvc_percent >= 70")
    CriterionFactory(
        trial=trial,
        position=2,
        text="FVC measured supine, if the investigator agrees",
        rule="",
        rule_note="a clinician's judgement",
        review_status="needs_review",
    )
    CriterionFactory(
        trial=trial, position=3, text="Signed consent", rule="", review_status="needs_review"
    )
    out = io.StringIO()
    call_command("parse_report", "--gaps", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[1].split() == ["NCT00000001", "3", "1", "2", "2", "1"]
    assert lines[2].split() == ["total", "3", "1", "2", "2", "1"]
    assert "structured: 1/2 (50.0%)" in out.getvalue()
    assert "under an inclusion or exclusion heading: 1/2 (50.0%)" in out.getvalue()
    assert (
        "NCT00000001 [fvc_percent] FVC measured supine, if the investigator agrees"
        in out.getvalue()
    )


def test_criteria_under_no_heading_are_counted_apart():
    trial = TrialFactory(nct_id="NCT00000001")
    CriterionFactory(trial=trial, position=1, text="FVC ≥ 70%", rule="fvc_percent >= 70")
    CriterionFactory(trial=trial, position=2, kind="unclassified", text="FVC ≥ 50%", rule="")
    out = io.StringIO()
    call_command("parse_report", stdout=out)
    assert "structured: 1/2 (50.0%)" in out.getvalue()
    assert "under an inclusion or exclusion heading: 1/1 (100.0%)" in out.getvalue()


def test_the_report_refuses_unknown_trials():
    with pytest.raises(CommandError, match="None of those trials"):
        call_command("parse_report", "--trial", "NCT99999999", stdout=io.StringIO())
