"""The fuzz properties: what the splitter, the parser, the rule language, the evaluator and the
form reader promise for any input, and the hypothesis strategies that attack them.

Shared by the default test run (`tests/fuzz/test_fuzz.py`, a few hundred examples each) and by
`manage.py fuzz` (20,000 examples each). Each property takes one drawn value and raises
AssertionError, or an undocumented exception, when the promise is broken.

The documented errors, the only ones allowed through:
  split_criteria(text)              none
  parse_criterion(text, kind)       none (an unreadable item comes back for review)
  mentioned_measures(text)          none
  compile_rule(text)                RuleError
  read_patient(data)                PatientError
  read_patient_lenient(data)        none (invalid fields are dropped and reported)
  registry_criteria(...)            ValueError, for a sex that is not ALL, FEMALE or MALE
  screen_trial / screen             none, for compiled rules and a read patient
  read_form(post data)              none
  read_study(document)              RecordError
  studies_in_zip(path)              none (a damaged zip or member is a Study with an error)
"""

import atexit
import io
import json
import shutil
import string
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from screening.engine import (
    MEASURES,
    CriterionSpec,
    Kind,
    MeasureType,
    Outcome,
    PatientError,
    RuleError,
    TrialSpec,
    Verdict,
    compile_rule,
    read_patient,
    read_patient_lenient,
    registry_criteria,
    result_to_json,
    screen,
    screen_trial,
)
from screening.engine.criteria_parser import ParsedCriterion, mentioned_measures, parse_criterion
from trials.splitter import ItemKind, SplitItem, split_criteria

REGISTRY = Path(__file__).resolve().parents[2] / "fixtures" / "registry"


def _registry_texts() -> list[str]:
    texts = []
    for path in sorted(REGISTRY.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        eligibility = record["protocolSection"].get("eligibilityModule", {})
        texts.append(eligibility.get("eligibilityCriteria") or "")
    return [text for text in texts if text]


REAL_TEXTS = _registry_texts()
REAL_ITEMS = sorted({item.text for text in REAL_TEXTS for item in split_criteria(text)})

# --- Text ---------------------------------------------------------------------------------------

# Characters that have broken text handling elsewhere: NUL and other controls, a lone surrogate,
# zero-width and bidi marks, an emoji with a joiner, full-width and compatibility digits,
# the private-use code points the splitter borrows for escapes, line and paragraph separators.
NASTY = [
    "\x00", "\x07", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\ud800", "\udfff", "\ufeff",
    "\u200b", "\u200d", "\u202e", "\u2066", "\ue02a", "\ue05c", "\uf8ff", "\U0010ffff",
    "👩‍⚕️", "🧬", "Ⅻ", "①", "⑳", "١٢", "１２", "²", "½", "\r", "\r\n", "\t", "\v", "\f",
    "<script>alert(1)</script>", "&amp;", "{{ x }}", "%s", "\\", "\\\\", "\\*", "\\>",
]  # fmt: skip

CRITERIA_TOKENS = [
    "Inclusion Criteria:", "Exclusion Criteria:", "Key Inclusion Criteria", "INCLUSION CRITERIA",
    "Inclusion:", "Exclusion criteria", "Inclusion and Exclusion Criteria:", "Non-inclusion",
    "Cohort 2 exclusion criteria:", "Patients must meet all inclusion criteria", "*", "-", "+",
    "•", "·", "▪", "►", "1.", "2.", "3.", "10.", "99.", "1)", "(1)", "(2)", "(a)", "a.", "b.",
    "i.", "ii.", "iv.", "xviii.", "A.", "C.", "①", "②", "⑳", "❶", "FVC", "≥", "≤", "<", ">", "=",
    "70%", "18", "years", "months", "ALSFRS-R", "El Escorial", "riluzole", "edaravone", "pregnant",
    "of", "the", "following:", "and", "or", "not", "unless", "(", ")", "[", "]", ":", ";", ",",
    ".", "\n", "\n\n", "\n  ", "\n    ", "\n\t", " ", "  ",
]  # fmt: skip


def _spliced(texts: list[str], inserts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A real text with a random piece cut out and something else put in its place."""

    def splice(text: str, start: int, length: int, insert: str) -> str:
        start = start % (len(text) + 1)
        return text[:start] + insert + text[start + length :]

    return st.builds(
        splice, st.sampled_from(texts), st.integers(0, 10**6), st.integers(0, 400), inserts
    )


junk_text = st.text(max_size=400)
nasty_text = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=5)), max_size=40).map(
    "".join
)
criteria_soup = st.lists(st.sampled_from(CRITERIA_TOKENS + NASTY), max_size=120).map(" ".join)

criteria_texts = st.one_of(
    junk_text,
    nasty_text,
    criteria_soup,
    _spliced(REAL_TEXTS, st.one_of(criteria_soup, nasty_text)),
)

# --- The splitter -------------------------------------------------------------------------------


def splitter_keeps_its_shape(text: str) -> None:
    items = split_criteria(text)
    assert isinstance(items, list)
    for index, item in enumerate(items):
        assert isinstance(item, SplitItem)
        assert item.kind in ItemKind
        assert item.text, (index, item)
        assert item.text == item.text.strip(), (index, item)
        assert isinstance(item.section, str)
        if item.parent is None:
            assert item.depth == 0, (index, item)
        else:
            assert 0 <= item.parent < index, (index, item)
            assert item.depth == items[item.parent].depth + 1, (index, item)
            assert items[item.parent].kind == item.kind, (index, item)
    # Splitting is a function of the text alone.
    assert split_criteria(text) == items


# --- The parser ---------------------------------------------------------------------------------

# An item the parser could not read because something inside it raised: the parser answers
# "needs review", but the exception it swallowed is a bug worth knowing about.
HIDDEN_PARSER_ERROR = "Could not be read automatically."

KINDS = ["inclusion", "exclusion", "unclassified", "", "INCLUSION", "other"]

criterion_texts = st.one_of(
    junk_text,
    nasty_text,
    criteria_soup,
    st.sampled_from(REAL_ITEMS),
    _spliced(REAL_ITEMS, st.one_of(criteria_soup, nasty_text, st.text(max_size=20))),
)
parser_inputs = st.tuples(criterion_texts, st.sampled_from(KINDS))


def parser_answers_with_a_valid_rule_or_a_note(drawn: tuple[str, str]) -> str | None:
    text, kind = drawn
    parsed = parse_criterion(text, kind)
    assert isinstance(parsed, ParsedCriterion)
    assert isinstance(parsed.note, str)
    if kind not in ("inclusion", "exclusion"):
        assert parsed.rule is None
    if parsed.rule is None:
        assert parsed.note, "an item left for review says why"
    else:
        assert compile_rule(parsed.rule).source == parsed.rule
    mentioned = mentioned_measures(text)
    assert isinstance(mentioned, frozenset)
    assert mentioned <= set(MEASURES)
    # Kept to the contract, but the exception the parser swallowed is worth counting.
    return HIDDEN_PARSER_ERROR if parsed.note == HIDDEN_PARSER_ERROR else None


# --- The rule language --------------------------------------------------------------------------

NAMES = sorted(MEASURES)
RULE_TOKENS = [
    "(", ")", "{", "}", ",", "?", "and", "or", "not", "if", "then", "in", "between", "AND",
    "Not", ">=", "<=", ">", "<", "==", "!=", "=", "≥", "≤", "≠", "0", "70", "-1", "0.5", "1e3",
    "99999999999999999999", "-0", "1.", ".5", '"SOD1"', '"C9orf72"', '"', '""', "yes", "no",
    "true", "definite", "probable?", "bulbar", "current", "female", "\n", "@", "\x00", "\ud800",
    "é", "𝟕",
]  # fmt: skip
rule_soup = st.lists(st.sampled_from(RULE_TOKENS + NAMES), max_size=40).map(" ".join)


def _nested(depth: int, opener: str, closer: str, core: str) -> str:
    return opener * depth + core + closer * depth


deep_rules = st.builds(
    _nested,
    st.integers(0, 10_000),
    st.sampled_from(["(", "not ", "not (", "{", '"']),
    st.sampled_from([")", "", ")", "}", '"']),
    st.sampled_from(["pregnant", "fvc_percent >= 70", "", "age between 18 and 65"]),
)


def _value_text(m) -> st.SearchStrategy[str]:
    low = m.minimum if m.minimum is not None else 0
    high = m.maximum if m.maximum is not None else 10
    if m.type is MeasureType.INTEGER:
        return st.integers(int(low) - 2, int(high) + 2).map(str)
    return st.floats(low - 1, high + 1, allow_nan=False).map(lambda x: f"{x:.3g}")


def _atom(m) -> st.SearchStrategy[str]:
    match m.type:
        case MeasureType.NUMBER | MeasureType.INTEGER:
            ops = st.sampled_from(["<", "<=", ">", ">=", "==", "!=", "=", "≥", "≤", "≠"])
            compare = st.builds(lambda op, v: f"{m.name} {op} {v}", ops, _value_text(m))
            between = st.builds(
                lambda a, b: f"{m.name} between {a} and {b}", _value_text(m), _value_text(m)
            )
            return st.one_of(compare, between)
        case MeasureType.BOOLEAN:
            return st.sampled_from([m.name, f"{m.name} == no", f"{m.name} != yes", f"not {m.name}"])
        case MeasureType.CATEGORY:
            values = [c.value for c in m.choices]
            marked = st.sampled_from(values).map(lambda v: v + "?")
            listed = st.lists(marked | st.sampled_from(values), min_size=1, max_size=len(values))
            return st.one_of(
                st.builds(lambda v: f"{m.name} == {v}", st.sampled_from(values)),
                st.builds(lambda v: f'{m.name} != "{v}"', st.sampled_from(values)),
                st.builds(
                    lambda neg, vs: f"{m.name} {'not in' if neg else 'in'} {{{', '.join(vs)}}}",
                    st.booleans(),
                    listed,
                ),
            )
        case MeasureType.SET:
            genes = st.sampled_from([c.value for c in m.choices] + ["ATXN2", "nek1", "x"])
            return st.builds(
                lambda g, n: f'"{g}" {n} {m.name}', genes, st.sampled_from(["in", "not in"])
            )
    return st.just(m.name)  # dates and scores: a misuse the compiler must name


rule_atoms = st.sampled_from(list(MEASURES.values())).flatmap(_atom)


def _combined(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda a, b: f"({a}) and ({b})", inner, inner),
        st.builds(lambda a, b: f"{a} or {b}", inner, inner),
        inner.map(lambda a: f"not ({a})"),
        inner.map(lambda a: f"NOT {a}"),
        st.builds(lambda a, b: f"if {a} then ({b})", inner, inner),
        st.builds(lambda a, b: f"(if ({a}) then {b})", inner, inner),
    )


rule_texts = st.recursive(rule_atoms, _combined, max_leaves=12)

rule_inputs = st.one_of(junk_text, nasty_text, rule_soup, deep_rules, rule_texts)


def compile_rule_answers_with_a_rule_or_a_rule_error(text: str) -> None:
    try:
        rule = compile_rule(text)
    except RuleError as error:
        refused = error
    else:
        refused = None
    if refused is not None:
        assert refused.message
        assert refused.line >= 1
        assert refused.column >= 1
        return
    # The canonical source is a fixed point and means the same rule.
    again = compile_rule(rule.source)
    assert again.source == rule.source
    assert again.measures == rule.measures
    assert again.describe() == rule.describe()
    assert again.thresholds == rule.thresholds
    assert rule.measures <= set(MEASURES)


# --- The evaluator ------------------------------------------------------------------------------

FIRST, LAST = date(1900, 1, 1), date(2100, 12, 31)
dates = st.dates(FIRST, LAST)
date_texts = st.one_of(
    dates.map(date.isoformat), dates.map(lambda d: d.strftime("%Y-%m")), st.sampled_from(NASTY)
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-10, 300),
    st.floats(),
    st.floats(-10, 300),
    st.text(max_size=20),
    st.sampled_from(NASTY),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=13), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def _valid_value(m) -> st.SearchStrategy[object]:
    match m.type:
        case MeasureType.NUMBER:
            return st.floats(m.minimum, m.maximum, allow_nan=False)
        case MeasureType.INTEGER:
            return st.integers(int(m.minimum), int(m.maximum))
        case MeasureType.BOOLEAN:
            return st.booleans()
        case MeasureType.CATEGORY:
            return st.sampled_from([c.value for c in m.choices])
        case MeasureType.SET:
            names = [c.value for c in m.choices] + ["ATXN2", "nek1", "not a gene!"]
            return st.lists(st.sampled_from(names), max_size=3)
        case MeasureType.DATE:
            return date_texts
        case MeasureType.SCORES:
            return st.lists(st.integers(-1, 5), min_size=11, max_size=13)
    return json_values


ENTERED = [m for m in MEASURES.values() if not m.derived]
patient_data = st.fixed_dictionaries(
    {},
    optional={
        **{m.name: st.one_of(_valid_value(m), _valid_value(m), json_values) for m in ENTERED},
        "as_of": date_texts,
        "alsfrs_r_speech": json_values,  # derived: must be refused, not taken
        "no_such_field": json_values,
    },
)

kinds = st.sampled_from(list(Kind))


criterion_specs = st.tuples(
    kinds,
    st.one_of(st.none(), rule_texts, rule_soup),  # compiled in the check; a RuleError is no rule
    st.sampled_from(["", "", "part of it is left to a clinician"]),
)
age_limits = st.one_of(st.none(), st.integers(0, 130).map(float), st.floats(0, 130))
sexes = st.sampled_from(["", "ALL", "FEMALE", "MALE", "female", "all", "other", "\x00"])
trial_specs = st.tuples(st.lists(criterion_specs, max_size=8), age_limits, age_limits, sexes)
screenings = st.tuples(
    st.lists(trial_specs, min_size=1, max_size=3),
    patient_data,
    st.one_of(st.none(), dates, st.dates()),  # the form passes any date; the API 1900-2100
)


def _compiled(text: str | None):
    if text is None:
        return None
    try:
        return compile_rule(text)
    except RuleError:
        return None


def _trial(index: int, drawn: tuple) -> TrialSpec | None:
    criteria, minimum, maximum, sex = drawn
    try:
        registry = registry_criteria(minimum_age_years=minimum, maximum_age_years=maximum, sex=sex)
    except ValueError:
        assert sex.strip().lower() not in ("", "all", "female", "male")
        return None
    specs = tuple(
        CriterionSpec(
            key=(index, n), kind=kind, text=f"criterion {n}", rule=_compiled(rule), note=note
        )
        for n, (kind, rule, note) in enumerate(criteria)
    )
    return TrialSpec(index, f"NCT{index:08d}", f"Trial {index}", registry + specs)


def evaluator_answers_every_patient(drawn: tuple) -> None:
    trials_drawn, data, as_of = drawn
    try:
        read_patient(data, as_of=as_of)
    except PatientError as error:
        problems_at_once = error.errors
    else:
        problems_at_once = {}
    assert all(problems_at_once.values())
    patient, problems = read_patient_lenient(data, as_of=as_of)
    assert all(isinstance(messages, list) and messages for messages in problems.values())
    trials = [trial for index, d in enumerate(trials_drawn) if (trial := _trial(index, d))]
    results = screen(trials, patient)
    assert sorted(r.trial.nct_id for r in results) == sorted(t.nct_id for t in trials)
    for result in results:
        assert result == screen_trial(result.trial, patient)
        outcomes = [c.outcome for c in result.criteria]
        assert len(outcomes) == len(result.trial.criteria)
        assert all(outcome in Outcome for outcome in outcomes)
        assert (result.verdict is Verdict.INELIGIBLE) == (Outcome.FAIL in outcomes)
        for item in result.criteria:
            assert item.explanation
            assert item.changes_on is None or item.changes_on > patient.as_of
        for day in (result.eligible_from, result.window_closes):
            assert day is None or day > patient.as_of
        json.dumps(result_to_json(result))
    json.dumps(patient.to_json())


# --- The screening form reader ------------------------------------------------------------------

FORM_NAMES = [m.name for m in ENTERED] + ["as_of", "show_closed", "csrfmiddlewaretoken", "x"]
form_values = st.one_of(
    st.text(max_size=30),
    st.sampled_from(NASTY),
    st.sampled_from(["1e400", "nan", "-inf", "0x10", "1_000", "٣", "5.", "yes", "Definite"]),
    st.text(alphabet=string.digits + "-.,e ", max_size=12),
    st.text(max_size=5).map(lambda s: s * 2000),  # up to 10,000 characters
)
form_posts = st.tuples(
    st.lists(st.tuples(st.sampled_from(FORM_NAMES), form_values), max_size=30),
    st.dates(),
)


def form_reader_answers_every_post(drawn: tuple) -> None:
    from django.http import QueryDict  # Django only here: the other properties are plain Python

    from screening.forms import read_form

    pairs, today = drawn
    data = QueryDict(mutable=True)
    for name, value in pairs:
        data.appendlist(name, value)
    reading = read_form(data, today=today)
    assert set(reading.errors) <= {*FORM_NAMES, "patient"}
    assert all(reading.errors.values())
    for name in reading.errors:
        assert name not in reading.patient.entered or name == "as_of"
    # Every value kept is one the strict reader would take.
    read_patient(dict(_json_typed(reading.patient.entered)), as_of=reading.as_of)


def _json_typed(entered: dict[str, object]) -> dict[str, object]:
    typed: dict[str, object] = {}
    for name, value in entered.items():
        if isinstance(value, frozenset):
            typed[name] = sorted(value)
        elif isinstance(value, tuple):
            typed[name] = list(value)
        elif hasattr(value, "earliest"):
            typed[name] = str(value)
        else:
            typed[name] = value
    return typed


# --- Study records and zips ---------------------------------------------------------------------


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    """Every place in a JSON document a value could be swapped."""
    found = [path]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*path, index))
    return found


def _replaced(document: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    head, *rest = path
    copy = dict(document) if isinstance(document, dict) else list(document)
    copy[head] = _replaced(document[head], tuple(rest), value)
    return copy


def _a_study() -> dict:
    from tests.factories import study_json  # Django models: imported when first needed

    return study_json()


def _mutated_study(swaps: list[tuple[int, Any]]) -> Any:
    study: Any = _a_study()
    for where, value in swaps:
        paths = _paths(study)
        study = _replaced(study, paths[where % len(paths)], value)
    return study


study_records = st.one_of(
    json_values,
    st.lists(st.tuples(st.integers(0, 10**6), json_values), max_size=4).map(_mutated_study),
)


def assert_reason(error: Exception) -> None:
    assert str(error), "a refused record says why"


def read_study_answers_with_a_record_or_a_record_error(study: Any) -> None:
    from trials.registry import RecordError, StudyRecord, read_study

    try:
        record = read_study(study)
    except RecordError as error:
        assert_reason(error)
        return
    assert isinstance(record, StudyRecord)
    assert len(record.record_hash) == 64
    assert isinstance(record.eligibility_text, str)


def _zip(members: list[tuple[str, bytes]], method: int) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a duplicate name is a fair attack
        with zipfile.ZipFile(buffer, "w", method) as archive:
            for name, data in members:
                archive.writestr(name, data)
    return buffer.getvalue()


def _damaged(data: bytes, flips: list[tuple[int, int]], cut: int | None) -> bytes:
    damaged = bytearray(data)
    for where, byte in flips:
        damaged[where % len(damaged)] = byte
    return bytes(damaged if cut is None else damaged[: cut % (len(damaged) + 1)])


zip_members = st.lists(
    st.tuples(
        st.sampled_from(["NCT01234567.json", "dir/", "a.json", "../x.json", "b.txt"]),
        st.one_of(st.just(b'{"protocolSection": {}}'), st.binary(max_size=200)),
    ),
    min_size=1,
    max_size=4,
)
damaged_zips = st.builds(
    _damaged,
    st.builds(
        _zip,
        zip_members,
        st.sampled_from(
            [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
        ),
    ),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
    st.one_of(st.none(), st.integers(0, 10**6)),
)
_SCRATCH = Path(tempfile.mkdtemp(prefix="prescreen-fuzz-"))
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)


def studies_in_zip_reports_every_damaged_zip(data: bytes) -> None:
    from trials.sources import studies_in_zip

    path = _SCRATCH / "studies.zip"
    path.write_bytes(data)
    for study in studies_in_zip(path):
        assert isinstance(study.error, str)
        assert study.where.startswith(str(path))


# --- The list the fuzz command runs -------------------------------------------------------------


@dataclass(frozen=True)
class Property:
    name: str
    strategy: st.SearchStrategy[Any]
    # Raises when the promise is broken; may return a remark worth counting (not a failure).
    check: Callable[[Any], str | None]


PROPERTIES = (
    Property("split_criteria", criteria_texts, splitter_keeps_its_shape),
    Property("parse_criterion", parser_inputs, parser_answers_with_a_valid_rule_or_a_note),
    Property("compile_rule", rule_inputs, compile_rule_answers_with_a_rule_or_a_rule_error),
    Property("screen_trial", screenings, evaluator_answers_every_patient),
    Property("read_form", form_posts, form_reader_answers_every_post),
    Property("read_study", study_records, read_study_answers_with_a_record_or_a_record_error),
    Property("studies_in_zip", damaged_zips, studies_in_zip_reports_every_damaged_zip),
)
