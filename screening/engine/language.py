"""The rule language: one eligibility condition over the patient vocabulary.

A rule is checked when it is written and compiled once; evaluating it never parses again.

Grammar (keywords in any case; names are measure names from the vocabulary)::

    rule   : "if" expr "then" expr | expr
    expr   : expr "or" term | term
    term   : term "and" factor | factor
    factor : "not" factor | atom
    atom   : "(" rule ")"
           | NAME                                  a yes/no measure: `pregnant` is "pregnant: yes"
           | NAME OP value                         OP: < <= > >= == != ; value: a number, a
                                                   category, yes/no, or a "quoted" category
           | NAME "between" NUMBER "and" NUMBER    both ends included
           | NAME ["not"] "in" "{" cat, ... "}"    category membership; cat is NAME or NAME?
           | STRING ["not"] "in" NAME              set membership: "SOD1" in gene_variants

Examples::

    fvc_percent >= 70
    el_escorial in {definite, probable, probable_laboratory_supported?}
    riluzole != current or riluzole_stable_days >= 60
    if onset_region == bulbar then norris_bulbar >= 15
    age between 18 and 65
    not (tracheostomy or niv_hours_per_day >= 23)

Also accepted: = for ==, and ≤ ≥ ≠; a category in quotes. Rules are stored in a canonical
form (lowercase, minimal brackets), which is what `CompiledRule.source` gives back.

A `?` after a category marks one the trial's wording leaves open: a patient in it gets
"unknown, confirm with the site" instead of a guess. `if A then B` does not apply (neither met
nor failed) when A is not met, and a part that does not apply never counts against the patient:
inside and/or/not it counts as met in an inclusion and as not met in an exclusion. When A is
unknown, an inclusion is met if B is, an exclusion is not met if B is not, and otherwise the
rule is unknown. Anything the data cannot settle is "unknown", never "not met".
An exclusion's rule describes who is excluded: `pregnant or breastfeeding`.

Checked when written: every name is a measure (with a suggestion for a slip), each comparison
suits the measure's type, numbers lie in the measure's range (whole numbers for whole-number
measures such as age and scores) and categories exist. A month is 30.4375 days. A rule is at
most 2,000 characters and 32 levels deep.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from screening.engine.logic import (
    RuleResult,
    Truth,
    conjunction,
    disjunction,
    merged,
    negation,
    settled,
)
from screening.engine.patient import Fact, Interval, Patient
from screening.engine.vocabulary import (
    BOOLEAN_WORDS,
    MEASURES,
    Measure,
    MeasureType,
    measure,
    set_member,
    suggestion,
)
from screening.engine.wording import (
    amount,
    choice_text,
    either,
    limit,
    measured,
    mid_sentence,
    number,
    quantity,
    sentence,
)

MAX_LENGTH = 2000
MAX_DEPTH = 32

GRAMMAR = r"""
?start: rule
?rule: _IF expr _THEN expr -> conditional
     | expr
?expr: term (_OR term)*
?term: factor (_AND factor)*
?factor: NOT factor -> negated
       | atom
?atom: "(" rule ")"
     | NAME -> flag
     | NAME OP _value -> comparison
     | NAME _BETWEEN NUMBER _AND NUMBER -> between
     | NAME NOT? _IN "{" category ("," category)* "}" -> membership
     | STRING NOT? _IN NAME -> contains
category: NAME QMARK?
_value: NUMBER | NAME | STRING

_IF: "if"i
_THEN: "then"i
_OR: "or"i
_AND: "and"i
NOT: "not"i
_IN: "in"i
_BETWEEN: "between"i
OP: "<=" | ">=" | "==" | "!=" | "<" | ">" | "=" | "≤" | "≥" | "≠"
NAME: /[A-Za-z_][A-Za-z0-9_]*/
NUMBER: /-?[0-9]+(\.[0-9]+)?/
STRING: /"[^"\n]*"/
QMARK: "?"
%ignore /\s+/
"""

_OPERATORS = {"=": "==", "≤": "<=", "≥": ">=", "≠": "!="}
_NEGATED_OPERATORS = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!=", "!=": "=="}
_TERMINAL_WORDS = {
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": 'a "quoted" name',
    "OP": "a comparison such as >=",
    "NOT": "'not'",
    "QMARK": "'?'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "COMMA": "','",
    "_IF": "'if'",
    "_THEN": "'then'",
    "_OR": "'or'",
    "_AND": "'and'",
    "_IN": "'in'",
    "_BETWEEN": "'between'",
    "$END": "the end of the rule",
}


class RuleError(ValueError):
    """A rule that cannot be compiled, with where the problem is."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(f"line {line}, column {column}: {message}")
        self.message, self.line, self.column = message, line, column


# Nodes. Each evaluates with `wanted`: True when the rule's truth is what the patient needs
# (inclusion), False when it excludes; only the wording of explanations depends on it.


class Node(Protocol):
    precedence: int  # 0 if-then, 1 or, 2 and, 3 not, 4 atom: how tightly the node binds
    depth: int

    def evaluate(self, patient: Patient, wanted: bool) -> RuleResult: ...
    def source(self) -> str: ...
    def describe(self, negated: bool = False) -> str: ...
    def atoms(self) -> Iterator["Atom"]: ...


class Atom(Node, Protocol):
    measure: Measure

    def thresholds(self) -> tuple[float, ...]: ...


def _wrap(node: Node, text: str, precedence: int) -> str:
    return f"({text})" if node.precedence < precedence else text


def _not_known(patient: Patient, m: Measure, needed_for: str) -> RuleResult:
    label = mid_sentence(m.label)
    why = patient.unavailable.get(m.name)
    if why:
        text = f"{label} cannot be worked out, as {why}; needed for: {needed_for}"
        return RuleResult(Truth.UNKNOWN, text)
    missing = _missing_inputs(patient, m)
    if m.derived:
        inputs = either([mid_sentence(measure(name).label) for name in missing], "and")
        label = f"{label} unknown ({inputs} not given)"
    else:
        label = f"{label} not given"
    return RuleResult(Truth.UNKNOWN, f"{label}; needed for: {needed_for}", missing)


def _missing_inputs(patient: Patient, m: Measure) -> tuple[str, ...]:
    if not m.derived:
        return (m.name,)
    return merged(
        *(
            _missing_inputs(patient, measure(name))
            for name in m.derived_from
            if name not in patient.facts
        )
    )


# What a comparison says about the patient's value, by operator: the wording when the patient
# needs the comparison to hold (met, not met), the neutral wording otherwise, and how to say the
# threshold when a range straddles it. {v}: the value; {t}: the threshold; {limit}: "the 24-month
# limit".
_PHRASES: dict[str, tuple[tuple[str, str], tuple[str, str], str]] = {
    ">=": (
        ("{v} meets the minimum of {t}", "{v} is below the required {t}"),
        ("{v}, at least {t}", "{v}, below {t}"),
        "the minimum of {t}",
    ),
    ">": (
        ("{v} is above the minimum of {t}", "{v} is not above the minimum of {t}"),
        ("{v}, above {t}", "{v}, not above {t}"),
        "the minimum of {t}",
    ),
    "<=": (
        ("{v}, within {limit}", "{v}, beyond {limit}"),
        ("{v}, at most {t}", "{v}, above {t}"),
        "{limit}",
    ),
    "<": (
        ("{v}, below {limit}", "{v}, not below {limit}"),
        ("{v}, below {t}", "{v}, not below {t}"),
        "{limit}",
    ),
    "==": (("{v}, as required", "{v}; required: {t}"), ("{v}, exactly {t}", "{v}, not {t}"), "{t}"),
    "!=": (("{v}, not {t}", "{v}; must not be {t}"), ("{v}, not {t}", "{v}, exactly {t}"), "{t}"),
}
_DESCRIBED = {
    ">=": "at least",
    ">": "more than",
    "<=": "at most",
    "<": "less than",
    "==": "exactly",
    "!=": "not",
}


def _value_text(m: Measure, fact: Fact, against: float) -> str:
    value = fact.value
    if value.exact:
        # Entered values read as entered; computed ones (months, rates) rounded.
        shown = measured(value.low, against=against)[0] if m.derived else number(value.low)
        return quantity(m, shown)
    low, high = measured(value.low, value.high, against=against)
    return quantity(m, f"between {low} and {high}") + (f" ({fact.note})" if fact.note else "")


def _over(value: Interval, op: str, t: float) -> Truth:
    """A comparison over every value of a range: met for all, not met for none, else unknown."""
    low, high = value.low, value.high
    match op:
        case ">=":
            holds, fails = low >= t, high < t
        case ">":
            holds, fails = low > t, high <= t
        case "<=":
            holds, fails = high <= t, low > t
        case "<":
            holds, fails = high < t, low >= t
        case "==":
            holds, fails = low == high == t, not low <= t <= high
        case _:
            holds, fails = not low <= t <= high, low == high == t
    return Truth.MET if holds else Truth.NOT_MET if fails else Truth.UNKNOWN


@dataclass(frozen=True, slots=True)
class Compare:
    measure: Measure
    op: str
    value: float
    precedence: int = field(default=4, init=False)
    depth: int = field(default=1, init=False)
    # The wording with the threshold filled in, worked out once: ((wanted met, wanted not met),
    # (neutral met, neutral not met), what a range cannot be told against).
    _phrases: tuple[tuple[str, str], tuple[str, str], str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        threshold, bound = amount(self.measure, self.value), limit(self.measure, self.value)

        def fill(text: str) -> str:
            return text.replace("{t}", threshold).replace("{limit}", bound)

        (wanted_met, wanted_not), (neutral_met, neutral_not), against = _PHRASES[self.op]
        phrases = (
            (fill(wanted_met), fill(wanted_not)),
            (fill(neutral_met), fill(neutral_not)),
            fill(against),
        )
        object.__setattr__(self, "_phrases", phrases)

    def evaluate(self, patient: Patient, wanted: bool) -> RuleResult:
        fact = patient.facts.get(self.measure.name)
        if fact is None:
            return _not_known(patient, self.measure, self.describe())
        truth = _over(fact.value, self.op, self.value)
        shown = _value_text(self.measure, fact, self.value)
        wanted_phrases, neutral_phrases, against = self._phrases
        if truth is Truth.UNKNOWN:
            return RuleResult(truth, f"{shown}; cannot tell against {against}", fact.imprecise)
        phrases = wanted_phrases if wanted else neutral_phrases
        return RuleResult(truth, phrases[truth is Truth.NOT_MET].replace("{v}", shown))

    def source(self) -> str:
        return f"{self.measure.name} {self.op} {number(self.value)}"

    def describe(self, negated: bool = False) -> str:
        op = _NEGATED_OPERATORS[self.op] if negated else self.op
        return quantity(self.measure, f"{_DESCRIBED[op]} {number(self.value)}")

    def atoms(self) -> Iterator[Atom]:
        yield self

    def thresholds(self) -> tuple[float, ...]:
        return (self.value,)


@dataclass(frozen=True, slots=True)
class Between:
    measure: Measure
    low: float
    high: float
    precedence: int = field(default=4, init=False)
    depth: int = field(default=1, init=False)

    def evaluate(self, patient: Patient, wanted: bool) -> RuleResult:
        fact = patient.facts.get(self.measure.name)
        if fact is None:
            return _not_known(patient, self.measure, self.describe())
        truth = conjunction((_over(fact.value, ">=", self.low), _over(fact.value, "<=", self.high)))
        span = f"{number(self.low)} to {amount(self.measure, self.high)}"
        shown = _value_text(self.measure, fact, self.low)
        if truth is Truth.UNKNOWN:
            return RuleResult(truth, f"{shown}; cannot tell against {span}", fact.imprecise)
        if wanted:
            where = "within" if truth is Truth.MET else "outside"
            return RuleResult(truth, f"{shown}, {where} the required {span}")
        return RuleResult(truth, f"{shown}, {'in' if truth is Truth.MET else 'outside'} {span}")

    def source(self) -> str:
        return f"{self.measure.name} between {number(self.low)} and {number(self.high)}"

    def describe(self, negated: bool = False) -> str:
        words = "not between" if negated else "between"
        return quantity(self.measure, f"{words} {number(self.low)} and {number(self.high)}")

    def atoms(self) -> Iterator[Atom]:
        yield self

    def thresholds(self) -> tuple[float, ...]:
        return (self.low, self.high)


@dataclass(frozen=True, slots=True)
class IsFlag:
    """A yes/no measure equal to `value`."""

    measure: Measure
    value: bool
    precedence: int = field(default=4, init=False)
    depth: int = field(default=1, init=False)

    def evaluate(self, patient: Patient, wanted: bool) -> RuleResult:
        fact = patient.facts.get(self.measure.name)
        if fact is None:
            return _not_known(patient, self.measure, self.describe())
        truth = Truth.MET if fact.value is self.value else Truth.NOT_MET
        return RuleResult(truth, self._wording(bool(fact.value)))

    def _wording(self, value: bool) -> str:
        return mid_sentence(self.measure.choices[0 if value else 1].label)

    def source(self) -> str:
        return self.measure.name if self.value else f"{self.measure.name} == no"

    def describe(self, negated: bool = False) -> str:
        return self._wording(self.value != negated)

    def atoms(self) -> Iterator[Atom]:
        yield self

    def thresholds(self) -> tuple[float, ...]:
        return ()


@dataclass(frozen=True, slots=True)
class InCategory:
    """A category measure in an allowed set; `unsure` members are ones the trial leaves open."""

    measure: Measure
    allowed: tuple[str, ...]
    unsure: frozenset[str]
    negated: bool
    listed: bool  # written with in {…} rather than == / !=
    precedence: int = field(default=4, init=False)
    depth: int = field(default=1, init=False)

    def evaluate(self, patient: Patient, wanted: bool) -> RuleResult:
        fact = patient.facts.get(self.measure.name)
        if fact is None:
            return _not_known(patient, self.measure, self.describe())
        value = str(fact.value)
        shown = f"{mid_sentence(self.measure.label)} is {choice_text(self.measure, value)}"
        if value in self.unsure:
            text = f"{shown}; the trial does not say whether that qualifies; confirm with the site"
            return RuleResult(Truth.UNKNOWN, text, ())
        inside = value in self.allowed
        truth = Truth.MET if inside != self.negated else Truth.NOT_MET
        if inside:
            return RuleResult(truth, shown)
        return RuleResult(truth, f"{shown}, not {self._choices('or')}")

    def _choices(self, word: str) -> str:
        return either(
            [
                choice_text(self.measure, value)
                + (" (unclear in the trial's wording)" if value in self.unsure else "")
                for value in self.allowed
            ],
            word,
        )

    def source(self) -> str:
        name = self.measure.name
        if not self.listed:
            return f"{name} {'!=' if self.negated else '=='} {self.allowed[0]}"
        members = ", ".join(v + ("?" if v in self.unsure else "") for v in self.allowed)
        return f"{name} {'not in' if self.negated else 'in'} {{{members}}}"

    def describe(self, negated: bool = False) -> str:
        label = mid_sentence(self.measure.label)
        if self.negated == negated:
            return f"{label} is {self._choices('or')}"
        if len(self.allowed) == 1:
            return f"{label} is not {self._choices('or')}"
        if len(self.allowed) == 2:
            return f"{label} is neither {self._choices('nor')}"
        return f"{label} is none of {self._choices('and')}"

    def atoms(self) -> Iterator[Atom]:
        yield self

    def thresholds(self) -> tuple[float, ...]:
        return ()


@dataclass(frozen=True, slots=True)
class Contains:
    """A member (a gene name) in a set measure. An empty set was tested and found nothing."""

    measure: Measure
    member: str
    negated: bool
    precedence: int = field(default=4, init=False)
    depth: int = field(default=1, init=False)

    def evaluate(self, patient: Patient, wanted: bool) -> RuleResult:
        fact = patient.facts.get(self.measure.name)
        if fact is None:
            return _not_known(patient, self.measure, self.describe())
        found = sorted(fact.value)
        inside = self.member in found
        truth = Truth.MET if inside != self.negated else Truth.NOT_MET
        label = mid_sentence(self.measure.label)
        if inside:
            return RuleResult(truth, f"{label} include {self.member}")
        listed = ", ".join(found) or "none found"
        return RuleResult(truth, f"{label} do not include {self.member} ({listed})")

    def source(self) -> str:
        return f'"{self.member}" {"not in" if self.negated else "in"} {self.measure.name}'

    def describe(self, negated: bool = False) -> str:
        verb = "do not include" if negated != self.negated else "include"
        return f"{mid_sentence(self.measure.label)} {verb} {self.member}"

    def atoms(self) -> Iterator[Atom]:
        yield self

    def thresholds(self) -> tuple[float, ...]:
        return ()


@dataclass(frozen=True, slots=True)
class Not:
    child: Node
    precedence: int = field(default=3, init=False)
    depth: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", self.child.depth + 1)

    def evaluate(self, patient: Patient, wanted: bool) -> RuleResult:
        result = self.child.evaluate(patient, not wanted)
        return RuleResult(negation(result.truth, not wanted), result.explanation, result.missing)

    def source(self) -> str:
        return "not " + _wrap(self.child, self.child.source(), 3)

    def describe(self, negated: bool = False) -> str:
        return self.child.describe(not negated)

    def atoms(self) -> Iterator[Atom]:
        yield from self.child.atoms()


@dataclass(frozen=True, slots=True)
class _Junction:
    children: tuple[Node, ...]
    depth: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", 1 + max(child.depth for child in self.children))

    def atoms(self) -> Iterator[Atom]:
        for child in self.children:
            yield from child.atoms()

    def _joined(
        self, results: list[RuleResult], truth: Truth, deciding: Truth, wanted: bool
    ) -> RuleResult:
        # When one part decides (a failed part of an and), only the deciding parts explain it;
        # otherwise every part does.
        if truth is deciding:
            results = [r for r in results if settled(r.truth, wanted) is deciding]
        missing = merged(*(r.missing for r in results)) if truth is Truth.UNKNOWN else ()
        return RuleResult(truth, "; ".join(r.explanation for r in results), missing)

    def _described(self, negated: bool) -> str:
        # "not (a or b)" reads as "not a and not b": exact in three-valued logic too.
        joins = "and" if isinstance(self, And) != negated else "or"
        parts = []
        for child in self.children:
            part = child.describe(negated)
            inner = _joins(child, negated)
            parts.append(part if inner in (None, joins) else f"({part})")
        return (" and " if joins == "and" else ", or ").join(parts)


def _joins(node: Node, negated: bool) -> str | None:
    """How a node's description joins its parts: "and", "or", "if", or None for an atom."""
    if isinstance(node, Not):
        return _joins(node.child, not negated)
    if isinstance(node, If):
        return "if"
    if isinstance(node, _Junction):
        return "and" if isinstance(node, And) != negated else "or"
    return None


@dataclass(frozen=True, slots=True)
class And(_Junction):
    precedence: int = field(default=2, init=False)

    def evaluate(self, patient: Patient, wanted: bool) -> RuleResult:
        results = [child.evaluate(patient, wanted) for child in self.children]
        truth = conjunction((r.truth for r in results), wanted)
        return self._joined(results, truth, Truth.NOT_MET, wanted)

    def source(self) -> str:
        return " and ".join(_wrap(child, child.source(), 3) for child in self.children)

    def describe(self, negated: bool = False) -> str:
        return self._described(negated)


@dataclass(frozen=True, slots=True)
class Or(_Junction):
    precedence: int = field(default=1, init=False)

    def evaluate(self, patient: Patient, wanted: bool) -> RuleResult:
        results = [child.evaluate(patient, wanted) for child in self.children]
        truth = disjunction((r.truth for r in results), wanted)
        return self._joined(results, truth, Truth.MET, wanted)

    def source(self) -> str:
        return " or ".join(_wrap(child, child.source(), 2) for child in self.children)

    def describe(self, negated: bool = False) -> str:
        return self._described(negated)


@dataclass(frozen=True, slots=True)
class If:
    condition: Node
    then: Node
    precedence: int = field(default=0, init=False)
    depth: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", 1 + max(self.condition.depth, self.then.depth))

    def evaluate(self, patient: Patient, wanted: bool) -> RuleResult:
        # The condition selects who the rule is about; it is neither wanted nor unwanted.
        condition = self.condition.evaluate(patient, False)
        truth = settled(condition.truth)
        if truth is Truth.NOT_MET:
            return RuleResult(Truth.NOT_APPLICABLE, f"does not apply: {condition.explanation}")
        then = self.then.evaluate(patient, wanted)
        if truth is Truth.MET:
            return RuleResult(
                then.truth, f"{condition.explanation}; {then.explanation}", then.missing
            )
        # A unknown: the rule is B if A holds and does not apply if it does not. Both agree only
        # when B is what a rule that does not apply counts as: met for an inclusion, not met for
        # an exclusion. An exclusion whose B is met must not exclude on a guess about A.
        harmless = Truth.MET if wanted else Truth.NOT_MET
        if settled(then.truth, wanted) is harmless:
            return RuleResult(harmless, then.explanation)
        return RuleResult(
            Truth.UNKNOWN,
            f"{condition.explanation}; {then.explanation}",
            merged(condition.missing, then.missing),
        )

    def source(self) -> str:
        return f"if {_wrap(self.condition, self.condition.source(), 1)} then " + _wrap(
            self.then, self.then.source(), 1
        )

    def describe(self, negated: bool = False) -> str:
        text = f"if {self.condition.describe()}: {self.then.describe()}"
        return f"not ({text})" if negated else text

    def atoms(self) -> Iterator[Atom]:
        yield from self.condition.atoms()
        yield from self.then.atoms()


@dataclass(frozen=True)
class CompiledRule:
    source: str  # canonical text: compile_rule(r.source).source == r.source
    measures: frozenset[str]
    root: Node = field(repr=False, compare=False)
    # (measure name, threshold) of every numeric comparison, for time windows; worked out once,
    # as screening asks for it for every patient.
    thresholds: tuple[tuple[str, float], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        thresholds = tuple(
            (atom.measure.name, value) for atom in self.root.atoms() for value in atom.thresholds()
        )
        object.__setattr__(self, "thresholds", thresholds)

    def evaluate(self, patient: Patient, *, wanted: bool = True) -> RuleResult:
        """Three-valued truth of the rule for a patient, explained.

        `wanted=False` words the explanation neutrally, for a rule that excludes.
        """
        result = self.root.evaluate(patient, wanted)
        return RuleResult(result.truth, sentence(result.explanation), result.missing)

    def describe(self) -> str:
        return self.root.describe()


# Compiling


def compile_rule(text: str) -> CompiledRule:
    """Checks and compiles a rule; raises RuleError saying what is wrong and where."""
    if not isinstance(text, str):
        raise RuleError(f"a rule must be text, not {type(text).__name__}")
    _check_size(text)
    try:
        root = _PARSER.parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(error, text) from None
    except LarkError as error:  # anything else the parser raises is still a bad rule
        raise RuleError(f"not a rule ({type(error).__name__})") from None
    measures = frozenset(atom.measure.name for atom in root.atoms())
    return CompiledRule(root.source(), measures, root)


def _check_size(text: str) -> None:
    if not text.strip():
        raise RuleError("the rule is empty")
    if len(text) > MAX_LENGTH:
        line, column = _position(text, MAX_LENGTH)
        raise RuleError(
            f"the rule is too long ({len(text):,} characters; the limit is {MAX_LENGTH:,})",
            line,
            column,
        )
    depth, quoted = 0, False
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "({":
            depth += 1
            if depth > MAX_DEPTH:
                raise RuleError(
                    f"the rule is nested too deeply (more than {MAX_DEPTH} levels)",
                    *_position(text, index),
                )
        elif not quoted and char in ")}":
            depth -= 1


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _syntax_error(error: UnexpectedInput, text: str) -> RuleError:
    if isinstance(error, UnexpectedCharacters):
        char = text[error.pos_in_stream]
        what = "an unclosed quote" if char == '"' else f"unexpected character {char!r}"
        return RuleError(what, error.line, error.column)
    if not isinstance(error, UnexpectedToken):
        return RuleError("not a rule", error.line, error.column)
    expected = sorted(
        {_TERMINAL_WORDS.get(name, name) for name in error.expected},
        key=lambda word: (word.startswith("'"), word),
    )
    wanted = either(expected[:5] if len(expected) <= 5 else [*expected[:4], "…"])
    if error.token.type == "$END":
        return RuleError(f"the rule ends too early; expected {wanted}", *_end(text))
    what = f"unexpected {error.token.value!r}; expected {wanted}"
    return RuleError(what, error.line, error.column)


def _end(text: str) -> tuple[int, int]:
    return _position(text, len(text.rstrip()))


def _at(token: Token) -> tuple[int, int]:
    return token.line or 1, token.column or 1


def _measure(token: Token) -> Measure:
    name = token.value.lower()
    found = MEASURES.get(name)
    if found is None:
        hint = suggestion(name)
        raise RuleError(
            f"unknown measure {token.value!r}" + (f" (did you mean {hint}?)" if hint else ""),
            *_at(token),
        )
    return found


_TYPE_WORDS = {
    MeasureType.NUMBER: ("a number", "compare it with <, <=, >, >=, ==, != or between"),
    MeasureType.INTEGER: ("a whole number", "compare it with <, <=, >, >=, ==, != or between"),
    MeasureType.BOOLEAN: ("yes or no", "write {name} or {name} == no"),
    MeasureType.CATEGORY: ("a category", "compare it with == or in {{…}}"),
    MeasureType.SET: ("a set of names", 'write "NAME" in {name}'),
    MeasureType.DATE: ("a date", "compare a duration such as months_since_onset, or age"),
    MeasureType.SCORES: (
        "a list of 12 item scores",
        "compare an item such as alsfrs_r_swallowing, or alsfrs_r_lowest_item",
    ),
}


def _misuse(m: Measure, token: Token) -> RuleError:
    kind, hint = _TYPE_WORDS[m.type]
    return RuleError(f"{m.label} is {kind}; {hint.format(name=m.name)}", *_at(token))


def _threshold(m: Measure, token: Token) -> float:
    if token.type != "NUMBER":
        if token.value.lower() in BOOLEAN_WORDS:
            raise RuleError(f"{m.label} is {_TYPE_WORDS[m.type][0]}, not yes or no", *_at(token))
        raise RuleError(f"{m.label} is a number; {token.value} is not a number", *_at(token))
    value = float(token.value)
    if m.type is MeasureType.INTEGER and not value.is_integer():
        raise RuleError(
            f"{m.label} is a whole number; compare it with a whole number, not {token.value}",
            *_at(token),
        )
    low = m.minimum if m.minimum is not None else float("-inf")
    high = m.maximum if m.maximum is not None else float("inf")
    if not low <= value <= high:
        span = (
            f"{number(m.minimum)} to {amount(m, m.maximum)}"
            if m.maximum is not None
            else f"at least {amount(m, m.minimum)}"
        )
        raise RuleError(
            f"{token.value} is outside the possible range of {m.label} ({span})", *_at(token)
        )
    return value


def _category(m: Measure, token: Token) -> str:
    value = token.value.strip('"').lower()
    values = [choice.value for choice in m.choices]
    if value not in values:
        raise RuleError(
            f"unknown {m.label} {value!r}; choose from {', '.join(values)}", *_at(token)
        )
    return value


def _deeper(node: Node, token: Token | None = None) -> Node:
    if node.depth > MAX_DEPTH:
        raise RuleError(
            f"the rule is nested too deeply (more than {MAX_DEPTH} levels)",
            *(_at(token) if token else (1, 1)),
        )
    return node


class _Build(Transformer):
    """Builds nodes while parsing (LALR), so every check runs when the rule is written."""

    def comparison(self, children: list[Token]) -> Node:
        name, op, value = children
        m = _measure(name)
        op_text = _OPERATORS.get(op.value, op.value)
        match m.type:
            case MeasureType.NUMBER | MeasureType.INTEGER:
                return Compare(m, op_text, _threshold(m, value))
            case MeasureType.BOOLEAN:
                answer = BOOLEAN_WORDS.get(value.value.lower())
                if op_text not in ("==", "!=") or value.type != "NAME" or answer is None:
                    raise _misuse(m, value if op_text in ("==", "!=") else op)
                return IsFlag(m, answer != (op_text == "!="))
            case MeasureType.CATEGORY:
                if op_text not in ("==", "!="):
                    raise _misuse(m, op)
                if value.type == "NUMBER":
                    raise _misuse(m, value)
                return InCategory(
                    m, (_category(m, value),), frozenset(), op_text == "!=", listed=False
                )
        raise _misuse(m, name)

    def flag(self, children: list[Token]) -> Node:
        (name,) = children
        m = _measure(name)
        if m.type is not MeasureType.BOOLEAN:
            raise _misuse(m, name)
        return IsFlag(m, True)

    def between(self, children: list[Token]) -> Node:
        name, low, high = children
        m = _measure(name)
        if m.type not in (MeasureType.NUMBER, MeasureType.INTEGER):
            raise _misuse(m, name)
        low_value, high_value = _threshold(m, low), _threshold(m, high)
        if low_value > high_value:
            raise RuleError(f"write the lower bound first: between {high} and {low}", *_at(low))
        return Between(m, low_value, high_value)

    def membership(self, children: list) -> Node:
        name, *rest = children
        negated = bool(rest) and isinstance(rest[0], Token) and rest[0].type == "NOT"
        categories = rest[1:] if negated else rest
        m = _measure(name)
        if m.type is not MeasureType.CATEGORY:
            raise _misuse(m, name)
        allowed: list[str] = []
        unsure: set[str] = set()
        for token, marked in categories:
            value = _category(m, token)
            if value in allowed:
                raise RuleError(f"{value!r} is listed twice", *_at(token))
            allowed.append(value)
            if marked:
                unsure.add(value)
        return InCategory(m, tuple(allowed), frozenset(unsure), negated, listed=True)

    def category(self, children: list[Token]) -> tuple[Token, bool]:
        return children[0], len(children) > 1

    def contains(self, children: list[Token]) -> Node:
        member, *rest = children
        name = rest[-1]
        m = _measure(name)
        if m.type is not MeasureType.SET:
            raise _misuse(m, name)
        try:
            canonical = set_member(m, member.value.strip('"'))
        except ValueError as error:
            raise RuleError(str(error), *_at(member)) from None
        return Contains(m, canonical, negated=len(rest) > 1)

    def negated(self, children: list) -> Node:
        token, child = children
        return _deeper(Not(child), token)

    def expr(self, children: list[Node]) -> Node:
        return _deeper(Or(_flattened(children, Or)))

    def term(self, children: list[Node]) -> Node:
        return _deeper(And(_flattened(children, And)))

    def conditional(self, children: list[Node]) -> Node:
        condition, then = children
        return _deeper(If(condition, then))


def _flattened(children: list[Node], kind: type) -> tuple[Node, ...]:
    # `a and (b and c)` is one conjunction: flat junctions print and explain more simply.
    return tuple(
        part for child in children for part in (child.children if type(child) is kind else (child,))
    )


# Built once: building a parser takes far longer than a parse.
_PARSER = Lark(
    GRAMMAR, parser="lalr", lexer="basic", transformer=_Build(), maybe_placeholders=False
)
