"""compile_rule answers any text with a rule or a RuleError that says where and what: never a
RecursionError, another exception, or a hang."""

import time

import pytest

from screening.engine import RuleError, compile_rule
from screening.engine.language import MAX_DEPTH, MAX_LENGTH

SYNTAX_ERRORS = {
    "empty": ("", "the rule is empty"),
    "blank": (" \n\t ", "the rule is empty"),
    "dangling and": ("fvc_percent >= 70 and", "ends too early"),
    "no operand": (">= 70", "unexpected '>='"),
    "unclosed bracket": ("(fvc_percent >= 70", "ends too early"),
    "extra bracket": ("fvc_percent >= 70)", "unexpected ')'"),
    "unclosed set": ("el_escorial in {definite, probable", "ends too early"),
    "unclosed quote": ('"SOD1 in gene_variants', "an unclosed quote"),
    "stray character": ("fvc_percent >= 70 @ 1", "unexpected character '@'"),
    "nul": ("fvc_percent >= 70\x00", "unexpected character '\\x00'"),
    "emoji": ("fvc_percent >= 🧬", "unexpected character '🧬'"),
    "html": ("<script>alert(1)</script>", "unexpected"),
    "if without then": ("if pregnant contraception", "expected"),
    "between backwards": ("age between 65 and 18", "write the lower bound first"),
    "double operator": ("age >= >= 18", "unexpected '>='"),
}
MEANING_ERRORS = {
    "unknown name": ("fvc >= 70", "unknown measure 'fvc'"),
    "misspelt name": ("fvc_percnt >= 70", "did you mean fvc_percent"),
    "out of range": ("fvc_percent >= 1000", "outside the possible range"),
    "not a whole number": ("age >= 18.5", "whole number"),
    "number for a category": ("el_escorial == 3", "El Escorial"),
    "unknown category": ("el_escorial == maybe", "'maybe'; choose from definite"),
    "category listed twice": ("el_escorial in {definite, definite}", "listed twice"),
    "flag compared": ("pregnant >= 1", "yes or no"),
    "set misused": ("gene_variants == SOD1", "a set of names"),
    "not a gene": ('"not a gene!" in gene_variants', "not a gene name"),
    "date compared": ("symptom_onset >= 2020", "a date"),
    "scores compared": ("alsfrs_r_items >= 3", "12 item scores"),
    "huge number": ("fvc_percent >= " + "9" * 500, "outside the possible range"),
}


@pytest.mark.parametrize(
    ("text", "says"),
    [*SYNTAX_ERRORS.values(), *MEANING_ERRORS.values()],
    ids=[*SYNTAX_ERRORS, *MEANING_ERRORS],
)
def test_a_bad_rule_is_a_rule_error_that_says_what_and_where(text, says):
    with pytest.raises(RuleError) as caught:
        compile_rule(text)
    assert says in caught.value.message
    assert caught.value.line >= 1
    assert caught.value.column >= 1
    assert str(caught.value).startswith(f"line {caught.value.line}, column ")


@pytest.mark.parametrize(
    ("opener", "closer"),
    [("(", ")"), ("not ", ""), ("not (", ")"), ("{", "}"), ("((", "))")],
    ids=["brackets", "nots", "not-brackets", "braces", "pairs"],
)
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 10_000])
def test_deep_nesting_is_a_clean_rule_error_never_a_recursion_error(opener, closer, depth):
    text = opener * depth + "pregnant" + closer * depth
    started = time.perf_counter()
    with pytest.raises(RuleError) as caught:
        compile_rule(text)
    assert time.perf_counter() - started < 1
    message = caught.value.message
    assert "nested too deeply" in message or "too long" in message or "unexpected" in message


def test_nesting_up_to_the_limit_compiles():
    rule = compile_rule("(" * (MAX_DEPTH - 1) + "pregnant" + ")" * (MAX_DEPTH - 1))
    assert rule.source == "pregnant"


def test_a_long_chain_within_the_length_limit_compiles_in_good_time():
    text = " and ".join(["fvc_percent >= 70"] * 90)
    assert len(text) <= MAX_LENGTH
    started = time.perf_counter()
    rule = compile_rule(text)
    assert time.perf_counter() - started < 1
    assert compile_rule(rule.source).source == rule.source


@pytest.mark.parametrize("size", [MAX_LENGTH + 1, 100_000, 10_000_000])
def test_an_over_long_rule_is_refused_before_it_is_parsed(size):
    text = ("pregnant or " * (size // 12 + 1))[:size]
    started = time.perf_counter()
    with pytest.raises(RuleError, match="too long"):
        compile_rule(text)
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize("value", [None, 42, b"pregnant", ["pregnant"], {"rule": "pregnant"}])
def test_a_rule_that_is_not_text_is_a_rule_error(value):
    with pytest.raises(RuleError, match="a rule must be text"):
        compile_rule(value)  # type: ignore[arg-type]
