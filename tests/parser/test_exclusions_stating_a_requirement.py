"""An exclusion item that states what the trial requires: turned round whole, or left to a reader.

Read as written, "FVC must be at least 60%" under the exclusion heading would exclude exactly the
patients who qualify."""

import pytest

from screening.engine.criteria_parser import parse_criterion


@pytest.mark.parametrize(
    "text",
    [
        "FVC must be at least 60%",
        "FVC should be above 50%",
        "FVC must not be less than 60%",
        "Exclusion: patients must have FVC ≥ 60%",
        "Inclusion: FVC ≥ 60%",
        "FVC ≥ 60% is required",
        "Tracheostomy, patients must have FVC ≥ 60%",
    ],
)
def test_a_requirement_inside_an_exclusion_is_left_for_review(text: str) -> None:
    parsed = parse_criterion(text, "exclusion")

    assert parsed.rule is None
    assert "may state what the trial requires" in parsed.note


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("All patients must have an FVC of at least 60%", "fvc_percent < 60"),
        ("Subjects must have an FVC ≥ 60%", "fvc_percent < 60"),
        ("Subjects must have an FVC ≥ 60% and ALSFRS-R ≥ 30", "fvc_percent < 60 or alsfrs_r < 30"),
        ("Subjects must have an FVC ≥ 60% or ALSFRS-R ≥ 30", "fvc_percent < 60 and alsfrs_r < 30"),
        ("Patients must not have a tracheostomy or gastrostomy", "tracheostomy or gastrostomy"),
        ("Tracheostomy; patients must have FVC ≥ 60%", "tracheostomy or fvc_percent < 60"),
    ],
)
def test_a_sentence_that_opens_with_a_requirement_is_turned_round_as_a_whole(
    text: str, expected: str
) -> None:
    assert parse_criterion(text, "exclusion").rule == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FVC must be at least 60%", "fvc_percent >= 60"),
        ("All patients must have an FVC of at least 60%", "fvc_percent >= 60"),
    ],
)
def test_an_inclusion_reads_must_as_written(text: str, expected: str) -> None:
    assert parse_criterion(text, "inclusion").rule == expected
