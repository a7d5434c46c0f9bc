"""parse_criterion and mentioned_measures answer every input, and only with valid rules."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.engine.criteria_parser import (
    MAX_TEXT_LENGTH,
    ParsedCriterion,
    mentioned_measures,
    parse_criterion,
)
from screening.engine.language import compile_rule

FRAGMENTS = [
    "FVC",
    "SVC",
    "vital capacity",
    "ALSFRS-R",
    "ALS-FRS",
    "item",
    "each of the 12 items",
    "El Escorial",
    "definite",
    "probable",
    "laboratory-supported",
    "possible",
    "riluzole",
    "edaravone",
    "stable dose",
    "naive",
    "gastrostomy",
    "feeding tube",
    "tracheostomy",
    "non-invasive ventilation",
    "NIV",
    "hours per day",
    "pregnant",
    "breastfeeding",
    "age",
    "years",
    "months",
    "weeks",
    "days",
    "onset",
    "diagnosis",
    "disease duration",
    "Norris bulbar",
    "in case of bulbar onset",
    "sporadic",
    "familial",
    "SOD1",
    "BMI",
    "weight",
    "kg",
    "%",
    "≥",
    "≤",
    "<",
    ">",
    "=",
    "\\>",
    "at least",
    "less than",
    "more than",
    "no more than",
    "within",
    "or",
    "and",
    "and/or",
    "not",
    "no",
    "without",
    "unless",
    "if",
    "must",
    ",",
    ";",
    ".",
    "(",
    ")",
    "[",
    "]",
    "/",
    "-",
    "+",
    "0",
    "2",
    "18",
    "30",
    "60",
    "0.3",
    "1.5",
    "999",
    "-5",
]
KINDS = st.sampled_from(["inclusion", "exclusion", "unclassified", "", "INCLUSION", "other"])
criterion_like = st.lists(st.sampled_from(FRAGMENTS), max_size=30).map(" ".join)


def check(parsed: ParsedCriterion) -> None:
    assert isinstance(parsed, ParsedCriterion)
    assert isinstance(parsed.note, str)
    if parsed.rule is not None:
        assert compile_rule(parsed.rule).source == parsed.rule


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=400), kind=KINDS)
def test_any_text_gets_an_answer(text: str, kind: str) -> None:
    check(parse_criterion(text, kind))
    assert isinstance(mentioned_measures(text), frozenset)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=criterion_like, kind=KINDS)
def test_criterion_like_text_gets_an_answer_or_a_valid_rule(text: str, kind: str) -> None:
    parsed = parse_criterion(text, kind)

    check(parsed)
    if kind not in ("inclusion", "exclusion"):
        assert parsed.rule is None


def test_odd_inputs_need_review() -> None:
    for text, kind in [
        (None, "inclusion"),
        (42, "exclusion"),
        ("", "inclusion"),
        ("   ", "exclusion"),
        ("FVC ≥ 70% " * (MAX_TEXT_LENGTH // 5), "inclusion"),
        ("((((((((((((((((((((FVC ≥ 70%", "inclusion"),
        ("FVC ≥ 70%", None),
    ]:
        parsed = parse_criterion(text, kind)  # type: ignore[arg-type]
        assert parsed.rule is None
        assert parsed.note
