"""The parser against real registry items, each decided by reading it."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from screening.engine.criteria_parser import parse_criterion
from screening.engine.language import compile_rule
from tests.parser.cases import CASES, Case

REGISTRY = Path(__file__).resolve().parents[2] / "fixtures" / "registry"


def canonical(rule: str | None) -> str | None:
    return None if rule is None else compile_rule(rule).source


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{case.nct_id}-{number}" for number, case in enumerate(CASES)]
)
def test_each_real_item_gets_the_rule_a_reader_writes(case: Case) -> None:
    parsed = parse_criterion(case.text, case.kind)

    assert canonical(parsed.rule) == canonical(case.rule), parsed.note


def test_the_table_is_large_and_hard_enough() -> None:
    tricky = [case for case in CASES if case.tricky]
    assert len(CASES) >= 200
    assert len(tricky) >= 40
    assert {case.kind for case in CASES} == {"inclusion", "exclusion"}
    assert len({case.nct_id for case in CASES}) >= 50
    assert sum(case.rule is None for case in CASES) >= 40  # needs-review answers are tested too


def test_the_table_holds_each_item_once() -> None:
    counts = Counter((case.nct_id, case.kind, case.text) for case in CASES)
    assert [key for key, count in counts.items() if count > 1] == []


def test_every_expected_rule_compiles() -> None:
    for case in CASES:
        if case.rule is not None:
            assert compile_rule(case.rule).source


def _normalised(text: str) -> str:
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)
    return " ".join(text.split())


def test_every_text_is_copied_from_its_record() -> None:
    criteria: dict[str, str] = {}
    for case in CASES:
        if case.nct_id not in criteria:
            record = json.loads((REGISTRY / f"{case.nct_id}.json").read_text(encoding="utf-8"))
            text = record["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
            criteria[case.nct_id] = _normalised(text)
        assert _normalised(case.text) in criteria[case.nct_id], case.text


@pytest.mark.parametrize(
    ("nct_id", "start"),
    [
        ("NCT00812851", "Patients must be at least 18 years of age"),
        ("NCT02525471", "Age 18-80, able to provide informed consent"),
        ("NCT03127267", "Patient with an ALSFRS-R score progression"),
        ("NCT07082192", "Less than or equal to 24 months since ALS symptom onset"),
        ("NCT03707795", "Relative of a fALS person"),
        ("NCT04468191", "no tracheostomy/ mechanical ventilation"),
        ("NCT03280056", "Use of non-invasive ventilation (BIPAP), diaphragm pacing"),
        ("NCT00330681", "Pregnant, lactating, and probably pregnant"),
    ],
)
def test_an_item_structured_in_part_says_what_it_left_out(nct_id: str, start: str) -> None:
    [case] = [c for c in CASES if c.nct_id == nct_id and c.text.startswith(start)]

    parsed = parse_criterion(case.text, case.kind)

    assert parsed.rule is not None
    assert parsed.note  # the Django side keeps such a criterion in "needs review"


def test_an_item_with_no_rule_always_says_why() -> None:
    for case in CASES:
        parsed = parse_criterion(case.text, case.kind)
        if parsed.rule is None:
            assert parsed.note, case.text
