"""Age bounds against an age counted in completed years: a patient "of 18" may be 18 and some
months, which is over 18. The boundary is never decided against the patient."""

from datetime import date

import pytest

from screening.engine import Truth, compile_rule, read_patient
from screening.engine.criteria_parser import ParsedCriterion, parse_criterion

AS_OF = date(2026, 1, 15)


def truth(rule: str, birth_date: str, *, exclusion: bool = False) -> Truth:
    patient = read_patient({"birth_date": birth_date}, as_of=AS_OF)
    return compile_rule(rule).evaluate(patient, wanted=not exclusion).truth


@pytest.mark.parametrize(
    "text",
    [
        "Over 18 years old",
        "age over 18",
        "Age more than 18",
        "aged > 18",
        "Age> 18 years",
        "older than 18 years",
    ],
)
def test_a_strict_lower_age_bound_admits_a_patient_of_18_and_says_why(text: str) -> None:
    parsed = parse_criterion(text, "inclusion")

    assert parsed.rule == "age >= 18"
    assert "completed years" in parsed.note
    assert "minimum age is screened separately" in parsed.note
    assert truth(parsed.rule, "2007-07-15") is Truth.MET  # 18 and a half


@pytest.mark.parametrize(
    "text", ["Age 18 years or older", "Age ≥ 18 years", "At least 18 years of age"]
)
def test_an_inclusive_lower_age_bound_is_exact_and_needs_no_note(text: str) -> None:
    assert parse_criterion(text, "inclusion") == ParsedCriterion("age >= 18", "")


@pytest.mark.parametrize(
    "text", ["Under 80 years of age", "< 80 years old", "younger than 80", "Age < 80 years"]
)
def test_a_strict_upper_age_bound_is_exact(text: str) -> None:
    parsed = parse_criterion(text, "inclusion")

    assert (parsed.rule, parsed.note) == ("age < 80", "")
    assert truth(parsed.rule, "1946-07-15") is Truth.MET  # 79 and a half
    assert truth(parsed.rule, "1945-07-15") is Truth.NOT_MET  # 80 and a half: not under 80


def test_an_age_range_read_from_both_sides_keeps_an_inclusive_lower_bound() -> None:
    assert parse_criterion("18 ≤ age < 75", "inclusion").rule == "age >= 18 and age < 75"


@pytest.mark.parametrize(
    ("text", "expected", "boundary"),
    [
        ("Under 20 years or over 80 years of age", "age < 20 or age > 80", "1945-07-15"),
        ("Patients older than 80 years", "age > 80", "1945-07-15"),
        ("Patients must be aged 18-80 years", "age < 18 or age > 80", "1945-07-15"),
        ("Aged 17 or younger", "age < 17", "2008-07-15"),
        ("Aged 30 to 40 years", "age >= 30 and age < 40", "1985-07-15"),
    ],
)
def test_an_exclusion_never_excludes_on_the_age_boundary_and_says_so(
    text: str, expected: str, boundary: str
) -> None:
    # At 80 and a half the patient is "over 80" by the words but "80" in completed years.
    parsed = parse_criterion(text, "exclusion")

    assert parsed.rule == expected
    assert "benefit of that doubt" in parsed.note
    assert truth(parsed.rule, boundary, exclusion=True) is not Truth.MET


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Age 18-80 years", "age between 18 and 80"),
        ("Aged 80 or younger", "age <= 80"),
        ("Not over 80 years old", "age <= 80"),
    ],
)
def test_an_inclusive_upper_age_bound_in_an_inclusion_is_kept(text: str, expected: str) -> None:
    assert parse_criterion(text, "inclusion").rule == expected


@pytest.mark.parametrize(
    "text", ["More than 18 years of age", "Aged > 18 years", "18 < age < 80", "18 ≤ age < 80"]
)
def test_no_inclusion_wording_fails_a_patient_on_the_lower_age_boundary(text: str) -> None:
    rule = parse_criterion(text, "inclusion").rule

    assert rule is not None
    assert truth(rule, "2007-07-15") is Truth.MET
