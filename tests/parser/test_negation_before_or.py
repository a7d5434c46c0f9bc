"""A "no" or "not" at the head of an item joined by "or": "neither" only for bare yes/no facts."""

import pytest

from screening.engine.criteria_parser import parse_criterion


@pytest.mark.parametrize(
    "text",
    [
        "Not on NIV or on NIV less than 8 hours/day",
        "No tracheostomy or FVC ≥ 50%",
        "Not pregnant or FVC ≥ 60%",
    ],
)
@pytest.mark.parametrize("kind", ["inclusion", "exclusion"])
def test_a_negation_before_or_and_a_value_is_left_for_review(text: str, kind: str) -> None:
    # "Not on NIV, or on NIV < 8 h/day" is one or the other; "neither" would fail a patient
    # on NIV for 4 hours a day.
    parsed = parse_criterion(text, kind)

    assert parsed.rule is None
    assert "reaches past 'or'" in parsed.note


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("No tracheostomy or gastrostomy", "not tracheostomy and not gastrostomy"),
        ("Without tracheostomy or invasive ventilation", "not tracheostomy"),
        ("No SOD1 or FUS mutation", '"SOD1" not in gene_variants and "FUS" not in gene_variants'),
    ],
)
def test_a_negation_before_or_and_bare_facts_still_means_neither(text: str, expected: str) -> None:
    assert parse_criterion(text, "inclusion").rule == expected
