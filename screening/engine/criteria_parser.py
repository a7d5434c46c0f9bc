"""Turn one eligibility-criterion item into a rule, only when the wording is certain.

The parser reads narrowly. It finds the facts it knows (an FVC threshold, an El Escorial list, a
riluzole condition, ...), then accounts for every other word of the item: filler, words that
belong to a fact ("of predicted", "according to the revised El Escorial criteria"), known
qualifiers (written into the note), connectives, and the rest. Anything left over becomes an
unknown part, and the item is then structured only where leaving that part out cannot exclude a
patient the trial would take:

* an inclusion rule may only be weaker than the criterion (every "not met" is certain), so an
  unknown part joined by "and" is dropped, one joined by "or" makes the whole group unknown;
* an exclusion rule may only be stronger (every "excluded" is certain), so the other way round.

Words that can turn the meaning of what is left out ("unless", "except", "if", "allowed") stop
the parse: the item then needs a clinician. A rule that does not compile is never returned.

An item of several sentences (or of criteria run together when their line breaks were lost) is
read sentence by sentence: in an inclusion all are required, in an exclusion each excludes. A
sentence whose turning word can only reach its own words ("If female, ... birth control",
"FVC < 40% unless ...") is left out as a whole, which weakens an inclusion and narrows an
exclusion; it still stops the parse when it names a measure another sentence names, speaks of
the others ("allowed", "otherwise", "this criterion"), or goes on from the sentence before.

Plain Python on purpose: no Django, so the parser is tested and timed on its own
(`python -m tests.parser.coverage` prints the coverage over the registry fixtures).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from screening.engine.language import RuleError, compile_rule
from screening.engine.vocabulary import ALSFRS_R_ITEMS, MEASURES, AlsfrsDomain, measure

__all__ = ["ParsedCriterion", "mentioned_measures", "parse_criterion"]

MAX_TEXT_LENGTH = 3000  # longer items are left to a clinician unread
DAYS_PER_MONTH = 30.4375

INCLUSION, EXCLUSION = "inclusion", "exclusion"


@dataclass(frozen=True, slots=True)
class ParsedCriterion:
    rule: str | None  # rule-language source, or None: needs clinician review
    note: str  # what was left as text and why; "" when the whole item is structured


# --- Rule trees ----------------------------------------------------------------------------
#
# The parser builds its own small tree, so it can negate, push negations down and drop unknown
# parts by polarity before writing the rule text. Only the rule text leaves this module.


@dataclass(frozen=True)
class Cmp:
    name: str
    op: str
    value: str  # a number as written in rules, or a category


@dataclass(frozen=True)
class Between:
    name: str
    low: str
    high: str


@dataclass(frozen=True)
class InSet:
    name: str
    members: tuple[str, ...]
    open: frozenset[str] = frozenset()  # members the wording leaves open: written "name?"
    negated: bool = False


@dataclass(frozen=True)
class Flag:
    name: str


@dataclass(frozen=True)
class Gene:
    gene: str


@dataclass(frozen=True)
class Ambiguous:
    """Wording with more than one reading, between a strongest and a weakest one: an inclusion
    keeps the weakest (every fail certain), an exclusion the strongest (every exclusion
    certain). "VC >= 50%": FVC and SVC both at least 50 .. either of them; "feeding tube":
    a gastrostomy .. any feeding tube (a nasogastric one is not recorded)."""

    strong: Node
    weak: Node
    note: str = ""  # said when the reading kept is not the whole meaning


@dataclass(frozen=True)
class Stable:
    """Days on a stable dose of `drug`; the drug may be named elsewhere in the item."""

    drug: str | None
    days: int


@dataclass(frozen=True)
class Not:
    x: Node


@dataclass(frozen=True)
class And:
    xs: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    xs: tuple[Node, ...]


@dataclass(frozen=True)
class If:
    cond: Node
    then: Node


@dataclass(frozen=True)
class Const:
    value: bool


@dataclass(frozen=True)
class Unknown:
    """Words the parser could not structure."""

    text: str
    reason: str = ""
    turning: bool = False  # holds a word such as "unless" that may turn the rest around


Node = (
    Cmp | Between | InSet | Flag | Gene | Ambiguous | Stable | Not | And | Or | If | Const
) | Unknown
TRUE, FALSE = Const(True), Const(False)


def _and(*xs: Node) -> Node:
    return xs[0] if len(xs) == 1 else And(tuple(xs))


def _or(*xs: Node) -> Node:
    return xs[0] if len(xs) == 1 else Or(tuple(xs))


_FLIPPED = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!=", "!=": "=="}


def _negated(node: Node) -> Node:
    """The negation, pushed down to the atoms."""
    match node:
        case Cmp(name, op, value):
            return Cmp(name, _FLIPPED[op], value)
        case Between(name, low, high):
            return Or((Cmp(name, "<", low), Cmp(name, ">", high)))
        case InSet():
            return replace(node, negated=not node.negated)
        case Ambiguous(strong, weak, note):
            return Ambiguous(_negated(weak), _negated(strong), note)
        case Not(x):
            return x
        case And(xs):
            return Or(tuple(_negated(x) for x in xs))
        case Or(xs):
            return And(tuple(_negated(x) for x in xs))
        case If(cond, then):  # "does not apply" stays: only the consequence turns
            return If(cond, _negated(then))
        case Const(value):
            return Const(not value)
        case Unknown():
            return node
    return Not(node)


def _nnf(node: Node) -> Node:
    match node:
        case Not(x):
            inner = _nnf(x)
            return Not(inner) if isinstance(inner, Flag | Gene | Stable) else _negated(inner)
        case And(xs):
            return And(tuple(_nnf(x) for x in xs))
        case Or(xs):
            return Or(tuple(_nnf(x) for x in xs))
        case If(cond, then):
            return If(_nnf(cond), _nnf(then))
        case Ambiguous(strong, weak, note):
            return Ambiguous(_nnf(strong), _nnf(weak), note)
    return node


@dataclass
class _Dropped:
    parts: list[Unknown] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # readings chosen among several
    collapsed: list[str] = field(default_factory=list)  # readings that left nothing to check


def _approximate(node: Node, weaker: bool, dropped: _Dropped) -> Node:
    """Replace unknown parts so the result is implied by (weaker) or implies (stronger) the
    criterion; the node must be in negation normal form."""
    match node:
        case Unknown():
            dropped.parts.append(node)
            return Const(weaker)
        case Ambiguous(strong, weak, note):
            kept = _approximate(_nnf(weak if weaker else strong), weaker, dropped)
            if note:
                (dropped.collapsed if isinstance(kept, Const) else dropped.notes).append(note)
            return kept
        case And(xs):
            return _simplified(And(tuple(_approximate(x, weaker, dropped) for x in xs)))
        case Or(xs):
            return _simplified(Or(tuple(_approximate(x, weaker, dropped) for x in xs)))
        case If(cond, then):
            # A stronger condition applies the criterion to fewer patients: safe either way.
            cond = _simplified(_approximate(cond, False, dropped))
            then = _simplified(_approximate(then, weaker, dropped))
            if cond == FALSE or then == Const(weaker):
                return Const(weaker)  # does not apply: met, or not excluded
            if cond == TRUE:
                return then
            if then == Const(not weaker):  # "if A then fail": A must not hold
                return _negated(cond) if weaker else cond
            return If(cond, then)
    return node


def _inner_ifs(node: Node, weaker: bool, top: bool = True) -> Node:
    """`if A then B` inside and/or would count as met when A fails, which would exclude in an
    exclusion: there it is written out."""
    match node:
        case If(cond, then) if not top:
            then = _inner_ifs(then, weaker, False)
            return Or((_negated(cond), then)) if weaker else And((cond, then))
        case If(cond, then):
            return If(cond, _inner_ifs(then, weaker, False))
        case And(xs):
            return _simplified(And(tuple(_inner_ifs(x, weaker, False) for x in xs)))
        case Or(xs):
            return _simplified(Or(tuple(_inner_ifs(x, weaker, False) for x in xs)))
    return node


def _simplified(node: Node) -> Node:
    match node:
        case And(xs) | Or(xs):
            is_and = isinstance(node, And)
            flat: list[Node] = []
            for x in xs:
                x = _simplified(x)
                if isinstance(x, Const):
                    if x.value != is_and:
                        return x  # a false conjunct, a true disjunct
                    continue
                for y in x.xs if isinstance(x, type(node)) else (x,):
                    if y not in flat:
                        flat.append(y)
            if not flat:
                return Const(is_and)
            return flat[0] if len(flat) == 1 else type(node)(tuple(flat))
        case If(cond, then):
            return If(_simplified(cond), _simplified(then))
    return node


def _atoms(node: Node) -> Iterator[Node]:
    match node:
        case Not(x):
            yield from _atoms(x)
        case And(xs) | Or(xs):
            for x in xs:
                yield from _atoms(x)
        case If(cond, then):
            yield from _atoms(cond)
            yield from _atoms(then)
        case _:
            yield node


# Three-valued truth for a partial patient (name -> value), used to check that a rule does not
# fail a patient the item itself says is allowed ("riluzole-naive subjects are permitted").
def _truth(node: Node, known: dict[str, object]) -> bool | None:
    match node:
        case Const(value):
            return value
        case Cmp(name, op, value):
            if name not in known:
                return None
            have = known[name]
            if op in ("==", "!="):
                return (str(have) == value) == (op == "==")
            return _compare(float(have), op, float(value))  # type: ignore[arg-type]
        case InSet(name, members, open_, negated):
            if name not in known:
                return None
            if known[name] in open_:
                return None
            return (known[name] in members) != negated
        case Flag(name):
            return known.get(name)  # type: ignore[return-value]
        case Not(x):
            value = _truth(x, known)
            return None if value is None else not value
        case And(xs):
            values = [_truth(x, known) for x in xs]
            return False if False in values else (None if None in values else True)
        case Or(xs):
            values = [_truth(x, known) for x in xs]
            return True if True in values else (None if None in values else False)
        case If(cond, then):
            value = _truth(cond, known)
            return True if value is False else _truth(then, known)
        case Ambiguous(strong, weak, _):
            values = {_truth(strong, known), _truth(weak, known)}
            return values.pop() if len(values) == 1 else None
    return None


def _compare(a: float, op: str, b: float) -> bool:
    return {">=": a >= b, ">": a > b, "<=": a <= b, "<": a < b}[op]


# --- Writing rules ---------------------------------------------------------------------------

_EL_ESCORIAL_ORDER = (
    "definite",
    "probable",
    "probable_laboratory_supported",
    "possible",
    "suspected",
)


def _source(node: Node, *, top: bool = True) -> str:
    match node:
        case Cmp(name, op, value):
            return f"{name} {op} {value}"
        case Between(name, low, high):
            return f"{name} between {low} and {high}"
        case InSet(name, members, open_, negated):
            items = ", ".join(m + ("?" if m in open_ else "") for m in members)
            return f"{name} {'not in' if negated else 'in'} {{{items}}}"
        case Flag(name):
            return name
        case Gene(gene):
            return f'"{gene}" in gene_variants'
        case Stable(drug, days):
            return f"{drug}_stable_days >= {days}"
        case Not(Gene(gene)):
            return f'"{gene}" not in gene_variants'
        case Not(x):
            inner = _source(x, top=False)
            return f"not {inner}" if isinstance(x, Flag) else f"not ({inner})"
        case And(xs):
            return " and ".join(
                f"({_source(x, top=False)})" if isinstance(x, Or | If) else _source(x, top=False)
                for x in xs
            )
        case Or(xs):
            text = " or ".join(
                f"({_source(x, top=False)})" if isinstance(x, If) else _source(x, top=False)
                for x in xs
            )
            return text
        case If(cond, then):
            text = f"if {_source(cond, top=False)} then {_source(then, top=False)}"
            return text if top else f"({text})"
    raise ValueError(f"cannot write {node!r}")


@functools.lru_cache(maxsize=4096)
def _compiled(rule: str) -> str | None:
    try:
        return compile_rule(rule).source
    except RuleError:
        return None


# --- Text with a map back to the item -----------------------------------------------------------


class _Text:
    """A rewritten text that remembers, for each character, the span of the item it came from,
    so notes can quote the item's own words."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.origin = [(i, i + 1) for i in range(len(text))]

    def sub(self, pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str]) -> None:
        if pattern.search(self.text) is None:
            return
        out: list[str] = []
        origin: list[tuple[int, int]] = []
        position = 0
        for match in pattern.finditer(self.text):
            start, end = match.span()
            out.append(self.text[position:start])
            origin.extend(self.origin[position:start])
            new = match.expand(repl) if isinstance(repl, str) else repl(match)
            if start < end:
                span = (self.origin[start][0], self.origin[end - 1][1])
            elif start < len(self.origin):
                span = (self.origin[start][0], self.origin[start][0])
            else:
                last = self.origin[-1][1] if self.origin else 0
                span = (last, last)
            out.append(new)
            origin.extend([span] * len(new))
            position = end
        out.append(self.text[position:])
        origin.extend(self.origin[position:])
        self.text = "".join(out)
        self.origin = origin

    def quote(self, base: str, start: int, end: int) -> str:
        if start >= end:
            return ""
        return base[self.origin[start][0] : self.origin[end - 1][1]].strip(" ,;:.")


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.VERBOSE)


# --- Cleaning -----------------------------------------------------------------------------------

_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_CHARACTERS = str.maketrans(
    {
        "≥": ">=",
        "≧": ">=",
        "⩾": ">=",
        "≤": "<=",
        "≦": "<=",
        "⩽": "<=",
        "–": "-",
        "—": "-",
        "−": "-",
        "‐": "-",
        "‑": "-",
        "“": '"',
        "”": '"',
        "„": '"',
        "‘": "'",
        "’": "'",
        "´": "'",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "ï": "i",
        "İ": "I",
        "®": "",
        "™": "",
    }
)
_BULLET = re.compile(r"^\s*(?:[-*•·]+|\(?\d{1,2}[.)]|\(?[ivx]{1,4}\))\s+", re.IGNORECASE)
_DANGLING = re.compile(r"(?:^|[\s,;])(and/or|and|or)\s*[,;:.]*\s*$", re.IGNORECASE)


def _clean(text: str) -> str:
    text = _ESCAPE.sub(r"\1", text).translate(_CHARACTERS)
    text = " ".join(text.split())
    text = _BULLET.sub("", text)
    return text.strip(" ,;")


# Comparison words become operators before the facts are looked for. Order matters: longer
# phrases first.
_NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "fourteen": "14",
    "fifteen": "15",
    "eighteen": "18",
    "twenty": "20",
    "thirty": "30",
    "sixty": "60",
    "ninety": "90",
}
_UNIT_AHEAD = (
    r"(?=[\s-]+(?:consecutive\s+|continuous\s+|full\s+)?"
    r"(?:days?|weeks?|months?|years?|points?|hours?|cycles?)\b)"
)
_GE, _LE = " >= ", " <= "
_REWRITES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (
        _rx(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b" + _UNIT_AHEAD),
        lambda m: _NUMBER_WORDS[m[1].lower()],
    ),
    (_rx(r"\b(for|least|of|>=)\s+a(?=\s+(?:day|week|month|year)\b)"), r"\1 1"),
    (_rx(r"\(\s*(?:greater\ than\ or\ equal\ to|>\s*=|>=)\s*\)\s*(?=>=|>\s*=)"), ""),
    (_rx(r">\s*=|=\s*>"), ">="),
    (_rx(r"<\s*=|=\s*<"), "<="),
    (_rx(r">\s*or\s+equal(?:\s+to)?"), ">="),
    (_rx(r"<\s*or\s+equal(?:\s+to)?"), "<="),
    (_rx(r"\b(?:greater|more|higher|superior)\s+than\s+or\s+equal\s+to\b"), _GE),
    (_rx(r"\b(?:less|lower|fewer|inferior|smaller)\s+than\s+or\s+equal\s+to\b"), _LE),
    (
        _rx(r"\bequal\s+(?:to\s+)?or\s+(?:greater|more|higher|superior|above)(?:\s+than|\s+to)?\b"),
        _GE,
    ),
    (_rx(r"\bequal\s+(?:to\s+)?or\s+(?:less|lower|inferior|below)(?:\s+than|\s+to)?\b"), _LE),
    (_rx(r"\b(?:greater|more|higher|superior)\s+or\s+equal(?:\s+to|\s+than)?\b"), _GE),
    (_rx(r"\b(?:less|lower|inferior|smaller)\s+or\s+equal(?:\s+to|\s+than)?\b"), _LE),
    (_rx(r"\b(?:at\s+least|(?:not|no)\s+less\s+than|(?:a\s+)?minimum\s+of)\b"), _GE),
    (_rx(r"\b(?:must\s+|should\s+)?not\s+be\s+(?:less|lower)\s+than\b"), _GE),
    (_rx(r"\b(?:must\s+|should\s+)?not\s+be\s+(?:more|greater|higher)\s+than\b"), _LE),
    (_rx(r"\b(?:no|not)\s+(?:more|greater|longer|older)\s+than\b"), _LE),
    (_rx(r"\b(?:must\s+|should\s+|does\s+|do\s+)?not\s+exceed(?:ing)?\b"), _LE),
    (_rx(r"\bup\s+to\b(?=\s*\d)"), _LE),
    (_rx(r"\bwithin(?:\s+the)?(?:\s+(?:past|last|preceding|previous|prior))?\b(?=\s*\d)"), _LE),
    (_rx(r"\bolder\s+than\s+(\d{1,3})(?:\s+years?)?(?:\s+(?:of\s+age|old))?"), r" > \1 years old"),
    (
        _rx(r"\byounger\s+than\s+(\d{1,3})(?:\s+years?)?(?:\s+(?:of\s+age|old))?"),
        r" < \1 years old",
    ),
    (_rx(r"\b(?:more|greater|higher|longer|older|superior)\s+than\b"), " > "),
    (_rx(r"\b(?:less|fewer|lower|shorter|younger|inferior)\s+than\b"), " < "),
    (_rx(r"\b(?:over|above|exceeding|exceeds|beyond|superior\s+to)\b(?=\s*\d)"), " > "),
    (_rx(r"\b(?:under|below|inferior\s+to)\b(?=\s*\d)"), " < "),
    # Postfix forms: "50+%", "60% or more", "18 years or older", "age 18 and above".
    (_rx(r"(\d+(?:\.\d+)?)\s*\+\s*(%?)"), r" >= \1\2 "),
    (_rx(r"(\d+)\s+(years?)\s+(?:or|and)\s+older\b"), r" >= \1 \2 old "),
    (
        _rx(
            r"(\d+(?:\.\d+)?)(\s*%|\s+(?:years?|months?|points?|kg)(?:\s+(?:of\s+age|old))?)?"
            r"\s+(?:or|and)\s+(?:more|greater|higher|above|older|over)\b"
        ),
        r" >= \1\2 ",
    ),
    (
        _rx(
            r"(\d+(?:\.\d+)?)(\s*%|\s+(?:years?|months?|points?|kg))?"
            r"\s+or\s+(?:less|fewer|lower|below|younger|under)\b"
        ),
        r" <= \1\2 ",
    ),
    (_rx(r"\s*(<=|>=|<|>)\s*"), r" \1 "),
    (_rx(r"\s{2,}"), " "),
)


# Every fact holds a number: an item without one needs no rewriting.
_NUMERIC = _rx(r"\d|\b(?:" + "|".join(_NUMBER_WORDS) + r")\b|\ba\s+(?:day|week|month|year)\b")


def _rewritten(base: str) -> _Text:
    text = _Text(base)
    if _NUMERIC.search(base):
        for pattern, repl in _REWRITES:
            text.sub(pattern, repl)
    return text


# --- Facts ------------------------------------------------------------------------------------


@dataclass
class _Fact:
    start: int
    end: int
    node: Node
    kind: str  # what it is about: "age", "vc", "drug", "condition", ...
    absorbs: frozenset[str] = frozenset()  # words of the item that belong to this fact
    notes: tuple[str, ...] = ()
    condition: bool = False  # "in case of bulbar onset", "if taking riluzole": scopes the rest
    strict: bool = False  # any word left over in its part means the fact was misread


_FILLER = _wordset(
    """
    a an the of with to in on at by as is are was were be been being have has had having
    must should shall will would who that which whose whom patient patients patient's
    subject subjects subject's participant participants participant's volunteer volunteers
    individual individuals people person persons those they their his her his/her he/she
    also all any both either main key criteria criterion inclusion exclusion als
    amyotrophic lateral sclerosis mnd als/mnd for can specifically namely ie i.e among
    """
)

# Words that change what a fact measures or whether it applies: a segment holding one of them
# (not claimed by its fact) is not structured.
_KILL = _wordset(
    """
    no not non without absence never nor decline declined declining decrease decreased
    loss lost drop dropped change changes changed slope worsening worsened deterioration
    deteriorated deteriorating improvement improved increase increased reduction reduced
    gain difference delta fall run-in each every average mean median risk anticipated
    anticipate planned plan planning plans expected expect expects need needs needed
    require required requires requirement requiring candidate contraindication
    contraindications contraindicated refuse refused refusal refuses intolerance
    intolerant allergy allergic allergies hypersensitivity relative relatives family
    likely unlikely may might probably indication indicated consider considered
    considering willing unwilling able unable inability ability wish want wants intend
    intention intent future upcoming scheduled previous previously prior former ever past
    history waking awake daytime nocturnal night nighttime sleep sleeping newly started
    starting initiated initiating stopped stopping discontinued intravenous iv injection
    infusion oral route dependent dependence rapid slow fast faster slower progressors
    between and or than else other another less more ratio times
    """
)

# Words that may turn the rest of the item around; an item whose left-out part holds one of
# these is not structured at all.
_TURNING = re.compile(
    r"\b(?:unless|except(?:ing)?|excluding|other\s+than|apart\s+from|if|when|whenever|where|"
    r"provided|only|allowed|permitted|acceptable|eligible|ineligible|otherwise|instead|"
    r"alternatively|in\s+case|but|however|although|though|as\s+long\s+as|with\s+the\s+exception"
    r"|nor)\b",
    re.IGNORECASE,
)


def _o(suffix: str = "") -> str:
    return rf"(?P<op{suffix}>>=|<=|>|<|==?)"


def _n(suffix: str = "") -> str:
    return rf"(?P<num{suffix}>\d{{1,4}}(?:\.\d{{1,3}})?)"


_OP, _NUM = _o(), _n()


def _number(text: str) -> str:
    value = float(text)
    return str(int(value)) if value.is_integer() else repr(value)


def _in_range(name: str, *values: str) -> bool:
    m = measure(name)
    for value in values:
        number = float(value)
        if m.minimum is not None and number < m.minimum:
            return False
        if m.maximum is not None and number > m.maximum:
            return False
    return True


def _op(text: str) -> str:
    return "==" if text in ("=", "==") else text


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:['./-][a-z0-9]+)*|[<>=*+%|]", text.lower())


# Each finder returns facts in the lowered, rewritten text; it runs only on items holding one of
# its keywords, which keeps a whole registry well under a second.
_Finder = Callable[[str], Iterator[_Fact]]
_FINDERS: list[tuple[re.Pattern[str], _Finder]] = []


def _finder(keywords: str) -> Callable[[_Finder], _Finder]:
    gate = re.compile(keywords)

    def register(function: _Finder) -> _Finder:
        _FINDERS.append((gate, function))
        return function

    return register


# Age ----------------------------------------------------------------------------------------

_AGE_WORDS = _wordset(
    """
    age ages aged year years yrs yr old between inclusive adult adults time screening
    informed consent obtaining from
    """
)
_YEARS = r"(?:\s*(?:years?|yrs?\.?|y)\b)?"
_AGE_RANGE = _rx(
    rf"""(?:\b(?:age[sd]?|aged)\b\s*:?\s*(?:of\s+)?(?:between\s+)?(?:>=\s*)?|\bbetween\s+(?:the\s+)?ages?\s+of\s+)?
    (?P<low>\d{{1,3}}){_YEARS}\s*(?:-|to|and)\s*(?P<high>\d{{1,3}}){_YEARS}
    (?P<tail>\s*(?:of\s+age|old))?(?:\s*,?\s*\(?inclusive\)?)?"""
)
_AGE_BOUND = _rx(
    rf"""\b(?:age[sd]?|aged)\b\s*:?\s*(?:of\s+)?(?:be\s+)?{_OP}\s*{_NUM}{_YEARS}(?:\s*(?:of\s+age|old))?
    |{_o("2")}\s*{_n("2")}\s*(?:years?|yrs?)\s+(?:of\s+age|old)\b"""
)
_AGE_SANDWICH = _rx(
    r"(?P<low>\d{1,3})\s*(?P<op1><=|<)\s*age\s*(?P<op2><=|<)\s*(?P<high>\d{1,3})"
    r"(?:\s*(?:years?|yrs?)(?:\s*old)?)?"
)
_AGE_TWO_BOUNDS = _rx(
    r"(?P<op1>>=|>)\s*(?P<low>\d{1,3})(?:\s*years?)?\s+and\s+(?P<op2><=|<)\s*(?P<high>\d{1,3})"
    r"\s*(?:years?|yrs?)\s+(?:of\s+age|old)\b"
)
_AGE_OUTSIDE = _rx(
    r"(?P<op1><=|<)\s*(?P<low>\d{1,3})\s*years?\s+or\s+(?P<op2>>=|>)\s*(?P<high>\d{1,3})"
    r"\s*years?\s+(?:of\s+age|old)\b"
)


# "18 < age": the same bound read from the other side (not its negation).
_MIRRORED = {"<": ">", "<=": ">="}


@_finder(r"age|year|yrs|old")
def _age(low: str) -> Iterator[_Fact]:
    for m in _AGE_SANDWICH.finditer(low):
        if _in_range("age", m["low"], m["high"]):
            node = (
                Between("age", _number(m["low"]), _number(m["high"]))
                if m["op1"] == m["op2"] == "<="
                else And(
                    (
                        Cmp("age", _MIRRORED[m["op1"]], _number(m["low"])),
                        Cmp("age", m["op2"], _number(m["high"])),
                    )
                )
            )
            yield _Fact(*m.span(), node, "age", _AGE_WORDS)
    for m in _AGE_TWO_BOUNDS.finditer(low):
        if _in_range("age", m["low"], m["high"]):
            node = And(
                (Cmp("age", m["op1"], _number(m["low"])), Cmp("age", m["op2"], _number(m["high"])))
            )
            yield _Fact(*m.span(), node, "age", _AGE_WORDS)
    for m in _AGE_OUTSIDE.finditer(low):
        if _in_range("age", m["low"], m["high"]):
            node = Or(
                (Cmp("age", m["op1"], _number(m["low"])), Cmp("age", m["op2"], _number(m["high"])))
            )
            yield _Fact(*m.span(), node, "age", _AGE_WORDS)
    for m in _AGE_RANGE.finditer(low):
        text = m[0]
        alone = re.fullmatch(r"\W*(?:patients?\s+)?", low[: m.start()]) and re.fullmatch(
            r"\W*", low[m.end() :]
        )  # "18-80 years" as the whole item
        has_context = (
            bool(re.match(r"\s*(?:age|between)", text))
            or bool(m["tail"])
            or bool(alone and re.search(r"\d\s*(?:years?|yrs?)\W*$", text))
        )
        if not has_context or not _in_range("age", m["low"], m["high"]):
            continue
        if int(m["low"]) >= int(m["high"]):
            continue
        node = Between("age", _number(m["low"]), _number(m["high"]))
        yield _Fact(*m.span(), node, "age", _AGE_WORDS)
    for m in _AGE_BOUND.finditer(low):
        op, num = (m["op"], m["num"]) if m["op"] else (m["op2"], m["num2"])
        if op and _in_range("age", num) and op != "==":
            yield _Fact(*m.span(), Cmp("age", _op(op), _number(num)), "age", _AGE_WORDS)


# Sex ---------------------------------------------------------------------------------------

_SEX = _rx(
    r"""(?:(?:patients?|subjects?|participants?)\s+)?
    (?:males?\s+(?:or|and|/)\s+females?|females?\s+(?:or|and|/)\s+males?|men\s+(?:and|or)\s+women
    |women\s+(?:and|or)\s+men|males?\s*/\s*females?|both\s+genders?|both\s+sexes(?:\s+are\s+acceptable)?
    |(?:,\s*)?regardless\s+of\s+(?:gender|sex)|either\s+sex|any\s+gender)
    (?:\s+(?:patients?|subjects?|participants?))?"""
)


@_finder(r"male|men\b|gender|sex")
def _sex(low: str) -> Iterator[_Fact]:
    # Only where the item (or a clause of it) starts with it: "both for males and females" in
    # a contraception item is not a sex criterion.
    for start in _clause_starts(low):
        m = _SEX.match(low, start)
        if m:
            node = InSet("sex", ("female", "male"))
            yield _Fact(m.start(), m.end(), node, "sex", frozenset({"gender", "sex"}))


def _clause_starts(low: str) -> Iterator[int]:
    yield 0
    for m in re.finditer(r"[,;.]\s+|\band\s+", low):
        yield m.end()


# Pregnancy and breastfeeding ------------------------------------------------------------------

_PREGNANCY_ATOM = _rx(
    r"""(?P<negpreg>negative\s+(?:urine\s+|serum\s+)?pregnancy\s+test)
    |(?P<notbf>non-?lactating|non-?nursing)
    |(?<!become\ )(?<!get\ )(?<!probably\ )(?<!may\ be\ )(?<!planning\ )(?<!plan\ )(?<!positive\ )
     (?P<preg>pregnan(?:t|cy)\b)(?!\s+test)
    |(?P<bf>breast[- ]?feeding|breast\s+feeding|lactating|lactation|nursing)"""
)
_PREGNANCY_GLUE = re.compile(
    r"^(?:\s|,|/|\bor\b|\band\b|\band/or\b|\bwomen\b|\bwoman\b|\bfemales?\b|\bmothers?\b"
    r"|\bpatients?\b|\bwho\b|\bare\b|\bcurrently\b)*$"
)
# Pregnancy implies being able to become pregnant: "in women of childbearing potential" adds
# nothing to a pregnancy fact.
_PREGNANCY_WORDS = _wordset(
    """
    women woman female females mother mothers currently who are is patients patient
    participants childbearing child-bearing child bearing potential capacity age
    pre-menopausal premenopausal provide
    """
)


@_finder(r"pregnan|lact|nursing|breast")
def _pregnancy(low: str) -> Iterator[_Fact]:
    atoms: list[tuple[int, int, Node, bool]] = []
    for m in _PREGNANCY_ATOM.finditer(low):
        if m["negpreg"]:
            atoms.append((m.start(), m.end(), Not(Flag("pregnant")), False))
        elif m["notbf"]:
            atoms.append((m.start(), m.end(), Not(Flag("breastfeeding")), False))
        elif m["preg"]:
            atoms.append((m.start(), m.end(), Flag("pregnant"), True))
        else:
            atoms.append((m.start(), m.end(), Flag("breastfeeding"), True))
    group: list[tuple[int, int, Node, bool]] = []
    for atom in [*atoms, None]:
        if (
            atom is not None
            and group
            and atom[3] == group[-1][3]
            and _PREGNANCY_GLUE.match(low[group[-1][1] : atom[0]])
        ):
            group.append(atom)
            continue
        if group:
            nodes = tuple(dict.fromkeys(a[2] for a in group))
            node = _or(*nodes) if group[0][3] else _and(*nodes)
            yield _Fact(group[0][0], group[-1][1], node, "pregnancy", _PREGNANCY_WORDS)
        group = [atom] if atom is not None else []


# Vital capacity ---------------------------------------------------------------------------------

_VC_TERM = r"""(?:(?P<pct>percent\s+|%\s*)?(?:
    (?P<either>\b[fs]\.?v\.?c\b\s+(?:or|and/or)\s+\b[fs]\.?v\.?c\b)
  | (?P<fvc>\bf\.?v\.?c\b\.?(?:\s*\(forced\s+vital\s+capacity\))?
      |forced\s+vital\s+capacity(?:\s*\(fvc\))?)
  | (?P<svc>\bs\.?v\.?c\b\.?|slow\s+vital\s+capacity(?:\s*\(svc\))?|slow\s+vc\b)
  | (?P<vc>vital\s+capacity(?:\s*\(vc\))?|\bvc\b)))"""
_VC_GAP = r"(?P<gap>(?:\s+[a-z()-]+){0,6}?)"
_VC = _rx(
    rf"""{_VC_TERM}{_VC_GAP}\s*(?:
      (?:of\s+)?{_OP}\s*{_NUM}\s*(?P<unit>%|percent\b)?
    | between\s+(?P<low>\d{{1,3}}(?:\.\d)?)\s*%\s*and\s+(?P<high>\d{{1,3}}(?:\.\d)?)\s*%)"""
)
_VC_WORDS = _wordset(
    """
    test measure measured measurement value values predicted normal capacity pulmonary
    function testing lung best sitting best-sitting upright seated baseline screening
    visit percent % of the at for gender sex height age ethnicity adjusted
    """
)


def _between(name: str, low: str, high: str) -> Node:
    return Between(name, low, high)


def _cmp(name: str, op: str, value: str) -> Node:
    return Cmp(name, op, value)


def _either_vc(atom: Callable[[str], Node]) -> Node:
    """Unqualified "vital capacity": either measurement may be used."""
    pair = (atom("fvc_percent"), atom("svc_percent"))
    return Ambiguous(And(pair), Or(pair))


@_finder(r"vc\b|v\.c|capacity")
def _vital_capacity(low: str) -> Iterator[_Fact]:
    for m in _VC.finditer(low):
        gap = _words(m["gap"])
        if any(word not in _VC_WORDS and word not in _FILLER for word in gap):
            continue
        after = low[m.end() : m.end() + 40]
        percent = bool(
            m["pct"] or m["unit"] or m["low"] or re.match(r"\s*(?:of\s+)?predicted", after)
        )
        if not percent:
            continue
        names = ["fvc_percent"] if m["fvc"] else ["svc_percent"] if m["svc"] else []  # else either
        if m["vc"] and re.search(r"defined\s+as\s+slow\s+vital\s+capacity", low):
            names = ["svc_percent"]
        if m["low"]:
            if not _in_range("fvc_percent", m["low"], m["high"]) or float(m["low"]) >= float(
                m["high"]
            ):
                continue
            low_, high_ = _number(m["low"]), _number(m["high"])
            node: Node = (
                Between(names[0], low_, high_)
                if names
                else _either_vc(functools.partial(_between, low=low_, high=high_))
            )
        else:
            if not _in_range("fvc_percent", m["num"]):
                continue
            op, value = _op(m["op"]), _number(m["num"])
            node = (
                Cmp(names[0], op, value)
                if names
                else _either_vc(functools.partial(_cmp, op=op, value=value))
            )
        yield _Fact(*m.span(), node, "vc", _VC_WORDS)


# ALSFRS-R ------------------------------------------------------------------------------------

_R = r"""(?:alsfrs[- ]?r\b|als-frs-r\b
    |als\s+functional\s+rating\s+scale[- ]?revised(?:\s*\(alsfrs-r\))?
    |revised\s+als\s+functional\s+rating\s+scale
    |als\s+functional\s+(?:rating\s+)?scale\s+score\s*\(alsfrs-r\))"""
# The original 40-point ALSFRS, or a name that does not say which scale.
_UNCLEAR_SCALE = _rx(
    r"""\bals-?frs\b(?![- ]?r\b)|\balsfrs\b(?![- ]?r\b)
    |als\s+functional\s+rating\s+scale(?![- ]?revised)(?!\s*\(alsfrs-r\))"""
)
_ITEM_NAMES = {item.name.replace("_", " "): item for item in ALSFRS_R_ITEMS} | {
    "climbing stairs": ALSFRS_R_ITEMS[8],
    "cutting food": ALSFRS_R_ITEMS[4],
    "turning in bed": ALSFRS_R_ITEMS[6],
    "dressing and hygiene": ALSFRS_R_ITEMS[5],
}
_ITEM_NAME = "|".join(sorted(map(re.escape, _ITEM_NAMES), key=len, reverse=True))
_DOMAINS = {d.label: d for d in AlsfrsDomain}
_DOMAIN_NAME = "|".join(map(re.escape, _DOMAINS))
_ALSFRS_WORDS = _wordset(
    """
    total score scores overall scale rating functional revised point points at screening
    visit baseline the of on in should be must need meet following criteria patients item
    items individual component other alsfrs-r
    """
)
_ALSFRS_TOTAL = _rx(
    rf"""{_R}(?P<gap>(?:\s+(?:total|score|scores|of|at|screening|is|should|be|must|the|overall)){{0,4}})
    \s*:?\s*{_OP}\s*{_NUM}(?:\s*points?)?(?P<higher>\s+higher)?
    |score\s+(?:of\s+)?{_o("2")}\s*(?P<num2>\d{{1,2}})\s+(?:points?\s+)?(?:on|in)\s+(?:the\s+)?{_R}"""
)
_ALSFRS_RANGE = _rx(
    rf"""{_R}(?:\s+(?:total|score|of|the)){{0,3}}\s+(?:should\s+be\s+)?between
    \s+(?P<low>\d{{1,2}})\s+and\s+(?P<high>\d{{1,2}})(?:\s*points?)?(?:,?\s*inclusive)?"""
)
_ALSFRS_DOMAIN = _rx(
    rf"""(?:{_R}\s+)?(?P<domain>{_DOMAIN_NAME})\s+(?:sub-?scale|sub-?score|domain)(?:\s+score)?\s*
    (?:of\s+(?:the\s+)?{_R}\s*)?{_OP}\s*{_NUM}(?:\s*points?)?
    |(?:the\s+)?sum\s+of\s+(?:the\s+)?(?:3|three)\s+(?P<domain2>{_DOMAIN_NAME})\s+items(?:\s+(?:on|of)\s+(?:the\s+)?{_R})?
    (?:\s+(?:must|should))?(?:\s+(?:total|be))?\s*{_o("2")}\s*(?P<num2>\d{{1,2}})(?:\s*points?)?"""
)
_ALSFRS_ITEM = _rx(
    rf"""score\s+{_OP}\s*{_NUM}\s+(?:points?\s+)?(?:at|on|in|for)\s+(?:the\s+)?item\s*"?(?P<name>{_ITEM_NAME})"?
    (?:\s+of\s+(?:the\s+)?{_R})?
    |(?:a\s+score\s+of\s+)?{_o("2")}\s*(?P<num2>\d)\s+(?:points?\s+)?on\s+item\s*(?:\#|no\.?\s*)?(?P<number>\d{{1,2}})
    |item\s*(?:\#|no\.?\s*)?(?P<number2>\d{{1,2}})\s*:\s*{_o("3")}\s*(?P<num3>\d)\s*points?"""
)
_ALSFRS_EACH = _rx(
    rf"""{_OP}\s*{_NUM}\s+(?:points?\s+)?on\s+each\s+of\s+the\s+(?:(?P<all>12|twelve)|remaining\s+(?P<rest>\d{{1,2}}))
    \s+(?:{_R}\s+)?(?:individual\s+)?(?:component\s+)?items
    |each\s+of\s+the\s+(?P<all2>12|twelve)\s+(?:{_R}\s+)?(?:individual\s+)?(?:component\s+)?items(?:\s+(?:of\s+the\s+)?{_R})?
    \s+(?:(?:must|should)\s+be\s+)?(?:scored\s+)?{_o("2")}\s*{_n("2")}(?:\s+points?)?"""
)
# "a score, at screening, of at least 26 overall, including ..." (the scale is named later on)
_ALSFRS_OVERALL = _rx(
    rf"score,?\s*(?:at\s+screening,?\s*)?of\s+{_OP}\s*{_NUM}\s+overall(?:,?\s+including)?"
)
_AT_RANDOMIZATION = _rx(
    r"(?:and\s+)?with\s+a\s+score,?\s*at\s+randomi[sz]ation,?\s*of\s+>=\s*\d\s+on\s+each\s+of\s+the\s+(?:12|twelve)\s+"
    rf"(?:{_R}\s+)?(?:individual\s+)?(?:component\s+)?items"
)
_PROGRESSION = _rx(
    rf"""(?:{_R}\s+)?(?:score\s+)?progression(?:\s+rate)?
    (?:\s*\((?:measured\s+)?between\s+(?:disease\s+)?onset\s+and\s+screening\)|\s+between\s+(?:the\s+)?onset\s+of\s+the\s+disease\s+and\s+screening)?
    (?:\s+(?:should|must)\s+be|\s+of|\s+is)?\s*
    (?:{_OP}\s*{_NUM}|between\s+(?P<low>\d(?:\.\d{{1,2}})?)\s+and\s+(?P<high>\d(?:\.\d{{1,2}})?))
    \s*(?:points?\s*)?(?:/|per)\s*month
    |\(\s*48\s*-\s*(?:the\s+)?(?:{_R}\s+)?(?:total\s+)?score\s*\)\s*/\s*(?:the\s+)?(?:number\s+of\s+)?months\s+since\s+
    (?:the\s+)?(?:first\s+symptoms?|symptom\s+onset|onset)\s*(?:of\s+)?{_o("2")}\s*(?P<num2>\d(?:\.\d{{1,2}})?)"""
)


@_finder(r"als|item|score")
def _alsfrs(low: str) -> Iterator[_Fact]:
    if _UNCLEAR_SCALE.search(low):
        return  # the item says "ALSFRS" or "ALS-FRS": no threshold is read from it
    for m in _ALSFRS_TOTAL.finditer(low):
        op, num = (m["op"], m["num"]) if m["op"] else (m["op2"], m["num2"])
        if not _in_range("alsfrs_r", num) or op == "==":
            continue
        node: Node = Cmp("alsfrs_r", op, _number(num))
        if m["higher"]:
            if op != ">":
                continue
            # "> 24 higher": more than 24, or 24 and higher
            note = f"'> {_number(num)} higher' read both as more than and as at least {num}."
            node = Ambiguous(node, Cmp("alsfrs_r", ">=", _number(num)), note)
        yield _Fact(*m.span(), node, "alsfrs", _ALSFRS_WORDS)
    for m in _ALSFRS_RANGE.finditer(low):
        if _in_range("alsfrs_r", m["low"], m["high"]) and int(m["low"]) < int(m["high"]):
            node = Between("alsfrs_r", _number(m["low"]), _number(m["high"]))
            yield _Fact(*m.span(), node, "alsfrs", _ALSFRS_WORDS)
    for m in _ALSFRS_DOMAIN.finditer(low):
        domain = _DOMAINS[m["domain"] or m["domain2"]]
        op, num = (m["op"], m["num"]) if m["op"] else (m["op2"], m["num2"])
        name = f"alsfrs_r_{domain.value}"
        if _in_range(name, num):
            yield _Fact(*m.span(), Cmp(name, op, _number(num)), "alsfrs", _ALSFRS_WORDS)
    for m in _ALSFRS_ITEM.finditer(low):
        if m["name"]:
            item, op, num = _ITEM_NAMES[m["name"]], m["op"], m["num"]
        else:
            number = int(m["number"] or m["number2"])
            if not 1 <= number <= len(ALSFRS_R_ITEMS):
                continue
            item = ALSFRS_R_ITEMS[number - 1]
            op, num = (m["op2"], m["num2"]) if m["op2"] else (m["op3"], m["num3"])
        if _in_range(item.measure_name, num):
            node = Cmp(item.measure_name, op, _number(num))
            yield _Fact(*m.span(), node, "alsfrs_item", _ALSFRS_WORDS)
    if re.search(_R, low, re.IGNORECASE | re.VERBOSE):
        for m in _ALSFRS_OVERALL.finditer(low):
            if _in_range("alsfrs_r", m["num"]) and m["op"] != "==":
                node = Cmp("alsfrs_r", m["op"], _number(m["num"]))
                yield _Fact(*m.span(), node, "alsfrs", _ALSFRS_WORDS)
    later = [m.span() for m in _AT_RANDOMIZATION.finditer(low)]
    for start, end in later:
        note = "The repeat of the item scores at randomization is checked at the site."
        yield _Fact(start, end, TRUE, "alsfrs_later", notes=(note,))
    for m in _ALSFRS_EACH.finditer(low):
        if any(a <= m.start() < b for a, b in later):
            continue
        op, num = (m["op"], m["num"]) if m["op"] else (m["op2"], m["num2"])
        if _in_range("alsfrs_r_lowest_item", num) and op in (">=", ">"):
            node = Cmp("alsfrs_r_lowest_item", op, _number(num))
            kind = "alsfrs_each" if m["all"] or m["all2"] else f"alsfrs_rest:{m['rest']}"
            yield _Fact(*m.span(), node, kind, _ALSFRS_WORDS)
    for m in _PROGRESSION.finditer(low):
        if m["low"]:
            if float(m["low"]) >= float(m["high"]):
                continue
            node: Node = Between("alsfrs_r_progression_rate", _number(m["low"]), _number(m["high"]))
        else:
            op, num = (m["op"], m["num"]) if m["op"] else (m["op2"], m["num2"])
            node = Cmp("alsfrs_r_progression_rate", op, _number(num))
        words = _ALSFRS_WORDS | {
            "measured",
            "between",
            "onset",
            "disease",
            "and",
            "rate",
            "progression",
        }
        yield _Fact(*m.span(), node, "alsfrs", words)


# Norris ------------------------------------------------------------------------------------

_NORRIS = _rx(
    rf"""{_OP}\s*{_NUM}\s+(?:points?\s+)?(?:on|in)\s+(?:the\s+)?norris\s+(?P<part>bulbar|spinal|limb)\s+(?:scale|score|subscale)
    |norris\s+(?P<part2>bulbar|spinal|limb)\s+(?:scale\s+|score\s+)?(?:of\s+)?{_o("2")}\s*(?P<num2>\d{{1,2}})"""
)


@_finder(r"norris")
def _norris(low: str) -> Iterator[_Fact]:
    for m in _NORRIS.finditer(low):
        part = m["part"] or m["part2"]
        name = "norris_bulbar" if part == "bulbar" else "norris_limb"
        op, num = (m["op"], m["num"]) if m["op"] else (m["op2"], m["num2"])
        if _in_range(name, num):
            yield _Fact(
                *m.span(),
                Cmp(name, op, _number(num)),
                "norris",
                frozenset({"points"}),
            )


# Onset region ------------------------------------------------------------------------------

_BULBAR_ONSET = r"(?:bulbar[- ]onset(?:\s+(?:als|disease))?|primary\s+bulbar\s+(?:paralysis|palsy))"
_ONSET_CONDITION = _rx(
    rf"(?:in\s+case\s+of|in\s+(?:patients|those|participants)\s+with|for\s+(?:patients|those|participants)\s+with|if)\s+{_BULBAR_ONSET},?"
)
_ONSET_REGION = _rx(rf"{_BULBAR_ONSET}|(?P<limb>(?:limb|spinal)[- ]onset(?:\s+(?:als|disease))?)")


@_finder(r"onset|bulbar")
def _onset_region(low: str) -> Iterator[_Fact]:
    taken: list[tuple[int, int]] = []
    for m in _ONSET_CONDITION.finditer(low):
        taken.append(m.span())
        node = Cmp("onset_region", "==", "bulbar")
        yield _Fact(*m.span(), node, "onset_region", condition=True)
    for m in _ONSET_REGION.finditer(low):
        if any(a <= m.start() < b for a, b in taken):
            continue
        node = Cmp("onset_region", "==", "limb" if m["limb"] else "bulbar")
        yield _Fact(*m.span(), node, "onset_region", frozenset({"onset", "with"}))


# Disease duration ------------------------------------------------------------------------------

_DURATION_UNIT = r"(?P<unit>months?|mos?\b\.?|years?|yrs?\b\.?)"
_ONSET_TERM = r"""(?:
    (?:als\s+)?symptom\s+onset
      (?:\s+of\s+(?:muscle\s+)?weakness(?:\s+or\s+(?:spasticity|speech\s+impairment))?)?
  | (?:the\s+)?onset\s+of\s+(?:als\s+)?(?:disease\s+)?
      (?:(?:the\s+)?(?:symptoms?|(?:progressive\s+|progression\s+|muscle\s+|motor\s+)?weakness))
      (?:\s+or\s+(?:spasticity|speech\s+impairment))?(?:,?\s+including\s+limb\s+weakness,?)?
  | (?:the\s+)?onset\s+of\s+(?:als|the\s+disease)
  | onset(?=\s+of\s+(?:<=|<)) | onset\s+of\s+muscle\s+weakness
  | (?:the\s+)?first\s+(?:als\s+)?symptoms?(?:\s+of\s+als)?
  | (?:first\s+)?clinical\s+weakness
  | (?:als\s+)?disease\s+duration(?:\s+from\s+(?:first\s+)?symptoms?\s+onset)?
  | (?:time|months|duration)\s+since\s+(?:the\s+)?(?:first\s+)?(?:als\s+)?(?:symptom\s+)?onset
  | duration\s+of\s+(?:als\s+)?(?:symptoms|disease)
  | (?:als|amyotrophic\s+lateral\s+sclerosis)\s+history
  | (?:progressive\s+)?motor\s+weakness
  | evolution\s+of\s+the\s+disease)"""
_DIAGNOSIS_TERM = r"""(?:(?:als\s+)?disease\s+duration\s+from\s+diagnosis
    |(?:time|months|duration)\s+since\s+(?:the\s+)?(?:als\s+)?diagnosis
    |(?:the\s+)?diagnosis\s+of\s+als|diagnosed\s+with\s+als|(?:als\s+)?diagnosis)"""
_SPAN = rf"""(?:{_OP}\s*{_NUM}\s*{_DURATION_UNIT}?
      (?:\s+and\s+{_o("2")}\s*(?P<num2>\d{{1,3}}(?:\.\d)?)\s*(?P<unit2>months?|years?))?
    | (?:in\s+the\s+range\s+of\s+|between\s+)(?P<low>\d{{1,3}})\s*(?:-|to|and)\s*(?P<high>\d{{1,3}})
      \s*(?P<unit3>months?|years?))"""
_TAIL = r"""(?:\s+(?:duration
    |(?:prior\s+to|before)\s+(?:the\s+)?(?:screening|screen|study|enroll?ment|inclusion|study\s+entry
      |baseline|informed\s+consent)(?:\s+visit)?
    |at\s+the\s+screening\s+visit))?"""
_ONSET_FORWARD = _rx(
    rf"(?P<term>{_ONSET_TERM})(?P<gap>(?:\s+[a-z/]+){{0,5}}?)\s*(?:of\s+)?{_SPAN}{_TAIL}"
)
_ONSET_BACKWARD = _rx(rf"{_SPAN}\s+(?:since|after|from|of)\s+(?P<term>{_ONSET_TERM}){_TAIL}")
_DIAGNOSIS_FORWARD = _rx(
    rf"""(?P<term>{_DIAGNOSIS_TERM})(?P<gap>(?:\s+[a-z/]+){{0,3}}?)\s*\(?\s*{_SPAN}\s*
    (?:(?:before|prior\s+to)\s+(?:the\s+)?(?:inclusion|screening|enroll?ment|study\s+entry)(?:\s+visit)?)?\)?"""
)
_DIAGNOSIS_BACKWARD = _rx(rf"{_SPAN}\s+since\s+(?:als\s+)?diagnosis")
_DURATION_GAP = _wordset(
    """
    of the als disease symptoms symptom onset first weakness muscle due to experienced
    experiences having has have his/her with duration history should must
    """
)
_DURATION_WORDS = _DURATION_GAP | _wordset(
    """
    prior before screening screen visit enrollment enrolment study entry inclusion
    baseline at diagnosis diagnosed time informed consent amyotrophic lateral sclerosis
    from clinical
    """
)


_DIAGNOSIS_GAP = frozenset(["of", "the", "als", "disease", "was", "made"])


def _months(number: str, unit: str | None) -> str | None:
    if unit is None:
        return None
    value = float(number)
    if unit.startswith(("y",)):
        value *= 12
    elif not unit.startswith("m"):
        return None
    return _number(str(value))


def _duration_node(m: re.Match[str], name: str) -> Node | None:
    if m["low"]:
        low, high = _months(m["low"], m["unit3"]), _months(m["high"], m["unit3"])
        if low is None or high is None or float(low) >= float(high):
            return None
        return Between(name, low, high)
    unit = m["unit"] or m["unit2"]
    first = _months(m["num"], unit)
    if first is None or m["op"] == "==":
        return None
    node: Node = Cmp(name, m["op"], first)
    if m["num2"]:
        second = _months(m["num2"], m["unit2"])
        if second is None or m["op2"] == "==":
            return None
        node = And((node, Cmp(name, m["op2"], second)))
    values = [float(x.value) for x in _atoms(node) if isinstance(x, Cmp)]
    if not all(_in_range(name, _number(str(v))) for v in values):
        return None
    return node


@_finder(r"onset|duration|symptom|weakness|diagnos|history|evolution")
def _duration(low: str) -> Iterator[_Fact]:
    if re.search(
        r"\b(?:time|interval|delay)\s+(?:between|from)\s+(?:the\s+)?(?:first\s+)?(?:symptoms?|onset)",
        low,
    ):
        return  # time from onset to diagnosis: not a measure
    for pattern, name in (
        (_DIAGNOSIS_FORWARD, "months_since_diagnosis"),
        (_DIAGNOSIS_BACKWARD, "months_since_diagnosis"),
        (_ONSET_FORWARD, "months_since_onset"),
        (_ONSET_BACKWARD, "months_since_onset"),
    ):
        for m in pattern.finditer(low):
            term = m.groupdict().get("term") or ""
            if name == "months_since_onset" and "diagnosis" in term and "from" in term:
                continue
            gap = _words(m.groupdict().get("gap") or "")
            allowed = _DURATION_GAP if name == "months_since_onset" else _DIAGNOSIS_GAP
            if any(w not in allowed and w not in _FILLER for w in gap):
                continue
            extent = m[0]
            if name == "months_since_onset" and "diagnos" in extent:
                continue  # "disease duration from diagnosis" is not since onset
            if name == "months_since_diagnosis" and re.search(r"onset|symptom|weakness", extent):
                continue
            node = _duration_node(m, name)
            if node is not None:
                yield _Fact(*m.span(), node, name, _DURATION_WORDS)


_DELAY = _rx(
    rf"""(?:(?:the\s+)?(?:time|interval|delay)\s+(?:between|from)\s+(?:the\s+)?(?:first\s+)?(?:als\s+)?
      (?:symptoms?(?:\s+onset)?|symptom\s+onset|onset(?:\s+of\s+(?:als\s+)?symptoms?)?)
      \s+(?:and|to|until)\s+(?:the\s+)?(?:als\s+)?diagnosis
    |diagnostic\s+delay)
    (?:\s+(?:of|is|must\s+be|should\s+be))?\s*{_OP}\s*{_NUM}\s*{_DURATION_UNIT}"""
)


@_finder(r"diagnos")
def _diagnostic_delay(low: str) -> Iterator[_Fact]:
    for m in _DELAY.finditer(low):
        months = _months(m["num"], m["unit"])
        name = "months_onset_to_diagnosis"
        if months is None or m["op"] == "==" or not _in_range(name, months):
            continue
        yield _Fact(*m.span(), Cmp(name, m["op"], months), name, _DURATION_WORDS)


# Weight and BMI --------------------------------------------------------------------------------

_BODY = _rx(
    rf"""(?P<bmi>body\s+mass\s+index(?:\s*\(bmi\))?|\bbmi\b)(?P<gap>(?:\s+[a-z]+){{0,3}}?)\s*(?:of\s+)?{_OP}\s*{_NUM}(?:\s*kg\s*/\s*m[2²])?
    |(?P<weight>\bweight\b)(?P<gap2>(?:\s+[a-z]+){{0,7}}?)\s*(?:of\s+)?{_o("2")}\s*(?P<num2>\d{{2,3}}(?:\.\d)?)\s*(?:kg|kilograms?)\b"""
)
_BMI_RANGE = _rx(
    r"""(?:body\s+mass\s+index(?:\s*\(bmi\))?|\bbmi\b)\s+(?:of\s+|should\s+be\s+)?between
    \s+(?P<low>\d{2}(?:\.\d)?)\s+and\s+(?P<high>\d{2}(?:\.\d)?)(?:\s*kg\s*/\s*m[2²])?(?:,?\s*inclusive)?"""
)
_BODY_WORDS = _wordset(
    """
    of the subjects during screening period at must be should kg/m2 kg body
    """
)


@_finder(r"bmi|weight|mass")
def _body(low: str) -> Iterator[_Fact]:
    for m in _BMI_RANGE.finditer(low):
        if _in_range("bmi", m["low"], m["high"]) and float(m["low"]) < float(m["high"]):
            node = Between("bmi", _number(m["low"]), _number(m["high"]))
            yield _Fact(*m.span(), node, "bmi", _BODY_WORDS)
    for m in _BODY.finditer(low):
        name = "bmi" if m["bmi"] else "weight_kg"
        op, num = (m["op"], m["num"]) if m["bmi"] else (m["op2"], m["num2"])
        gap = _words(m["gap"] or m["gap2"] or "")
        if any(w not in _BODY_WORDS and w not in _FILLER for w in gap):
            continue
        if _in_range(name, num) and op != "==":
            yield _Fact(*m.span(), Cmp(name, op, _number(num)), name, _BODY_WORDS)


# Ventilation and feeding -----------------------------------------------------------------------

_NIV_TERM = r"""(?:non-?invasive|noninvasive)\s+(?:positive[- ]pressure\s+)?(?:mechanical\s+)?
      ventilation(?:\s*\((?:niv|bipap|nippv)\))?
    |non-?invasive\s+respiratory\s+support
    |\bniv\b|\bnippv\b|\bbi-?pap\b"""
_SUPPORT = _rx(
    rf"""(?P<both>(?<!non-)(?<!non)\binvasive\s+(?:or|and/or)\s+non-?invasive\s+(?:mechanical\s+)?ventilation
      |non-?invasive\s+(?:or|and/or)\s+invasive\s+(?:mechanical\s+)?ventilation
      |assisted\s+ventilation\s+of\s+any\s+type|ventilator-assisted\s+ventilation)
    |(?P<hours>(?:{_NIV_TERM})(?:\s+system)?\s+(?:use\s+)?(?:for\s+)?{_OP}\s*{_NUM}\s*(?:hours?|hrs?|h)\s*(?:/|per|a)\s*(?:day|d\b|24\s*h))
    |(?P<hours2>{_o("2")}\s*(?P<num2>\d{{1,2}})\s*(?:hours?|hrs?|h)\s*(?:/|per|a)\s*(?:day|d\b)\s+(?:of\s+)?(?:{_NIV_TERM}))
    |(?P<niv>{_NIV_TERM})
    |(?P<trach>trache(?:o)?stomy\s+and\s+mechanical\s+ventilation|tracheotomy\s+and\s+mechanical\s+ventilation
      |trache(?:o)?stomy(?:\s+ventilation)?|tracheotomy(?:\s+ventilation)?
      |(?<!non-)(?<!non)\binvasive\s+(?:mechanical\s+)?ventilat(?:ion|ory\s+(?:assistance|support))
      |(?<!non-)(?<!non)\binvasive\s+ventilation)
    |(?P<gastro>(?:(?:percutaneous\s+endoscopic\s+|radiologically\s+inserted\s+)?gastrostomy(?:\s+tube)?
      |\bpeg\b(?:\s+tube)?|\bg-?tube\b)(?:\s*\((?:peg|rig|pig|g-?tube)\))?)
    |(?P<tube>feeding\s+tube(?:\s*\((?P<tube_kind>peg|rig|pig|g-?tube|gastrostomy)\))?)
    |(?P<mechanical>mechanical\s+ventilation)"""
)
_SUPPORT_WORDS = _wordset(
    """
    presence of use using uses with undergone underwent undergo having has had a placement
    existing current currently the place
    """
)
_PROCEDURE_WORDS = _SUPPORT_WORDS | {"history", "previous", "prior"}


_AWAKE = _rx(
    rf"""(?:(?P<both>non-?invasive\s+(?:or|and/or)\s+invasive\s+(?:mechanical\s+)?ventilation)
      |(?P<external>external\s+(?:respiratory|ventilatory)\s+support)
      |(?P<niv>{_NIV_TERM}))
    (?:\s+(?:use|support))?
    \s+(?:when|while|during)\s+(?:the\s+patient\s+is\s+)?(?:any\s+)?(?:awake|waking\s+hours)"""
)


@_finder(r"awake|waking")
def _ventilation_awake(low: str) -> Iterator[_Fact]:
    awake = Flag("niv_while_awake")
    for m in _AWAKE.finditer(low):
        if m["both"]:
            # Invasive ventilation while awake is not recorded apart: a tracheostomy may be it.
            note = "Invasive ventilation while awake is not recorded; only NIV while awake is."
            node: Node = Ambiguous(awake, Or((awake, Flag("tracheostomy"))), note)
        elif m["external"]:
            note = "'External respiratory support' read as non-invasive ventilation."
            node = Ambiguous(awake, TRUE, note)
        else:
            node = awake
        yield _Fact(*m.span(), node, "niv", _SUPPORT_WORDS)


@_finder(r"ventil|trache|gastro|peg\b|tube|niv\b|nippv|pap\b|respiratory support")
def _support(low: str) -> Iterator[_Fact]:
    for m in _SUPPORT.finditer(low):
        if m["both"]:
            node: Node = Or((Flag("tracheostomy"), Flag("niv")))
            yield _Fact(*m.span(), node, "ventilation", _SUPPORT_WORDS)
        elif m["hours"] or m["hours2"]:
            op, num = (m["op"], m["num"]) if m["hours"] else (m["op2"], m["num2"])
            if _in_range("niv_hours_per_day", num) and op != "==":
                node = Cmp("niv_hours_per_day", op, _number(num))
                yield _Fact(*m.span(), node, "niv", _SUPPORT_WORDS)
        elif m["niv"]:
            yield _Fact(*m.span(), Flag("niv"), "niv", _SUPPORT_WORDS | {"system"})
        elif m["trach"]:
            yield _Fact(*m.span(), Flag("tracheostomy"), "tracheostomy", _PROCEDURE_WORDS)
        elif m["gastro"] or m["tube_kind"]:
            yield _Fact(*m.span(), Flag("gastrostomy"), "gastrostomy", _PROCEDURE_WORDS)
        elif m["tube"]:
            # A feeding tube may be nasogastric, which the form does not record.
            note = "A nasogastric feeding tube is not recorded: only a gastrostomy is checked."
            node = Ambiguous(Flag("gastrostomy"), TRUE, note)
            yield _Fact(*m.span(), node, "gastrostomy", _PROCEDURE_WORDS)
        else:
            # Invasive, or any: the vocabulary's tracheostomy covers invasive ventilation.
            note = "'Mechanical ventilation' read as invasive ventilation, the safe reading here."
            node = Ambiguous(Flag("tracheostomy"), Or((Flag("tracheostomy"), Flag("niv"))), note)
            yield _Fact(*m.span(), node, "ventilation", _SUPPORT_WORDS)


# El Escorial ------------------------------------------------------------------------------------

# One category of a list, in the many ways trials spell it.
_EEC_TOKEN = r""""?(?:clinically\s+)?"?(?:
    (?P<both>probable\s*\(\s*(?:clinically\s+or\s+laboratory(?:[- ]supported)?
      |with\s+or\s+without\s+laboratory\s+support)\s*\))
  | (?P<lab>probable[- ]\(?\s*lab(?:oratory)?[- ]?supported\s*\)?
      |lab(?:oratory)?[- ]?supported[- ]probable
      |probable\s*\(\s*lab(?:oratory)?[- ]supported\s*\)
      |probable\s+lab(?:oratory)?[- ]supported
      |lab(?:oratory)?[- ]supported(?=[\s,]+(?:clinically\s+)?"?probable))
  | (?P<range>probable[- ]definite)
  | (?P<cat>\bdefinite\b|\bprobable\b|\bpossible\b|\bsuspected\b))
  (?:\s+(?:als|amyotrophic\s+lateral\s+sclerosis))?,?"?"""
_EEC_SEPARATOR = r"""(?:\s*(?:,|;|/)?\s*(?:(?:and/or|or|and)\s+)?(?:the\s+)?)"""
_EEC_FIRST, _EEC_NEXT = _EEC_TOKEN.replace("?P<", "?P<first_"), _EEC_TOKEN.replace("?P<", "?P<x_")
_EEC_LIST = _rx(
    rf"""(?P<list>{_EEC_FIRST}(?:{_EEC_SEPARATOR}{_EEC_NEXT})*)
    (?P<more>\s+or\s+more\s+definite)?"""
)
_EEC_TOKEN_RX = _rx(_EEC_TOKEN)
_EEC_NAMED = re.compile(
    r"\bel[- ]?escorial\b|\bei\s+escorial\b|airlie\s+house|world\s+federation\s+of\s+neurology|"
    r"\bwfn\b",
    re.IGNORECASE,
)
_OTHER_SYSTEM = re.compile(r"\bawaji|gold\s+coast|estorial\b", re.IGNORECASE)
_EEC_WORDS = _wordset(
    """
    el escorial el-escorial ei criteria criterion revised revisited modified version world
    federation neurology wfn airlie house research diagnostic diagnosis diagnosed diagnose
    established confirmed clinical clinically disease according accordance per based
    following using meet meets meeting met defined classified having category categories
    neurologist current study investigator either revised) el-escorial-revised
    escorial-revised set by fulfil fulfill fulfils fulfills fulfilling
    """
)
_POSSIBLE_OPEN = _rx(
    r"""patients\s+who\s+meet\s+the\s+possible\s+criteria\s+are\s+eligible\s+if\s+they\s+have\s+lower\s+motor\s+neuron\s+findings
    (?:\s*;\s*|\s*,\s*|\s*\.\s*)?(?:those\s+who\s+have\s+purely\s+upper\s+motor\s+neuron\s+findings\s+are\s+ineligible)?"""
)


def _eec_members(text: str) -> tuple[set[str], set[str]] | None:
    members: set[str] = set()
    open_: set[str] = set()
    for m in _EEC_TOKEN_RX.finditer(text):
        if m["both"]:
            members |= {"probable", "probable_laboratory_supported"}
        elif m["lab"]:
            members.add("probable_laboratory_supported")
        elif m["range"]:
            members |= {"definite", "probable"}
        else:
            members.add(m["cat"])
    return members, open_


@_finder(r"definite|probable|possible|suspected")
def _el_escorial(low: str) -> Iterator[_Fact]:
    named = bool(_EEC_NAMED.search(low))
    for m in _EEC_LIST.finditer(low):
        after = low[m.end() : m.end() + 30]
        before = low[max(0, m.start() - 30) : m.start()]
        direct = bool(
            re.match(r"\s*(?:\)|als\b|amyotrophic|diagnosis|\(el[- ]escorial)", after)
            or re.search(r"(?:diagnosed\s+as|diagnosis\s+of)\s*$", before)
            or re.search(r"\b(?:als|amyotrophic lateral sclerosis)\b[,\"]*\s*$", m["list"])
        )
        if not named and not direct:
            continue
        found = _eec_members(m["list"])
        if not found or not found[0]:
            continue
        members, open_ = found
        if m["more"]:  # "'Lab Supported Probable' or more definite"
            if members != {"probable_laboratory_supported"}:
                continue
            members |= {"probable", "definite"}
        if "probable" in members and "probable_laboratory_supported" not in members:
            # "Probable" does not say whether laboratory-supported probable counts.
            members.add("probable_laboratory_supported")
            open_.add("probable_laboratory_supported")
        ordered = tuple(x for x in _EL_ESCORIAL_ORDER if x in members)
        node = InSet("el_escorial", ordered, frozenset(open_))
        yield _Fact(m.start(), m.end(), node, "el_escorial", _EEC_WORDS, strict=True)
    for m in _POSSIBLE_OPEN.finditer(low):
        yield _Fact(
            *m.span(), InSet("el_escorial", ("possible",), frozenset({"possible"})), "eec_open"
        )


# Familial and genes ---------------------------------------------------------------------------

_GENE_NAMES = {choice.value.lower(): choice.value for choice in MEASURES["gene_variants"].choices}
_GENE = "|".join(_GENE_NAMES)
_FAMILY = _rx(
    rf"""(?P<either>(?:either\s+)?(?:familial|sporadic|isolated)(?:\s+als)?\s*,?\s*(?:or|and|and/or|/)\s+(?:familial|sporadic)
      (?:\s+(?:als|cases|form(?:\s+of\s+(?:the\s+)?(?:als|disease))?|amyotrophic\s+lateral\s+sclerosis))?)
    |(?P<familial>familial\s+(?:form\s+of\s+(?:the\s+)?(?:als|disease)|als|amyotrophic\s+lateral\s+sclerosis)(?:\s*\(fals\))?|\bfals\b)
    |(?P<sporadic>sporadic\s+(?:form\s+of\s+(?:the\s+)?(?:als|disease)|als|amyotrophic\s+lateral\s+sclerosis|cases?|form))
    |(?P<genes>(?:pathogenic\s+or\s+likely\s+pathogenic\s+|confirmed\s+|proven\s+|known\s+)?
      (?:{_GENE})(?:\s*-?\s*(?:,|or|and/or)\s*(?:{_GENE}))*\s*-?\s*(?:gene\s+)?
      (?:mutation\s+carriers?|mutations?|variants?|carriers?|repeat\s+expansions?|gene\b))
    |(?P<carry>(?:carry|carries|carrying|carrier\s+of)\s+(?:the\s+|a\s+)?(?:gene\s+)?(?:{_GENE})(?:\s+gene)?(?:\s+mutation)?)"""
)
_GENE_WORDS = _wordset(
    """
    confirmed proven known documented gene genes mutation mutations variant variants
    carrier carriers with patients based
    """
)


@_finder(r"familial|sporadic|fals|sod1|c9orf72|fus\b|tardbp")
def _family(low: str) -> Iterator[_Fact]:
    for m in _FAMILY.finditer(low):
        if m["either"]:
            yield _Fact(*m.span(), TRUE, "familial", frozenset({"diagnosis", "diagnosed", "form"}))
        elif m["familial"]:
            yield _Fact(*m.span(), Flag("familial"), "familial", frozenset({"diagnosis", "form"}))
        elif m["sporadic"]:
            yield _Fact(
                *m.span(), Not(Flag("familial")), "familial", frozenset({"diagnosis", "form"})
            )
        else:
            text = m["genes"] or m["carry"]
            genes = [_GENE_NAMES[g] for g in re.findall(_GENE, text)]
            if m["genes"] and re.search(r"\band\b(?!/or)", text):
                continue
            node = _or(*(Gene(g) for g in dict.fromkeys(genes)))
            yield _Fact(*m.span(), node, "genes", _GENE_WORDS)


# Riluzole and edaravone -------------------------------------------------------------------------

_DRUG = r"(?:riluzole|rilutek|edaravone|radicava)"
_DRUG_NAMES = {
    "riluzole": "riluzole",
    "rilutek": "riluzole",
    "edaravone": "edaravone",
    "radicava": "edaravone",
}
_DOSE = r"""(?:\(?\s*\d+(?:\.\d+)?\s*(?:mg|milligrams?)(?:\s*\(mg\))?
    (?:\s*/\s*(?:day|d)\b|\s+(?:per|a)\s+day|\s+daily|\s+(?:twice|once)\s+(?:per|a)\s*day
      |\s+(?:twice|once)\s+daily)?
    (?:\s*\(?\s*(?:bid|qd|b\.i\.d\.)\s*\)?)?\s*\)?)"""


def _period(suffix: str) -> str:
    """ "for at least 30 days", "for the past 4 weeks"; groups n<suffix> and unit<suffix>."""
    return (
        r"(?:for\s+)?(?:>=\s*)?(?:the\s+past\s+|a\s+period\s+of\s+)?"
        rf"(?P<n{suffix}>\d{{1,3}})\s*(?P<unit{suffix}>days?|weeks?|months?)\b"
    )


_DRUGS = rf"(?P<drugs>{_DRUG}(?:\s*(?:and/or|or|and)\s*{_DRUG})?)"
_TAKING = r"(?:taking|receiving|on|treated\s+with)"
_DRUG_FACTS = _rx(
    rf"""(?P<naive>(?P<d1>{_DRUG})[- ]na[iï]ve(?:\s+(?:subjects|participants|patients))?
        (?P<permit>\s+(?:are|is)\s+(?:permitted|allowed|eligible)(?:\s+in(?:\s+the\s+study)?)?)?)
    |(?P<nottaken>(?:not\s+have|have\s+not|has\s+not)\s+(?:taken|received|used)
        \s+(?:(?P<d2>{_DRUG})|it)\s+{_period("2")})
    |(?P<cycles>\bcomplet(?:e|ed|ing)\s+(?:>=\s*)?(?P<n12>\d{{1,2}})\s+(?:treatment\s+)?cycles?
        (?:\s+of\s+(?:treatment|(?P<d12>{_DRUG})(?:\s+treatment)?))?)
    |(?P<onfor>(?:\bbe\s+)?\bon\s+(?P<d13>{_DRUG})\s+for\s+(?:>=\s*)?(?P<n13>\d{{1,3}})
        \s*(?P<unit13>days?|weeks?|months?)\b)
    |(?P<route>(?:currently\s+)?(?:taking|receiving|on|using|treated\s+with)
        \s+(?P<way>intravenous|i\.?v\.?|oral)\s+(?P<d14>edaravone|radicava)(?:\s+treatment)?)
    |(?P<within>\b(?:use\s+of|treatment\s+with|taken|received|used)\s+(?P<d15>{_DRUG})
        (?P<iv>\s*\(\s*(?:edaravone\s+|radicava\s+)?(?:injection|infusion|intravenous|iv)\s*\)
          |\s+(?:injection|infusion))?
        \s+<=\s*(?P<n15>\d{{1,3}})\s*(?P<unit15>days?|weeks?|months?)
        \s+(?:of|before|prior\s+to)\s+(?:the\s+)?(?:screening|baseline|randomi[sz]ation|enroll?ment
          |study\s+entry|day\s+1)(?:\s+visit)?)
    |(?P<nottaking>(?:(?:currently\s+)?not\s+(?:currently\s+)?(?:be\s+)?
          (?:take|taking|receiving|receive|on|using|treated\s+with)
        |absence\s+of\s+treatment\s+with)
        \s+{_DRUGS}(?:\s*\(rilutek\))?(?:\s+treatment)?)
    |(?P<nottakingor>not\s+taking\s+or\s+initiating\s+(?P<d3>{_DRUG})
        (?:\s+for\s+the\s+duration\s+of\s+the\s+(?:trial|study))?)
    |(?P<stable>(?:(?:be\s+)?(?:on|treated\s+with|receiving|taking)\s+)?(?:a\s+)?
        (?:stable|steady|unchanged|constant)\s+(?:dose|dosage|regimen)
        (?:\s+of\s+(?P<d4>{_DRUG}))?(?P<dose>\s*{_DOSE})?\s+{_period("4")})
    |(?P<stable2>(?:(?:the\s+)?(?:dose|dosage)\s+(?:must|should|has\s+to|needs\s+to)
          \s+(?:be|have\s+been|remain)\s+
        |(?<=or\s)(?:be\s+)?)
        stable\s+{_period("5")})
    |(?P<changed>(?:changed|change\s+in|changes\s+(?:in|to)|modification\s+of)
        \s+(?:the\s+)?(?:dose|dosage|dosing)\s+of\s+(?P<d9>{_DRUG})
        \s+(?:<=|within)\s*(?P<n9>\d{{1,3}})\s*(?P<unit9>days?|weeks?|months?))
    |(?P<condafter>if\s+(?:currently\s+)?(?:taking|receiving|on)(?:\s+(?:it|(?P<d10>{_DRUG})))?$)
    |(?P<dosed>(?:continuously\s+)?(?:treated\s+with|taking(?:\s+and\s+tolerating)?)
        \s+(?:oral\s+)?(?:(?P<dose6a>{_DOSE})\s+)?(?P<d6>{_DRUG})
        (?P<dose6b>\s*{_DOSE})?(?:\s+daily)?\s*,?\s+{_period("6")})
    |(?P<cond>(?:(?:if|for)\s+(?:the\s+)?(?:patients?|subjects?|participants?)?\s*(?:are\s+|is\s+)?
        |(?:patients?|subjects?|participants?|those)\s+(?:who\s+are\s+)?)
        (?:currently\s+)?{_TAKING}\s+(?P<d7>{_DRUG})(?:\s+for\s+als)?
        \s*(?:[,:]|(?:,\s*)?they\b)?)
    |(?P<current>(?:currently\s+)?
        (?:taking|receiving|on|using|treated\s+with|treatment\s+with|current\s+use\s+of|use\s+of)
        \s+(?P<d8>{_DRUG})(?:\s*\(rilutek\))?)"""
)
_DRUG_WORDS = _wordset(
    """
    of the to screening screen visit baseline enrollment enrolment study entry entering trial
    time day initiation drug als for be on must should they currently treatment treated
    riluzole rilutek edaravone radicava
    """
)


def _the_drug(named: str | None, low: str) -> str | None:
    """The drug a fact names, or for "it" / "cycles of treatment" the only drug of the item."""
    if named:
        return _DRUG_NAMES[named]
    drugs = {_DRUG_NAMES[d] for d in re.findall(_DRUG, low)}
    return drugs.pop() if len(drugs) == 1 else None


def _not_taken(drug: str, days: int) -> Node:
    """Not taken for at least `days`: never, or stopped at least that long ago."""
    stopped = Cmp(f"{drug}_days_since_stopped", ">=", str(days))
    return Or((Cmp(drug, "==", "never"), And((Cmp(drug, "==", "past"), stopped))))


def _days(number: str, unit: str) -> tuple[int, tuple[str, ...]]:
    n = float(number)
    if unit.startswith("day"):
        return int(n), ()
    if unit.startswith("week"):
        return int(n * 7), ()
    days = math.floor(n * DAYS_PER_MONTH)
    months = _number(number)
    plural = "s" if months != "1" else ""
    return days, (f"{months} month{plural} read as {days} days.",)


@_finder(r"riluzole|rilutek|edaravone|radicava")
def _drugs(low: str) -> Iterator[_Fact]:
    for m in _DRUG_FACTS.finditer(low):
        span = m.span()
        if m["naive"]:
            drug = _DRUG_NAMES[m["d1"]]
            node: Node = Cmp(drug, "==", "never")
            if m["permit"]:
                yield _Fact(*span, node, "permit")
            else:
                yield _Fact(*span, node, "drug_status", _DRUG_WORDS)
        elif m["nottaken"]:
            drug = _the_drug(m["d2"], low)
            if drug is None:
                continue
            days, notes = _days(m["n2"], m["unit2"])
            yield _Fact(*span, _not_taken(drug, days), "drug_status", _DRUG_WORDS, notes=notes)
        elif m["cycles"]:
            # Completing 3 cycles is completing 2: "completed 2 cycles" is at least 2.
            drug = _the_drug(m["d12"], low)
            if drug != "edaravone" or not _in_range("edaravone_cycles", m["n12"]):
                continue
            node = Cmp("edaravone_cycles", ">=", _number(m["n12"]))
            yield _Fact(*span, node, "drug_cycles", _DRUG_WORDS)
        elif m["route"]:
            way = "oral" if m["way"] == "oral" else "intravenous"
            node = And((Cmp("edaravone", "==", "current"), Cmp("edaravone_route", "==", way)))
            yield _Fact(*span, node, "drug_status", _DRUG_WORDS)
        elif m["within"]:
            drug = _DRUG_NAMES[m["d15"]]
            if m["iv"] and drug != "edaravone":
                continue  # only edaravone's route is recorded
            days, notes = _days(m["n15"], m["unit15"])
            since = f"{drug}_days_since_stopped"
            # Taken on a day in the last `days`: whether that day itself counts is unclear.
            used = [
                _or(
                    Cmp(drug, "==", "current"),
                    _and(Cmp(drug, "==", "past"), Cmp(since, op, str(days))),
                )
                for op in ("<", "<=")
            ]
            note = f"Whether use exactly {days} days ago counts is unclear."
            if m["iv"]:  # "Radicava (edaravone injection)": the route, or only the product
                used[0] = And((Cmp("edaravone_route", "==", "intravenous"), used[0]))
                note += " Whether oral edaravone counts as well is unclear."
            yield _Fact(
                *span, Ambiguous(used[0], used[1], note), "drug_status", _DRUG_WORDS, notes=notes
            )
        elif m["onfor"]:
            # Time on the drug is not recorded; a stable dose that long implies it.
            drug = _DRUG_NAMES[m["d13"]]
            days, notes = _days(m["n13"], m["unit13"])
            current = Cmp(drug, "==", "current")
            note = (
                f"Time on {drug} (at least {days} days) is not recorded; "
                "only current use and days on a stable dose are."
            )
            strong = And((current, Cmp(f"{drug}_stable_days", ">=", str(days))))
            yield _Fact(
                *span, Ambiguous(strong, current, note), "drug_status", _DRUG_WORDS, notes=notes
            )
        elif m["nottaking"]:
            drugs = [_DRUG_NAMES[d] for d in re.findall(_DRUG, m["drugs"])]
            node = _and(*(Cmp(d, "!=", "current") for d in dict.fromkeys(drugs)))
            yield _Fact(*span, node, "drug_status", _DRUG_WORDS)
        elif m["nottakingor"]:
            drug = _DRUG_NAMES[m["d3"]]
            notes = (f"Not starting {drug} during the trial is agreed at the screening visit.",)
            yield _Fact(*span, Cmp(drug, "!=", "current"), "drug_status", _DRUG_WORDS, notes=notes)
        elif m["stable"] or m["stable2"]:
            n, unit = (m["n4"], m["unit4"]) if m["stable"] else (m["n5"], m["unit5"])
            days, notes = _days(n, unit)
            drug = _DRUG_NAMES[m["d4"]] if m["d4"] else None
            if m["dose"]:
                notes += (f"The dose ({m['dose'].strip(' ()')}) is not checked.",)
            yield _Fact(*span, Stable(drug, days), "drug_stable", _DRUG_WORDS, notes=notes)
        elif m["dosed"]:
            dose = m["dose6a"] or m["dose6b"]
            if not dose:
                continue  # "on riluzole for 30 days" is time on the drug, not on a stable dose
            days, notes = _days(m["n6"], m["unit6"])
            notes += (f"The dose ({dose.strip(' ()')}) is not checked.",)
            yield _Fact(
                *span, Stable(_DRUG_NAMES[m["d6"]], days), "drug_stable", _DRUG_WORDS, notes=notes
            )
        elif m["cond"]:
            node = Cmp(_DRUG_NAMES[m["d7"]], "==", "current")
            yield _Fact(*span, node, "drug_condition", _DRUG_WORDS, condition=True)
        elif m["changed"]:
            drug = _DRUG_NAMES[m["d9"]]
            days, notes = _days(m["n9"], m["unit9"])
            node = And((Cmp(drug, "==", "current"), Cmp(f"{drug}_stable_days", "<", str(days))))
            yield _Fact(*span, node, "drug_status", _DRUG_WORDS, notes=notes)
        elif m["condafter"]:
            named = {_DRUG_NAMES[d] for d in re.findall(_DRUG, low)}
            if len(named) == 1:
                node = Cmp(named.pop(), "==", "current")
                yield _Fact(*span, node, "drug_condition", _DRUG_WORDS, condition=True)
        elif m["current"]:
            node = Cmp(_DRUG_NAMES[m["d8"]], "==", "current")
            yield _Fact(*span, node, "drug_status", _DRUG_WORDS)


# "If not on riluzole at the time of study entry, willing to refrain from initiation of the
# agent": the stable-dose requirement then only applies to those taking it.
_NOT_TAKING_BRANCH = _rx(
    rf"""if\s+not\s+(?:currently\s+)?(?:on|taking|receiving)\s+(?P<drug>{_DRUG})(?:\s+at\s+the\s+time\s+of\s+(?:study\s+entry|screening))?,?
    \s+(?:patients\s+must\s+be\s+|must\s+be\s+)?willing\s+to\s+refrain\s+from\s+(?:the\s+)?initiat\w+(?:\s+of)?\s+(?:the\s+agent|{_DRUG}|it)
    (?:\s+for\s+the\s+duration\s+of\s+the\s+(?:trial|study))?"""
)


@_finder(r"if not")
def _not_taking_branch(low: str) -> Iterator[_Fact]:
    for m in _NOT_TAKING_BRANCH.finditer(low):
        drug = _DRUG_NAMES[m["drug"]]
        note = f"Not starting {drug} during the trial is agreed at the screening visit."
        yield _Fact(*m.span(), Cmp(drug, "!=", "current"), "drug_branch", notes=(note,))


_PERMITS = _rx(
    r"""(?P<niv>(?:nocturnal\s+)?non-?invasive\s+ventilation(?:\s+system)?(?:\s*\(e\.g\.[^)]*\))?\s+(?:is|are)\s+(?:allowed|permitted))"""
)


@_finder(r"allowed|permitted")
def _permits(low: str) -> Iterator[_Fact]:
    for m in _PERMITS.finditer(low):
        yield _Fact(*m.span(), Flag("niv"), "permit")


# Words that go with a fact without changing it. A note, when there is one, says what is not
# checked.
_QUALIFIERS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (_rx(pattern), note)
    for pattern, note in (
        (
            r"""(?:of\s+)?(?:the\s+)?(?:%\s+)?predicted(?:\s+normal)?(?:\s+(?:value|capacity))?
            (?:\s+(?:for|adjusted\s+for)\s+(?:age|sex|gender|height|ethnicity)(?:\s*,?\s*(?:and\s+)?(?:age|sex|gender|height|ethnicity))*)?""",
            "",
        ),
        (r"(?:of\s+)?normal(?=\s*\()|of\s+normal\b", ""),
        (
            r"according\s+to\s+(?:the\s+)?(?:global\s+lung\s+initiative(?:\s+\(gli\))?|gli)(?:[-\s]?20\d\d)?(?:\s+(?:reference\s+)?equations?)?",
            "The reference equation (Global Lung Initiative) is not checked.",
        ),
        (
            r"measured\s+<=\s*\d+\s*(?:months?|weeks?|days?)(?:\s+(?:prior\s+to|before)\s+(?:the\s+)?(?:screening|enroll?ment|baseline|randomi[sz]ation|day\s+1)(?:\s+visit)?)?",
            "When the measurement was taken is not checked.",
        ),
        (r"(?:in\s+)?(?:the\s+)?supine(?:\s+position)?", "The position (supine) is not checked."),
        (
            r"\((?:defined\s+as\s+slow\s+vital\s+capacity,\s*)?best\s+of\s+(?:3|three)\s+measurements\)|\(defined\s+as\s+slow\s+vital\s+capacity\)",
            "",
        ),
        (r"\(from\s+a\s+sitting\s+position\)", ""),
        (
            r"at\s+(?:the\s+)?time\s+of\s+surgery",
            "The value at the time of surgery is not checked.",
        ),
        (
            r"<=\s*\d+\s*(?:months?|weeks?|days?)\s+(?:prior\s+to|before)\s+(?:treatment\s+day\s+1|day\s+1|dosing)",
            "When the measurement was taken is not checked.",
        ),
        (
            r"""(?:at|during|by|prior\s+to|before)\s+(?:the\s+)?(?:time\s+of\s+)?(?:screening|screen)(?:\s+visit)?
            (?:\s+and\s+(?:at\s+)?baseline(?:\s+visit)?)?""",
            "",
        ),
        (r"at\s+(?:the\s+)?time\s+of\s+(?:obtaining\s+)?informed\s+consent", ""),
        (
            r"""(?:prior\s+to|before)\s+(?:the\s+)?(?:entering\s+the\s+trial|initiation\s+of\s+study\s+drug
            |study\s+entry|enroll?ment|inclusion|baseline(?:\s+visit)?|screening(?:\s+visit)?
            |the\s+screening\s+visit|screen\s+visit|day\s+1|randomi[sz]ation)|prior\s+screening""",
            "",
        ),
        (r"during\s+the\s+screening\s+period", ""),
        (r"\((?:see\s+)?appendix\s+[\w.]+\)|\bappendix\s+[ivx\d]+\b", ""),
        (r"\((?:brooks,?\s*)?(?:19|20)\d\d\)|\[(?:brooks,?\s*)?(?:19|20)\d\d\]", ""),
        (
            r"(?:during|in|over)\s+the\s+(?:preceding|previous|past|last)\s+\d+\s+(?:months?|weeks?|days?)",
            "Use earlier in that period is not checked; only current use is.",
        ),
        (
            r"based\s+on\s+source-verifiable\s+medical\s+records?(?:\s+or\s+genetic\s+testing(?:\s+during\s+screening)?)?",
            "How the result is documented is checked at the screening visit.",
        ),
        (
            r"the\s+qualifying\s+first\s+symptoms?\s+of\s+als\s+(?:are|is)\s+limited\s+to\s+manifestations\s+of\s+weakness[^.;]*",
            "Onset means the first weakness, as the screening form asks.",
        ),
        (
            r"fas(?:c)?iculations\s+should\s+not\s+be\s+considered",
            "Onset means the first weakness, as the screening form asks; "
            "fasciculations do not count.",
        ),
        (
            r"patients\s+with\s+a\s+total\s+score\s+of\s+>=\s*\d+\s+may\s+be\s+re-?screened[^.;]*",
            "Rescreening later is not modelled.",
        ),
        (r"(?:the\s+)?key\s+criteria\s+are\s+listed\s+below", ""),
        (r"(?:patients|subjects|participants)\s+entering\s+(?:this|the)\s+(?:study|trial)\s*:", ""),
        (r"(?:a\s+)?chronic\s+onset\s+of(?:\s+a)?", "The kind of onset (chronic) is not checked."),
        (r"(?:prior\s+to|before)\s+surgery", "The test before surgery is done at the site."),
        (r"before\s+the\s+(?:cell\s+)?(?:transplantation|treatment)", ""),
        (
            r"(?:prior\s+to|before)\s+dosing(?:\s+with\s+(?:the\s+)?study\s+(?:medication|drug))?"
            r"|<=\s*\d+\s*days\s+before\s+(?:the\s+)?(?:beginning|start)\s+of\s+(?:the\s+)?study(?:\s+participation)?",
            "The test itself is done at the site.",
        ),
        (
            r"at\s+the\s+(?:start|beginning)\s+of\s+(?:the\s+)?(?:study|trial|(?:[a-z]+\s+)?training)",
            "Checked at the start of the study.",
        ),
        (
            r"(?:a\s+)?history\s+of(?=\s+(?:non-?invasive|niv\b|trache|gastrostomy|invasive|peg\b))",
            "Only current use is checked, not earlier use.",
        ),
        (
            r"\b(?:at|in|during)\s+(?:the\s+)?(?:time\s+of\s+)?(?:study\s+entry|enroll?ment|inclusion)\b",
            "",
        ),
    )
)

# Places a connective must not split: it belongs to the words around it.
_NO_SPLIT = _rx(
    r"""\bbetween\s+[^,;.]{1,40}?\s+and\s+\S+
    |for\s+(?:the\s+)?(?:course|duration)\s+of\s+the\s+(?:study|trial)(?:\s+and\s+(?:for\s+)?\d+\s+(?:days|weeks|months)\s+(?:thereafter|after\s+\S+(?:\s+\S+){0,4}))?
    |during\s+the\s+(?:course\s+of\s+the\s+)?(?:study|trial)\s+and\s+(?:for\s+)?(?:up\s+to\s+)?\d+\s+(?:days|weeks|months)\s+(?:thereafter|after\S*(?:\s+\S+){0,5})
    |\b(?:gender|sex|height|age|ethnicity)\s*,?\s*(?:and|or)\s+(?:gender|sex|height|age|ethnicity)\b
    |\bscreening\s+and\s+baseline\b|\bhead\s+and\s+neck\b
    |(?:surgically\s+sterile|post-?menopausal)[^.;]{0,40}?
     \s+or\s+(?:using|practicing|practising|on)\s+(?:a\s+|an\s+)?(?:highly\s+|medically\s+)?
     (?:effective|adequate|acceptable|reliable)?\s*(?:method\s+of\s+)?
     (?:birth[- ]control|contraception)"""
)


def _find_facts(low: str) -> list[_Fact]:
    found: list[_Fact] = []
    for gate, find in _FINDERS:
        if gate.search(low):
            found.extend(find(low))
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    chosen: list[_Fact] = []
    for fact in found:
        if fact.start >= fact.end:
            continue
        if any(fact.start < c.end and c.start < fact.end for c in chosen):
            continue
        chosen.append(fact)
    chosen.sort(key=lambda f: f.start)
    return chosen


# --- Reading an item --------------------------------------------------------------------------


class _Stop(Exception):
    """The item cannot be structured; carries the note."""


_NEGATOR = _rx(r"\b(?:no|not|without|absence\s+of|free\s+of|never)\b")
_NEGATION_GAP = _wordset(
    """
    be being have has having had currently a an any the use using uses of on with presence
    history
    """
)
_REQUIREMENT = _rx(
    r"""\W*(?:(?:all\s+)?(?:the\s+)?(?:patients?|subjects?|participants?|volunteers?)\s+)?
    (?:must|should|shall|needs?\s+to|has\s+to|have\s+to|is\s+required\s+to|are\s+required\s+to)\b"""
)
# Words by which an exclusion item states what the trial requires, read in the item's own words
# (the rewrites swallow "must not be less than"). Anywhere but at the head of a sentence
# ("Subjects must have ...", turned round as a whole) the item is left to a reader: "FVC must be
# at least 60%" would otherwise exclude exactly the patients who qualify, and "patients who must
# use NIV" is no requirement at all.
_STATED_REQUIREMENT = _rx(
    r"""\b(?:must|should|shall|ought|needs?\s+to|ha(?:s|ve)\s+to|required)\b
    |\binclusion(?:\s+criteri(?:a|on))?\s*:|^\W*inclusion\b"""
)
_CONNECTIVE = re.compile(
    r",\s*(?:and/or|and|or|nor)\s+|\s+(?:and/or|and|or|nor)\s+|\s*,\s*|\s*/\s*"
)
_SENTENCE = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bvs)\.\s+(?=\S)|\s*;\s*")


@dataclass
class _Item:
    base: str
    text: _Text
    low: str
    kind: str
    facts: list[_Fact]
    qualifiers: list[tuple[int, int, str]]
    blocked: list[tuple[int, int]]  # spans no connective may split
    depths: list[int]  # bracket depth of each character
    notes: list[str] = field(default_factory=list)
    permits: list[Node] = field(default_factory=list)  # what the item says is allowed

    def quote(self, start: int, end: int) -> str:
        return self.text.quote(self.base, start, end)

    def base_text(self, start: int, end: int) -> str:
        """The item's own words behind [start, end) of the rewritten text."""
        if start >= end:
            return ""
        return self.base[self.text.origin[start][0] : self.text.origin[end - 1][1]]


def _parenthesis_depths(low: str) -> list[int]:
    depths, depth = [], 0
    for char in low:
        if char in "([":
            depth += 1
        depths.append(depth)
        if char in ")]" and depth:
            depth -= 1
    return depths


def _first_unclosed_bracket(low: str) -> int | None:
    opened: list[int] = []
    for index, char in enumerate(low):
        if char in "([":
            opened.append(index)
        elif char in ")]" and opened:
            opened.pop()
    return opened[0] if opened else None


def _qualifiers(low: str, facts: list[_Fact]) -> list[tuple[int, int, str]]:
    matches: list[tuple[int, int, str]] = []
    for pattern, note in _QUALIFIERS:
        position = 0
        while (m := pattern.search(low, position)) is not None:
            overlap = [f for f in facts if f.start < m.end() and m.start() < f.end]
            if overlap:  # try again after the fact ("60% predicted": the % is the fact's)
                position = max(max(f.end for f in overlap), m.start() + 1)
                continue
            if m.start() < m.end():
                matches.append((m.start(), m.end(), note))
            position = max(m.end(), m.start() + 1)
    found: list[tuple[int, int, str]] = []
    for start, end, note in sorted(matches, key=lambda x: x[0] - x[1]):  # longest first
        if not any(a < end and start < b for a, b, _ in found):
            found.append((start, end, note))
    return sorted(found)


def _split(
    item: _Item,
    start: int,
    end: int,
    pattern: re.Pattern[str],
    breaks: tuple[tuple[int, int], ...] = (),
) -> list[tuple[int, int, str]]:
    """Pieces of [start, end) between separators (matches of `pattern`, and `breaks`) that fall
    outside facts, qualifiers, blocked spans and brackets; each piece with the separator before
    it."""
    depths = item.depths
    pieces: list[tuple[int, int, str]] = []
    position, before = start, ""
    found = [(m.start(), m.end(), m[0]) for m in pattern.finditer(item.low, start, end)]
    found += [(a, b, item.low[a:b]) for a, b in breaks if start <= a and b <= end]
    for a, b, text in sorted(found):
        if a == start or b == end:
            continue
        if depths[a] or any(s < b and a < e for s, e in item.blocked):
            continue
        if any(f.start < b and a < f.end for f in item.facts):
            continue
        if any(s < b and a < e for s, e, _ in item.qualifiers):
            continue
        separator = text.strip()
        if separator == "/" and not any(
            f.end <= a and _only_words_of(f, item.low[f.end : a]) for f in item.facts
        ):
            # "/" joins two facts only straight after one ("tracheostomy/ventilation"), or
            # after words of that fact ("tracheostomy placement/use of invasive ventilation").
            continue
        pieces.append((position, a, before))
        position, before = b, separator
    pieces.append((position, end, before))
    return [p for p in pieces if item.low[p[0] : p[1]].strip(" ,;.:")]


def _only_words_of(fact: _Fact, text: str) -> bool:
    words = _words(text)
    return len(words) <= 2 and all(w in fact.absorbs for w in words)


def _connective(separator: str) -> str:
    words = separator.replace(",", " ").split()
    if not words:
        return "," if "," in separator else ""
    word = words[-1]
    return {"and/or": "or", "/": "or", "nor": "nor"}.get(word, word)


def _read(text: str, kind: str) -> ParsedCriterion:
    base = _clean(text)
    if not base or not re.search(r"[a-z]", base, re.IGNORECASE):
        return ParsedCriterion(None, "Nothing to structure.")
    dangling = _DANGLING.search(base)
    if dangling:
        base = base[: dangling.start()]
    base = base.rstrip(" ,;:.")
    rewritten = _rewritten(base)
    low = rewritten.text.lower()
    facts = _find_facts(low)
    if not facts:
        return ParsedCriterion(None, _item_reason(base))
    item = _Item(
        base,
        rewritten,
        low,
        kind,
        facts,
        _qualifiers(low, facts),
        [m.span() for m in _NO_SPLIT.finditer(low)],
        _parenthesis_depths(low),
    )
    if dangling:
        word = dangling[1].lower()
        if (word in ("or", "and/or")) == (kind == INCLUSION):
            raise _Stop(
                f"The item ends with '{dangling[1]}': it is one of several alternatives "
                "read together with the items around it."
                if word != "and"
                else f"The item ends with '{dangling[1]}': it is read together with the next item."
            )
    unclosed = _first_unclosed_bracket(low)
    if unclosed is not None and any(f.end > unclosed and f.kind != "permit" for f in facts):
        raise _Stop("A bracket is never closed: the item may be cut short or garbled.")
    _check_systems(item)
    _merge_facts(item)
    spans = [(a, b) for a, b, _ in _split(item, 0, len(low), _SENTENCE, _run_on_breaks(item))]
    _check_stated_requirement(item, spans)
    sentences = [node for a, b in spans if (node := _whole_sentence(item, a, b, spans))]
    if not sentences:
        raise _Stop("Nothing to check: the item does not restrict who can take part.")
    root = _and(*sentences) if kind == INCLUSION else _or(*sentences)
    for fact in item.facts:
        if fact.kind == "drug_branch":
            # The rest of the item only applies to those taking the drug.
            root = If(_negated(fact.node), root)
    root = _bind_drugs(root, item)
    return _finish(root, item)


def _check_stated_requirement(item: _Item, spans: list[tuple[int, int]]) -> None:
    if item.kind != EXCLUSION:
        return
    heads = []  # where a sentence opens with "Subjects must": that sentence is turned round
    for start, _ in spans:
        m = _REQUIREMENT.match(item.low, start)
        if m:
            origin = item.text.origin
            heads.append((origin[m.start()][0], origin[m.end() - 1][1]))
    for m in _STATED_REQUIREMENT.finditer(item.base):
        if not any(a <= m.start() and m.end() <= b for a, b in heads):
            raise _Stop(
                f"An exclusion that says '{m[0].strip()}' may state what the trial requires; "
                "read the wrong way round it would exclude the patients who qualify."
            )


# A run-on item: criteria whose line breaks were lost ("... criteria Between the ages of 21-85,
# inclusive Sialorrhea refractory to ... Capable of giving informed consent"). A capitalised word
# after a lower-case one, neither part of a name, starts the next criterion. Read so only in an
# item with no sentence punctuation and at least three such places.
_RUN_ON_BREAK = re.compile(r"(?<=[a-z0-9%)\]])(\s+)(?=[A-Z][a-z]+(?:-[A-Za-z]+)?\b)")
_RUN_ON_MIN_BREAKS = 3
_NOT_A_BREAK = _wordset(  # words after which a sentence goes on
    """
    of the a an and or nor with to by in on for at from than as after before per according
    into over under via if unless except but then including
    """
)
_GOES_ON = _wordset(  # words that go on with the sentence before them
    """
    and or nor unless except excluding but if than then including which who whose that when
    where while provided
    """
)


def _run_on_breaks(item: _Item) -> tuple[tuple[int, int], ...]:
    if _SENTENCE.search(item.low):
        return ()
    text = item.text.text
    breaks = []
    for m in _RUN_ON_BREAK.finditer(text):
        before = text[: m.start()].split()
        after = text[m.end() :].split()
        if not before or before[-1][:1].isupper() or before[-1].lower() in _NOT_A_BREAK:
            continue  # "World Federation", "treated with Riluzole"
        if after[0].lower() in _GOES_ON or re.match(_DRUG, after[0], re.IGNORECASE):
            continue
        if len(after) > 1 and after[1][:1].isupper():
            continue  # a name: "... current World Federation of Neurology"
        breaks.append(m.span(1))
    return tuple(breaks) if len(breaks) >= _RUN_ON_MIN_BREAKS else ()


# Words by which one sentence of an item can change what another one says: such a sentence is
# never left out on its own.
_ACROSS_SENTENCES = re.compile(
    r"\b(?:allowed|permitted|permissible|acceptable|eligible|ineligible|included|enrolled"
    r"|otherwise|instead|alternatively|however|exceptions?|exempt\w*|waived|regardless"
    r"|appl(?:y|ies)|required|requirements?|criteri(?:on|a)|excluded?|this|these|that|those"
    r"|such|above|below|previous|preceding|aforementioned)\b",
    re.IGNORECASE,
)
_CONTRACEPTION = re.compile(
    r"contracepti|birth\s+control|barrier\s+method|abstinen|intrauterine|sterile|sterili[sz]"
    r"|post-?menopausal|spermicid",
    re.IGNORECASE,
)


def _whole_sentence(item: _Item, start: int, end: int, spans: list[tuple[int, int]]) -> Node | None:
    """One sentence of the item, as a node. In an item of several sentences, each is a
    criterion of its own (all required in an inclusion, any excluding in an exclusion), so a
    sentence whose own words may turn it ("unless ...", "if female, ...") is left out as a
    whole, which only weakens an inclusion and narrows an exclusion. It is not left out when it
    may change the other sentences: when it names a measure they name, holds a word such as
    "allowed" or "otherwise", or holds a fact read for the whole item."""
    notes, permits = len(item.notes), len(item.permits)
    try:
        node = _sentence(item, start, end)
    except _Stop:
        if not _stands_alone(item, start, end, spans):
            raise
    else:
        if node is None or not any(isinstance(x, Unknown) and x.turning for x in _atoms(node)):
            return node
        if not _stands_alone(item, start, end, spans):
            return node  # the turning word stops the parse in _finish
    del item.notes[notes:], item.permits[permits:]  # what the sentence said goes with it
    text = item.quote(start, end)
    return Unknown(text, _reason(text) or "it holds a condition or an exception of its own")


# A sentence that goes on from the one before it ("(e.g. invasive ventilation)", "This ...").
_CONTINUATION = re.compile(
    r"""[\s"']*(?:[(\[]|[a-z]|(?i:(?:e\.g|i\.e|for\s+example|such\s+as|this|these|that|those
    |they|it|its|their|there|in\s+(?:this|that|such|which)|including|excluding|especially
    |namely|unless|except|but|or|and|nor|otherwise|however|although|though)\b))""",
    re.VERBOSE,
)


def _stands_alone(item: _Item, start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    if len(spans) < 2:
        return False
    if any(_CONTINUATION.match(item.base_text(a, b)) for a, b in spans[1:]):
        return False  # the item's sentences are not each a criterion of their own
    if any(start <= f.start < end and f.kind in _ITEM_LEVEL for f in item.facts):
        return False
    text = item.base_text(start, end)
    named = mentioned_measures(text)
    if _ACROSS_SENTENCES.search(text) and (named or not _CONTRACEPTION.search(text)):
        return False  # only a sentence about contraception may speak of "acceptable" methods
    others = frozenset().union(
        *(mentioned_measures(item.base_text(a, b)) for a, b in spans if (a, b) != (start, end))
    )
    return not named & others


def _merge_facts(item: _Item) -> None:
    """Facts that change other facts of the item rather than stand on their own."""
    kinds = [f.kind for f in item.facts]
    if "eec_open" in kinds:
        # "Patients who meet the possible criteria are eligible if ...": possible stays open.
        for fact in item.facts:
            if (
                fact.kind == "el_escorial"
                and isinstance(fact.node, InSet)
                and "possible" not in fact.node.members
            ):
                members = tuple(
                    x for x in _EL_ESCORIAL_ORDER if x in {*fact.node.members, "possible"}
                )
                fact.node = replace(fact.node, members=members, open=fact.node.open | {"possible"})
    items = [f for f in item.facts if f.kind == "alsfrs_item"]
    for fact in item.facts:
        if not fact.kind.startswith("alsfrs_rest:"):
            continue
        # "at least 1 point on each of the remaining 10 items": the lowest item only when the
        # items named apart make up the 12 and ask at least as much.
        rest = int(fact.kind.split(":")[1])
        named = {x.node.name for x in items if isinstance(x.node, Cmp)}
        floor = float(fact.node.value) if isinstance(fact.node, Cmp) else 99
        if len(named) + rest != len(ALSFRS_R_ITEMS) or any(
            not isinstance(x.node, Cmp)
            or x.node.op not in (">=", ">")
            or float(x.node.value) < floor
            for x in items
        ):
            fact.node = Unknown(item.quote(fact.start, fact.end), "the remaining items are unclear")


def _check_systems(item: _Item) -> None:
    kinds = [f.kind for f in item.facts]
    if "el_escorial" in kinds:
        other = _OTHER_SYSTEM.search(item.low)
        if other:
            raise _Stop(
                f"The item names the {other[0].title()} criteria, a different diagnostic system "
                "from El Escorial."
            )
        if kinds.count("el_escorial") > 1:
            raise _Stop(
                "The El Escorial categories are not written as one list; the wording is unclear."
            )


_ITEM_LEVEL = frozenset({"permit", "eec_open", "drug_branch"})  # read in _read, not in place


@dataclass(frozen=True)
class _Part:
    """One piece of a sentence between connectives."""

    node: Node | None  # None: only filler, qualifiers and words of facts elsewhere
    condition: bool = False  # "if taking riluzole,": scopes what follows
    negated: bool = False  # opens with a negation ("without ...")


def _sentence(item: _Item, start: int, end: int) -> Node | None:
    node = _sentence_node(item, start, end)
    if node is not None and item.kind == EXCLUSION and _REQUIREMENT.match(item.low, start):
        # "Subjects must have FVC >= 60% and ALSFRS-R >= 30": an exclusion that states a
        # requirement excludes its opposite, as a whole (either value too low excludes).
        node = _negated(node)
    return node


def _sentence_node(item: _Item, start: int, end: int) -> Node | None:
    pieces = _split(item, start, end, _CONNECTIVE)
    connectives = [_connective(sep) for _, _, sep in pieces[1:]]
    if "nor" in connectives:
        return Unknown(item.quote(start, end), turning=True)
    sentence_words = frozenset().union(
        *(f.absorbs for f in item.facts if start <= f.start and f.end <= end)
    )
    parts = [_segment(item, a, b, sentence_words) for a, b, _ in pieces]
    kept = [
        (part, piece) for part, piece in zip(parts, pieces, strict=True) if part.node is not None
    ]
    if not kept:
        return None
    # A condition ("if taking riluzole,", "in case of bulbar onset") scopes what follows it.
    for index, (part, _) in enumerate(kept):
        if part.condition:
            if index + 1 == len(kept):
                if index == 0:
                    return Unknown(item.quote(start, end), "a condition with nothing to apply to")
                # "stable dose for 30 days, if taking it"
                return If(part.node, _combine(item, kept[:index], start, end))  # type: ignore[arg-type]
            rest = _combine(item, kept[index + 1 :], start, end)
            node: Node = If(part.node, rest)  # type: ignore[arg-type]
            if index:
                node = _and(_combine(item, kept[:index], start, end), node)
            return node
    return _combine(item, kept, start, end)


def _combine(
    item: _Item, kept: list[tuple[_Part, tuple[int, int, str]]], start: int, end: int
) -> Node:
    nodes: list[Node] = [part.node for part, _ in kept]  # type: ignore[misc]
    if len(nodes) == 1:
        return nodes[0]
    connectives = [_connective(sep) for _, (_, _, sep) in kept[1:]]
    words = set(connectives) - {","}
    if words <= {"or"} and words:
        first = kept[0][0]
        if first.negated and not any(part.negated for part, _ in kept[1:]):
            # "without tracheostomy or invasive ventilation": neither. Before a value the "not"
            # may stop at "or": "not on NIV or on NIV < 8 hours/day" is one or the other.
            if not all(_yes_no(n) for n in nodes[1:]):
                raise _Stop(
                    f"Whether the negation in '{item.quote(start, end)}' reaches past 'or' "
                    "is unclear."
                )
            return And((nodes[0], *(_negated(n) for n in nodes[1:])))
        return Or(tuple(nodes))
    if words <= {"and"} and words:
        if item.kind == EXCLUSION and _all_pregnancy(item, [p for _, p in kept]):
            return Or(tuple(nodes))  # "pregnant and breastfeeding women": both groups
        return And(tuple(nodes))
    if not words:  # a plain list: all of it for an inclusion, any of it for an exclusion
        return And(tuple(nodes)) if item.kind == INCLUSION else Or(tuple(nodes))
    # A word such as "if" in one of the parts may reach the others: it still stops the parse.
    turning = any(isinstance(x, Unknown) and x.turning for node in nodes for x in _atoms(node))
    if "," in connectives:
        return Unknown(item.quote(start, end), "the list mixes 'and' and 'or'", turning)
    # "a or b and c": read both ways; only an answer that does not depend on it is kept.
    readings = [_grouped(nodes, connectives, "and"), _grouped(nodes, connectives, "or")]
    results = [_try_finish(r, item) for r in readings]
    if results[0] is not None and results[0] == results[1]:
        return readings[0]
    return Unknown(item.quote(start, end), "'and' and 'or' can be grouped two ways here", turning)


def _yes_no(node: Node) -> bool:
    """A bare yes/no fact ("tracheostomy", "SOD1"): what "no A or B" can deny as a whole."""
    match node:
        case Flag() | Gene() | Const():
            return True
        case And(xs) | Or(xs):
            return all(_yes_no(x) for x in xs)
        case Ambiguous(strong, weak, _):
            return _yes_no(strong) and _yes_no(weak)
    return False


def _grouped(nodes: list[Node], connectives: list[str], tight: str) -> Node:
    groups: list[list[Node]] = [[nodes[0]]]
    for node, word in zip(nodes[1:], connectives, strict=True):
        if word == tight:
            groups[-1].append(node)
        else:
            groups.append([node])
    inner = [(_and if tight == "and" else _or)(*g) for g in groups]
    return (_or if tight == "and" else _and)(*inner)


def _all_pregnancy(item: _Item, pieces: list[tuple[int, int, str]]) -> bool:
    kinds = {f.kind for f in item.facts if any(a <= f.start < b for a, b, _ in pieces)}
    return kinds == {"pregnancy"}


def _segment(item: _Item, start: int, end: int, sentence_words: frozenset[str]) -> _Part:
    facts = [f for f in item.facts if start <= f.start and f.end <= end]
    text = item.quote(start, end)
    qualifiers = [(a, b, note) for a, b, note in item.qualifiers if start <= a and b <= end]
    covered = [(f.start, f.end) for f in facts] + [(a, b) for a, b, _ in qualifiers]
    residue_text = _residue(item.low, start, end, covered)
    depths = item.depths
    top_text = "".join(c if not depths[start + i] else " " for i, c in enumerate(residue_text))
    inner_text = "".join(c if depths[start + i] else " " for i, c in enumerate(residue_text))
    absorbs = frozenset().union(*(f.absorbs for f in facts))
    residue = [w for w in _words(top_text) if w not in _FILLER and w not in absorbs]
    inner = [w for w in _words(inner_text) if w not in _FILLER and w not in absorbs]
    if not facts:
        if not [w for w in residue + inner if w not in sentence_words]:
            item.notes.extend(note for _, _, note in qualifiers)
            return _Part(None)
        return _Part(Unknown(text, _reason(text), turning=bool(_TURNING.search(residue_text))))
    # Negations: a negator right before a fact turns that fact.
    negated: set[int] = set()
    for index, fact in enumerate(facts):
        before = item.low[facts[index - 1].end if index else start : fact.start]
        m = None
        for m in _NEGATOR.finditer(before):  # noqa: B007 - the last negation is the one
            pass
        if m and all(w in _NEGATION_GAP or w in _FILLER for w in _words(before[m.end() :])):
            negated.add(index)
            for word in _words(m[0]):
                if word in residue:
                    residue.remove(word)
    requirement = bool(_REQUIREMENT.match(item.low, start))
    if requirement:
        residue = [w for w in residue if w not in ("must", "should", "need", "needs", "required")]
    for fact in facts:
        if fact.kind == "permit":
            item.permits.append(fact.node)
    for fact in facts:
        if fact.kind in _ITEM_LEVEL:
            item.notes.extend(fact.notes)
    here = [(f, i in negated) for i, f in enumerate(facts) if f.kind not in _ITEM_LEVEL]
    if not here:
        if residue or inner:
            turning = bool(_TURNING.search(residue_text))
            return _Part(Unknown(text, _reason(residue_text), turning=turning))
        item.notes.extend(note for _, _, note in qualifiers)
        return _Part(None)
    turning = _TURNING.search(" ".join(residue + inner))
    if turning:
        raise _Stop(f"'{text}' may change the answer ('{turning[0]}').")
    if {"or", "otherwise", "alternatively"} & set(inner) or _alternative_in_brackets(item, here):
        # "FVC >= 50% (or SVC >= 50%)": a bracket that offers another way in.
        return _Part(Unknown(text, "a bracket gives an alternative"))
    trailing = _trailing_clause(item, facts, end, covered)
    if residue and trailing is not None:
        residue = [w for w in residue if w not in _words(item.low[trailing:end])]
    if residue:
        # Words around a fact that belong to nothing known: the fact may be misread.
        unknown = " ".join(dict.fromkeys(residue))
        return _Part(Unknown(text, _reason(text) or f"not understood: {unknown}"))
    for fact, _ in here:
        item.notes.extend(fact.notes)
    item.notes.extend(note for _, _, note in qualifiers)
    nodes: list[Node] = []
    condition: Node | None = None
    for fact, is_negated in here:
        node = _negated(fact.node) if is_negated else fact.node
        if fact.condition:
            if condition is not None:
                return _Part(Unknown(text, "two conditions in one part"))
            condition = node
        else:
            nodes.append(node)
    if trailing is not None:
        nodes.append(Unknown(item.quote(trailing, end), _reason(item.low[trailing:end])))
    if inner:
        # A bracketed remark narrows what it follows ("SOD1 mutation (known sites ...)").
        spans = [(start + i) for i, c in enumerate(inner_text) if c.strip()]
        nodes.append(Unknown(item.quote(spans[0], spans[-1] + 1), _reason(inner_text)))
    if condition is not None and not nodes:
        return _Part(condition, condition=True)
    body = _and(*nodes)
    if condition is not None:
        body = If(condition, body)
    return _Part(body, negated=0 in negated)


def _alternative_in_brackets(item: _Item, here: list[tuple[_Fact, bool]]) -> bool:
    """A fact inside brackets beside a different fact outside them: the bracket may be an
    alternative rather than an added condition."""
    inside = {f.node for f, _ in here if item.depths[f.start] and f.node != TRUE}
    outside = {f.node for f, _ in here if not item.depths[f.start] and f.node != TRUE}
    return bool(inside and outside and not inside <= outside)


def _trailing_clause(
    item: _Item, facts: list[_Fact], end: int, covered: list[tuple[int, int]]
) -> int | None:
    """Where "with ..." after an age or sex fact starts: it adds a condition on the patient
    ("ages 20-80 with troublesome sialorrhea"), it does not change the age."""
    if not facts or any(f.kind not in ("age", "sex") for f in facts):
        return None
    last = max(f.end for f in facts)
    m = re.match(r"\s+(?:with|who\s+(?:have|has|are))\s+\w", item.low[last:end])
    if not m or any(last < a < end for a, _ in covered):
        return None
    return last + m.start() + 1


def _residue(low: str, start: int, end: int, covered: list[tuple[int, int]]) -> str:
    chars = list(low[start:end])
    for a, b in covered:
        for i in range(max(a, start), min(b, end)):
            chars[i - start] = " "
    return "".join(chars)


_DRUG_MEASURES = ("riluzole", "edaravone")


def _is_status(node: Node) -> bool:
    if isinstance(node, Cmp | InSet):
        return node.name in _DRUG_MEASURES
    return isinstance(node, And) and all(_is_status(x) for x in node.xs)


def _bind_drugs(root: Node, item: _Item) -> Node:
    """Name the drug of "stable dose for 30 days" from the rest of the item, and read a stable
    dose with no alternative as "currently taking it, on a stable dose"."""
    drugs = list(dict.fromkeys(_DRUG_NAMES[d] for d in re.findall(_DRUG, item.low)))

    def bind(node: Node, guarded: bool) -> Node:
        match node:
            case Stable(None, days) if len(drugs) == 1:
                return bind(Stable(drugs[0], days), guarded)
            case Stable(None, _):
                return Unknown(item.base, "the stable dose does not say of which drug")
            case Stable(drug, days):
                stable = Cmp(f"{drug}_stable_days", ">=", str(days))
                return stable if guarded else And((Cmp(str(drug), "==", "current"), stable))
            case Or(xs):
                loose = [x for x in xs if isinstance(x, Stable) and x.drug is None]
                statuses = [x for x in xs if isinstance(x, And) and _is_status(x)]
                if loose and len(drugs) > 1 and len(xs) == 2 and len(statuses) == 1:
                    # "not taking riluzole and/or edaravone or on a stable dose": each drug
                    return And(
                        tuple(
                            Or((s, Cmp(f"{s.name}_stable_days", ">=", str(loose[0].days))))
                            for s in statuses[0].xs
                            if isinstance(s, Cmp)
                        )
                    )
                has_status = any(_is_status(x) for x in xs)
                bound = [bind(x, has_status) for x in xs]
                return Or(tuple(sorted(bound, key=lambda x: not _is_status(x))))
            case And(xs):
                # Inside an alternative that already names the drug status, the stable days
                # alone say it: they are 0 when the drug is not taken.
                return And(tuple(bind(x, guarded) for x in xs))
            case If(cond, then):
                drug_condition = isinstance(cond, Cmp) and cond.name in _DRUG_MEASURES
                return If(cond, bind(then, drug_condition))
            case Not(x):
                return Not(bind(x, False))
        return node

    return bind(root, False)


def _try_finish(root: Node, item: _Item) -> str | None:
    try:
        return _finish(root, replace(item, notes=[])).rule
    except _Stop:
        return None


def _finish(root: Node, item: _Item) -> ParsedCriterion:
    weaker = item.kind == INCLUSION
    dropped = _Dropped()
    node = _completed_years(_nnf(_drug_conditions(root, weaker)), weaker, item, dropped)
    node = _approximate(node, weaker, dropped)
    node = _inner_ifs(node, weaker)
    for part in dropped.parts:
        if part.turning:
            raise _Stop(f"'{part.text}' may change the answer.")
    for permitted in item.permits:
        _check_allowed(node, permitted, item, weaker)
    if isinstance(node, Const):
        if not dropped.parts and dropped.collapsed:
            raise _Stop("Not structured: " + " ".join(dropped.collapsed))
        if not dropped.parts:
            raise _Stop("Nothing to check: the item does not restrict who can take part.")
        raise _Stop(
            "Not structured: "
            + "; ".join(
                f"'{p.text}'" + (f" ({p.reason})" if p.reason else "") for p in dropped.parts
            )
            + "."
        )
    rule = _compiled(_source(node))
    if rule is None:
        raise _Stop("The structured reading did not make a valid rule.")
    notes = [n for n in [*dropped.notes, *item.notes] if n]
    left = [_part_note(p) for p in dropped.parts]
    return ParsedCriterion(rule, " ".join(dict.fromkeys([*left, *notes])))


def _completed_years(node: Node, weaker: bool, item: _Item, dropped: _Dropped) -> Node:
    """Age is recorded in completed years, so a patient of 18 may be 18 and some months: over
    18, and not 18 or younger, as the words read, though `age > 18` fails them and `age <= 18`
    holds. `age >= N` and `age < N` are exact. Where a bound counts (the node is in negation
    normal form: weaker in an inclusion's body, stronger in an exclusion's and in an if-part),
    the boundary is never decided against the patient, and the note says so: an inclusion's
    "over 18" is `age >= 18` (the registry's minimum age, screened separately, still applies),
    an exclusion keeps `age > 80` and turns `age <= 17` into `age < 17`."""
    match node:
        case Cmp("age", ">", value) if weaker:
            dropped.notes.append(_OVER_AGE.format(n=value, words=_age_words(item, value)))
            return Cmp("age", ">=", value)
        case Cmp("age", ">", value):
            dropped.notes.append(_AGE_BOUNDARY.format(n=value))
            return node
        case Cmp("age", "<=", value) if not weaker:
            dropped.notes.append(_AGE_BOUNDARY.format(n=value))
            return Cmp("age", "<", value)
        case Between("age", low, high) if not weaker:
            dropped.notes.append(_AGE_BOUNDARY.format(n=high))
            return And((Cmp("age", ">=", low), Cmp("age", "<", high)))
        case And(xs):
            return And(tuple(_completed_years(x, weaker, item, dropped) for x in xs))
        case Or(xs):
            return Or(tuple(_completed_years(x, weaker, item, dropped) for x in xs))
        case If(cond, then):
            # The if-part is made stronger whatever the item: a narrower condition is safe.
            return If(
                _completed_years(cond, False, item, dropped),
                _completed_years(then, weaker, item, dropped),
            )
        # Only the reading _approximate will keep, so only its note is said.
        case Ambiguous(_, weak) if weaker:
            return replace(node, weak=_completed_years(weak, weaker, item, dropped))
        case Ambiguous(strong):
            return replace(node, strong=_completed_years(strong, weaker, item, dropped))
    return node


_OVER_AGE = (
    "'{words}' read as {n} or older: age counts completed years, and a patient of {n} may be "
    "{n} and some months. The registry's own minimum age is screened separately."
)
_AGE_BOUNDARY = (
    "Age counts completed years: a patient of exactly {n} may be {n} and some months, and "
    "the rule gives them the benefit of that doubt."
)


def _age_words(item: _Item, value: str) -> str:
    """The item's words for the age bound with this value, to quote in the note."""
    number = re.compile(rf"(?<![\d.]){re.escape(value)}(?![\d.])")
    for fact in item.facts:
        if fact.kind == "age" and number.search(item.low, fact.start, fact.end):
            return item.quote(fact.start, fact.end)
    return f"over {value}"


def _drug_conditions(node: Node, weaker: bool) -> Node:
    """ "If taking riluzole, stable for 30 days": written `riluzole != current or ...` for an
    inclusion and `riluzole == current and ...` for an exclusion."""
    match node:
        case If(Cmp(name, "==", "current") as cond, then) if name in ("riluzole", "edaravone"):
            then = _drug_conditions(then, weaker)
            return Or((_negated(cond), then)) if weaker else And((cond, then))
        case And(xs):
            return And(tuple(_drug_conditions(x, weaker) for x in xs))
        case Or(xs):
            return Or(tuple(_drug_conditions(x, weaker) for x in xs))
        case Not(x):
            return Not(_drug_conditions(x, weaker))
    return node


def _check_allowed(node: Node, permitted: Node, item: _Item, weaker: bool) -> None:
    known: dict[str, object] = {}
    for atom in _atoms(permitted):
        if isinstance(atom, Cmp) and atom.op == "==":
            known[atom.name] = atom.value
            known[f"{atom.name}_stable_days"] = 0
        elif isinstance(atom, Flag):
            known[atom.name] = True
    truth = _truth(_stable_as_cmp(node), known)
    if truth is (not weaker):
        raise _Stop("The item allows patients its rule would rule out; the wording needs a reader.")


def _stable_as_cmp(node: Node) -> Node:
    match node:
        case Stable(drug, days):
            return Cmp(f"{drug}_stable_days", ">=", str(days))
        case Not(x):
            return Not(_stable_as_cmp(x))
        case And(xs):
            return And(tuple(_stable_as_cmp(x) for x in xs))
        case Or(xs):
            return Or(tuple(_stable_as_cmp(x) for x in xs))
        case If(cond, then):
            return If(_stable_as_cmp(cond), _stable_as_cmp(then))
    return node


def _part_note(part: Unknown) -> str:
    reason = f" ({part.reason})" if part.reason else ""
    return f"Left as text: '{part.text}'{reason}."


# Why an unstructured part stays text, in words a curator recognises.
_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), reason)
    for pattern, reason in (
        (
            r"\bals-?frs\b(?![- ]?r\b)|\balsfrs\b(?![- ]?r\b)"
            r"|functional rating scale(?![- ]?revised)",
            "the scale is unclear: the original ALSFRS (0-40) or the ALSFRS-R (0-48); "
            "a curator decides",
        ),
        (r"gold\s+coast|awaji", "a diagnostic system other than El Escorial"),
        (
            r"probable\s+of\s+definite",
            "'probable of definite' may be a typo for 'probable or definite'; a curator decides",
        ),
        (r"weeks\s+days", "'weeks days' does not say which unit is meant"),
        (r"escorial|world\s+federation", "El Escorial categories missing or not understood"),
        (
            r"run-in|decline|\bloss of\b|progression of .* during|slope",
            "a change between visits cannot be checked from one set of answers",
        ),
        (r"estorial", "the criteria named ('Estorial') are unclear; a curator decides"),
        (r"permitted|allowed", "it allows something; there is nothing to check"),
        (r"waking|awake|daytime", "only whether NIV is used while awake is recorded"),
        (r"intravenous|injection|\biv\b", "the route of the drug is not recorded"),
        (
            r"opinion|judge?ment|judged|discretion|as determined by|investigator|\bpi\b|physician"
            r"|significant|compromise|interfere|abuse|alcohol",
            "a clinician's judgement",
        ),
        (r"consent", "consent is confirmed at the site"),
        (
            r"contracepti|birth control|sterile|childbearing|child[- ]bearing|post-?menopausal"
            r"|become pregnant|vasectom",
            "contraception is agreed at the screening visit",
        ),
        (r"life expectancy|survival", "a clinician's judgement"),
        (
            r"\buln\b|upper limit of normal|creatinine|\bast\b|\balt\b|egfr|bilirubin|platelet"
            r"|laborator|transaminase|haemoglobin|hemoglobin",
            "a laboratory value checked at screening",
        ),
        (r"cancer|malignan|tumou?r", "needs the patient's cancer history"),
        (
            r"trial|study|investigational|experimental|protocol",
            "about taking part in studies, checked at the site",
        ),
        (
            r"drug|medication|treatment|therapy|tofersen|supplement",
            "needs the patient's medication history",
        ),
        (
            r"disease|disorder|condition|illness|infection|dementia|cognitive|impairment|insufficiency|failure",
            "needs the patient's medical history",
        ),
        (
            r"mechanical\s+ventilation|ventilator|respiratory\s+(?:support|dependent)",
            "whether invasive or non-invasive ventilation is meant is unclear",
        ),
        (r"medullar", "'medullar' may mean spinal or bulbar onset"),
    )
)


def _reason(text: str) -> str:
    for pattern, reason in _REASONS:
        if pattern.search(text):
            return reason
    return ""


def _item_reason(text: str) -> str:
    reason = _reason(text)
    return (
        f"Not structured: {reason}."
        if reason
        else "Not structured: no measure the screening form records."
    )


# --- Public API --------------------------------------------------------------------------------


def parse_criterion(text: str, kind: str) -> ParsedCriterion:
    """The rule for one criterion item, or None when the wording leaves any doubt."""
    if kind not in (INCLUSION, EXCLUSION):
        return ParsedCriterion(None, "Not under an inclusion or exclusion heading.")
    if not isinstance(text, str) or not text.strip():
        return ParsedCriterion(None, "Nothing to structure.")
    if len(text) > MAX_TEXT_LENGTH:
        return ParsedCriterion(None, "Too long to read automatically.")
    try:
        parsed = _read(text, kind)
    except _Stop as stop:
        return ParsedCriterion(None, str(stop))
    except Exception:  # the contract: never raise; an unreadable item is one for review
        return ParsedCriterion(None, "Could not be read automatically.")
    return parsed


_MENTIONS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = ()


def mentioned_measures(text: str) -> frozenset[str]:
    """The vocabulary measures an item talks about, for the coverage report."""
    if not isinstance(text, str):
        return frozenset()
    low = _ESCAPE.sub(r"\1", text[:MAX_TEXT_LENGTH]).translate(_CHARACTERS).lower()
    low = _NOT_A_RESTRICTION.sub(" ", low)
    found: set[str] = set()
    for pattern, names in _MENTION_PATTERNS:
        if pattern.search(low):
            found.update(names)
    if _DURATION_MENTION.search(low) and re.search(r"\b(?:months?|years?)\b", low):
        found.add("months_since_onset")
    if _DIAGNOSIS_MENTION.search(low):
        found.add("months_since_diagnosis")
    return frozenset(name for name in found if name in MEASURES)


# Wordings that name a measure without saying anything about the patient's value of it.
_NOT_A_RESTRICTION = re.compile(
    r"(?:either\s+)?(?:familial|sporadic|isolated)(?:\s+als)?\s*,?\s*(?:or|and|and/or|/)\s+(?:familial|sporadic)"
    r"|(?:become|get|planning|plan\s+to\s+become)\s+pregnan\w*|planning\s+pregnancy"
    r"|(?:child[- ]?bearing|reproductive)\s+age|age\s+group|norms\s+for\s+age"
    r"|(?:hypersensitivity|allerg\w*|intoleran\w*|contraindications?)\s+(?:to|of|for)\s+[^.;]{0,40}"
    r"|\w+'s\s+side\s+effects|side\s+effects\s+of\s+\w+|fev1\s*/\s*fvc|/\s*fvc\s+ratio|\w+-sod1"
    r"|ability\s+to\s+use\s+niv|initiation\s+of\s+niv"
)
_MENTION_PATTERNS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(pattern), names)
    for pattern, names in (
        (r"\bf\.?v\.?c\b|forced vital capacity", ("fvc_percent",)),
        (r"\bs\.?v\.?c\b|slow vital capacity|slow vc", ("svc_percent",)),
        (r"(?<!forced )(?<!slow )vital capacity|\bvc\b", ("fvc_percent", "svc_percent")),
        (r"alsfrs|als-frs|als functional (?:rating )?scale", ("alsfrs_r",)),
        (
            r"el[- ]?escorial|ei escorial|airlie|world federation of neurology|estorial",
            ("el_escorial",),
        ),
        (r"\b(?:definite|probable)\b(?:[^.;]{0,40})\b(?:als|amyotrophic)\b", ("el_escorial",)),
        (r"riluzole|rilutek", ("riluzole",)),
        (r"edaravone|radicava", ("edaravone",)),
        (r"gastrostomy|\bpeg\b|feeding tube|\bg-?tube\b", ("gastrostomy",)),
        (
            r"trache(?:o)?stomy|tracheotomy|(?<!non-)(?<!non)\binvasive (?:mechanical )?ventilat"
            r"|mechanical ventilation|ventilator",
            ("tracheostomy",),
        ),
        (r"non-?invasive|\bniv\b|bi-?pap|nippv|assisted ventilation|respiratory support", ("niv",)),
        (r"\b(?:when|while|during)\s+(?:any\s+)?(?:awake|waking)", ("niv_while_awake",)),
        (r"pregnan", ("pregnant",)),
        (r"breast[- ]?feeding|lactat|nursing", ("breastfeeding",)),
        (r"\bage[sd]?\b[^.;]{0,25}\d|\d[^.;]{0,25}(?:years? (?:of age|old)|\byrs old)", ("age",)),
        (
            r"^\W*(?:male or female|female or male|males and females|males or females"
            r"|both genders?|both sexes|males?/females?|men and women)"
            r"|both sexes|regardless of gender",
            ("sex",),
        ),
        (r"familial|sporadic|\bfals\b", ("familial",)),
        (r"\b(?:sod1|c9orf72|fus|tardbp|tdp-43)\b", ("gene_variants",)),
        (
            r"bulbar[- ]onset|limb[- ]onset|spinal[- ]onset|primary bulbar|onset region"
            r"|site of onset|medullar onset",
            ("onset_region",),
        ),
        (r"norris", ("norris_bulbar", "norris_limb")),
        (
            r"(?:between|from)\s+(?:the\s+)?(?:first\s+)?(?:symptoms?|onset)[^.;]{0,30}"
            r"\b(?:and|to|until)\s+(?:the\s+)?(?:als\s+)?diagnosis|diagnostic\s+delay",
            ("months_onset_to_diagnosis",),
        ),
        (r"\bweight\b", ("weight_kg",)),
        (r"\bbmi\b|body mass index", ("bmi",)),
    )
)
_DURATION_MENTION = re.compile(
    r"(?<!bulbar[- ])(?<!limb[- ])\bonset\b|first (?:als )?symptoms?|disease duration"
    r"|duration of (?:als )?symptoms"
    r"|evolution of the disease|als history|sclerosis history|motor weakness of"
)
_DIAGNOSIS_MENTION = re.compile(
    r"diagnos\w*[^.;]{0,40}?"
    r"(?:<|<=|less than|no longer than|within|before inclusion|months? before|since)"
    r"|(?:since|from)\s+(?:als\s+)?diagnosis"
)
