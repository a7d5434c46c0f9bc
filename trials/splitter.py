"""Split ClinicalTrials.gov eligibility-criteria text into ordered criterion items.

Plain Python on purpose: no Django, so the splitter can be tested and reused on its own.

The registry text is loosely Markdown (the v2 API escapes punctuation with backslashes)
but real records also come with their line breaks collapsed onto one line, hard-wrapped
lines, numbered lists nested inside bullet lists and headings in many spellings.  The
splitter never drops text: anything it cannot place becomes an item of its own, and
text outside any inclusion/exclusion heading is kept as UNCLASSIFIED for review.  When a
split is doubtful it is not made: a missed split only makes one item longer, a wrong
split cuts a criterion in two.
"""

import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class ItemKind(StrEnum):
    INCLUSION = "inclusion"
    EXCLUSION = "exclusion"
    # Text under no inclusion/exclusion heading: kept, marked for review.
    UNCLASSIFIED = "unclassified"


@dataclass(frozen=True, slots=True)
class SplitItem:
    kind: ItemKind
    text: str
    depth: int
    parent: int | None
    section: str


# --- Markdown escapes ---------------------------------------------------------------------
#
# Escaped characters are swapped for private-use code points while splitting, so that an
# escaped "\*" or "1\." can never be taken for a list marker, and swapped back at the end.

_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_PROTECTED_OFFSET = 0xE000
_PROTECTED = re.compile("[\ue021-\ue07e]")


def _protect(text: str) -> str:
    # "_" is a word character: hiding it would cut "\_x" into two words, and it is never a marker.
    return _ESCAPE.sub(lambda m: "_" if m[1] == "_" else chr(_PROTECTED_OFFSET + ord(m[1])), text)


def _restore(text: str) -> str:
    return _PROTECTED.sub(lambda m: chr(ord(m[0]) - _PROTECTED_OFFSET), text)


def unescape_markdown(text: str) -> str:
    """Remove Markdown backslash escapes (``\\>`` -> ``>``, ``\\\\`` -> ``\\``)."""
    return _restore(_protect(text))


# --- Headings -----------------------------------------------------------------------------


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_KEYWORD = r"(?:inclusion|exclusion)"

# A whole line (or the start of one, up to a colon) that is a heading.  Prefixes such as
# "Key", "Cohort 2" or "Open-label extension:" and suffixes such as "for Part A" or
# "(Main Study)" are part of the heading.
_LINE_HEADING = re.compile(
    rf"""
    (?P<head>
      (?P<pre>[^:]{{1,40}}:\s*|(?:[^\s:]+\s+){{1,4}})??
      (?P<non>non[-\s]?)?
      (?P<kw>{_KEYWORD})\b
      (?:\s*(?:and|&|/|or)\s*(?P<kw2>{_KEYWORD})\b)?
      (?P<crit>\s+criteri(?:a|on)\b)?
      (?:\s*\([^()]{{1,40}}\)|\s+for\s+[^:.()]{{1,40}}?|\s+(?:include|includes|are|is)\b)*
    )
    (?:\s*:\s*(?P<rest>.*)|\s*)
    """,
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)

# "Inclusion Criteria Patients entering this study: ..." - a heading without a colon,
# followed on the same line by the first item.
_BARE_HEADING = re.compile(
    rf"""
    (?P<head>(?i:(?P<non>non[-\s]?)?(?P<kw>{_KEYWORD})\b(?:\s*(?:and|&|/)\s*(?P<kw2>{_KEYWORD}))?
    \s+criteri(?:a|on)))\s+(?P<rest>\S.*)
    """,
    re.VERBOSE | re.DOTALL,
)

# Words that show a line mentions the criteria rather than heading them
# ("Patients must meet all inclusion criteria").
_NOT_HEADING_WORDS = _word_set(
    """must meet meets met meeting all any the following of who which that is are not no
    satisfy satisfies fulfil fulfill fulfils fulfills have has should will may can be these
    those above below see per listed with without if and or to in on"""
)

_INLINE_PREFIX = (
    r"Key|KEY|Main|MAIN|Major|MAJOR|General|GENERAL|Additional|Other|Specific|Principal"
    r"|Primary|Secondary|Basic|Core|Selected|Important|Disease[- ][Ss]pecific"
    r"|Study[- ][Ss]pecific|(?:Part|Cohort|Phase|Stage|Arm|Group|PART|COHORT)\s+\w{1,3}"
)

# A heading in the middle of a line whose line breaks were collapsed.  Only a capitalised
# keyword qualifies: "the diagnostic criteria and exclusion criteria for ALS" is prose.
_INLINE_HEADING = re.compile(
    rf"""
    (?<![\w-])
    (?P<head>
      (?:(?:{_INLINE_PREFIX})\s+)?
      (?P<kw>Inclusion|INCLUSION|Exclusion|EXCLUSION)\b
      (?:\s+(?:and|AND|&|/|or)\s+(?P<kw2>(?i:inclusion|exclusion))\b)?
      (?P<crit>\s+(?:[Cc]riteria|CRITERIA|[Cc]riterion|CRITERION)\b)?
      (?:\s*\([^()]{{1,40}}\))?
    )
    (?P<colon>\s*:)?
    """,
    re.VERBOSE,
)

# Words after which a capitalised "Inclusion Criteria" is prose, not a heading.
_NOT_BEFORE_HEADING = _word_set(
    """all the any these those following of meet meets meeting met satisfy fulfil fulfill
    see per above below"""
)


@dataclass(frozen=True, slots=True)
class _Heading:
    text: str
    kind: ItemKind


def _heading_kind(keyword: str, second: str | None, negated: bool) -> ItemKind:
    first = keyword.lower()
    if second and second.lower() != first:
        return ItemKind.UNCLASSIFIED
    if first == "inclusion" and not negated:
        return ItemKind.INCLUSION
    return ItemKind.EXCLUSION


def _plain_prefix(prefix: str | None) -> bool:
    words = re.findall(r"[\w'’]+", (prefix or "").lower())
    return len(words) <= 5 and not _NOT_HEADING_WORDS.intersection(words)


def _line_heading(body: str, after_break: bool) -> tuple[_Heading, str] | None:
    """The heading at the start of a line and the rest of the line, if the line has one."""
    match = _LINE_HEADING.fullmatch(body)
    if match and _plain_prefix(match["pre"]) and len(match["head"].split()) <= 10:
        has_colon = match["rest"] is not None
        # Without a colon the whole line must look like a title, so that the tail of a
        # hard-wrapped sentence ("...who do not meet the\ninclusion criteria") is not one.
        titled = body[:1].isupper() or after_break
        if (has_colon and (match["crit"] or match["pre"] is None)) or (match["crit"] and titled):
            kind = _heading_kind(match["kw"], match["kw2"], bool(match["non"]))
            return _Heading(match["head"].strip(), kind), match["rest"] or ""
    bare = _BARE_HEADING.match(body)
    if bare and (bare["rest"][0].isupper() or _MARKER_AT_START.match(bare["rest"])):
        kind = _heading_kind(bare["kw"], bare["kw2"], bool(bare["non"]))
        return _Heading(bare["head"], kind), bare["rest"]
    return None


def _bulleted_line_heading(body: str, after_break: bool) -> _Heading | None:
    """A heading written as a bullet ("* Exclusion Criteria:") with nothing after it."""
    bullet = re.match(r"[-*+•]\s+", body)
    if not bullet:
        return None
    found = _line_heading(body[bullet.end() :], after_break)
    if found and not found[1].strip():
        return found[0]
    return None


def _previous_word(text: str) -> str:
    words = text.split()
    return words[-1] if words else ""


def _is_inline_heading(text: str, match: re.Match[str]) -> bool:
    # Only the words next to a heading matter; a window keeps long collapsed texts linear.
    before = text[max(0, match.start() - _CONTEXT) : match.start()].rstrip()
    if _previous_word(before).lower() in _NOT_BEFORE_HEADING:
        return False
    after = text[match.end() : match.end() + _CONTEXT].lstrip()
    if match["colon"]:
        return bool(match["crit"]) or _MARKER_AT_START.match(after) is not None
    if not match["crit"]:
        return False
    if not after or _MARKER_AT_START.match(after):
        return True
    sentence_start = not before or before[-1] in ".!?;"
    return sentence_start and after[0].isupper()


def _split_inline_headings(text: str, at_line_start: bool) -> list[str | _Heading]:
    """Cut a line at the headings inside it, e.g. "... last item Exclusion Criteria: * ..."."""
    parts: list[str | _Heading] = []
    position = 0
    for match in _INLINE_HEADING.finditer(text):
        # The start of a line was already tried as a line heading, by looser rules.
        if match.start() < position or (at_line_start and match.start() == 0):
            continue
        if not _is_inline_heading(text, match):
            continue
        parts.append(text[position : match.start()])
        kind = _heading_kind(match["kw"], match["kw2"], negated=False)
        parts.append(_Heading(match["head"].strip(), kind))
        position = match.end()
    parts.append(text[position:])
    return [part for part in parts if isinstance(part, _Heading) or part.strip()]


# --- List markers -------------------------------------------------------------------------

_CIRCLED = "\u2460-\u2473\u24eb-\u24f4\u2776-\u2793"
_ENUM_TOKEN = r"\d{1,2}|[ivx]{1,6}|[IVX]{1,6}|[A-Za-z]"

_MARKER_AT_START = re.compile(
    rf"""
    (?:(?P<bullet>[-*+–—])
      |(?P<wide>[•·▪◦●○■►▸➢])
      |\((?P<paren>{_ENUM_TOKEN})\)
      |(?P<bare>{_ENUM_TOKEN})(?P<punct>[.)])
    )(?:\s+|$)
    |(?P<circled>[{_CIRCLED}])\s*
    |(?P<wide_tight>[•·▪◦●■►▸➢])\s*
    """,
    re.VERBOSE,
)

# Markers inside a line.  "-" and "+" are left out: " - " is far more often a dash
# ("age 21 years - 75 years") than a collapsed bullet.
_MARKER_INLINE = re.compile(
    rf"""
    (?<!\S)
    (?:(?P<wide>[*•·▪◦●■►▸➢])
      |\((?P<paren>{_ENUM_TOKEN})\)
      |(?P<bare>{_ENUM_TOKEN})(?P<punct>[.)])
    )\s+(?=\S)
    |(?P<circled>[{_CIRCLED}])\s*(?=\S)
    """,
    re.VERBOSE,
)

_ROMAN = re.compile(r"x{0,3}(?:ix|iv|v?i{0,3})")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}

# After these words a number is a quantity or a label, not a list marker
# ("at least 2. ", "grade 3. ", "type 1. ").
_QUANTITY_WORDS = _word_set(
    """than least most of to from between and or grade stage class type phase part score
    level version item no number step appendix table section figure criterion over under
    above below within approximately about x times by is was be equals equal"""
)
_COMPARATORS = tuple("≥≤<>=±~+-−–/×^")
_CONTEXT = 80
# How many later markers are searched for an outer list resuming after a nested one. Real
# nested lists are a few items long; searching every later marker made long runs of markers
# quadratic (a 10 KB record of "① " took minutes).
_LOOKAHEAD = 100


@dataclass(frozen=True, slots=True)
class _Reading:
    """One way to read a marker: "i." is the ninth letter or the first roman numeral."""

    style: str
    value: int | None  # position in its sequence; None for bullets


@dataclass(frozen=True, slots=True)
class _Marker:
    start: int
    end: int
    readings: tuple[_Reading, ...]
    inline: bool
    after_colon: bool


def _roman_value(token: str) -> int | None:
    if not token or not _ROMAN.fullmatch(token):
        return None
    values = [_ROMAN_VALUES[char] for char in token]
    total = 0
    for index, value in enumerate(values):
        following = values[index + 1] if index + 1 < len(values) else 0
        total += -value if value < following else value
    return total


def _enum_readings(token: str, punct: str) -> tuple[_Reading, ...]:
    if token.isdigit():
        return (_Reading(f"number{punct}", int(token)),)
    if not (token.islower() or token.isupper()):
        return ()
    case = "lower" if token.islower() else "upper"
    readings = []
    if len(token) == 1:
        readings.append(_Reading(f"letter-{case}{punct}", ord(token.lower()) - ord("a") + 1))
    roman = _roman_value(token.lower())
    if roman:
        readings.append(_Reading(f"roman-{case}{punct}", roman))
    return tuple(readings)


def _readings(match: re.Match[str]) -> tuple[_Reading, ...]:
    groups = match.groupdict()
    for name in ("bullet", "wide", "wide_tight"):
        if groups.get(name):
            return (_Reading(f"bullet{groups[name]}", None),)
    if groups["circled"]:
        return (_Reading("circled", int(unicodedata.numeric(groups["circled"]))),)
    if groups["paren"]:
        return _enum_readings(groups["paren"], "()")
    return _enum_readings(groups["bare"], groups["punct"])


def _looks_like_quantity(before: str) -> bool:
    """Whether a number after this text reads as a quantity ("≥ 2.", "at least 2.")."""
    word = _previous_word(before)
    if not word:
        return False
    if word.endswith(_COMPARATORS):
        return True
    return word.isalpha() and word.lower() in _QUANTITY_WORDS


def _between_numbers(before: str, after: str) -> bool:
    """A star between numbers is multiplication: "5 * 10^9/L"."""
    return _previous_word(before)[-1:].isdigit() and after.lstrip()[:1].isdigit()


def _inline_marker(text: str, match: re.Match[str]) -> _Marker | None:
    readings = _readings(match)
    if not readings:
        return None
    # Only the words next to a marker matter; a window keeps long collapsed texts linear.
    before = text[max(0, match.start() - _CONTEXT) : match.start()]
    after = text[match.end() : match.end() + _CONTEXT]
    first = readings[0]
    if first.value is None and _between_numbers(before, after):
        return None
    if first.value is not None and first.style != "circled" and _looks_like_quantity(before):
        return None
    after_colon = before.rstrip().endswith((":", "："))
    return _Marker(match.start(), match.end(), readings, inline=True, after_colon=after_colon)


def _markers(text: str) -> list[_Marker]:
    """Every possible marker in a piece of text; which are real is decided in context."""
    found: list[_Marker] = []
    leading = _MARKER_AT_START.match(text)
    if leading and (readings := _readings(leading)):
        found.append(_Marker(0, leading.end(), readings, inline=False, after_colon=False))
    for match in _MARKER_INLINE.finditer(text):
        if found and match.start() < found[-1].end:
            continue
        marker = _inline_marker(text, match)
        if marker:
            found.append(marker)
    return found


# --- Lines to events ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Text:
    text: str
    indent: int
    starts_line: bool
    blank_before: bool
    previous_line: str | None
    markers: tuple[_Marker, ...]


type _Event = _Heading | _Text


def _line_events(line: str, blank_before: bool, previous_line: str | None) -> list[_Event]:
    body = line.strip()
    indent = len(line) - len(line.lstrip())
    after_break = blank_before or previous_line is None
    bulleted = _bulleted_line_heading(body, after_break)
    if bulleted:
        return [bulleted]
    events: list[_Event] = []
    starts_line = True
    heading = _line_heading(body, after_break)
    if heading:
        events.append(heading[0])
        body, starts_line = heading[1], False
    for part in _split_inline_headings(body, starts_line):
        if isinstance(part, _Heading):
            events.append(part)
            starts_line = False
            continue
        text = part.strip()
        markers = tuple(_markers(text))
        events.append(_Text(text, indent, starts_line, blank_before, previous_line, markers))
        blank_before, starts_line = False, False
    return events


def _events(text: str) -> list[_Event]:
    events: list[_Event] = []
    blank_before, previous_line = False, None
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4).split("\n"):
        line = raw.rstrip()
        if not line.strip():
            blank_before, previous_line = True, None
            continue
        events.extend(_line_events(line, blank_before, previous_line))
        blank_before, previous_line = False, line
    return events


# --- Building items -----------------------------------------------------------------------

_CONNECTING_WORDS = _word_set(
    "and or of the to with for in a an by than at as from on including such"
)


def _continues_previous_line(previous_line: str, text: str, longest_line: int) -> bool:
    """Whether an unmarked line is the hard-wrapped tail of the line before it.

    Markdown joins such lines, but a record that is not hard-wrapped sometimes just lost a
    marker: a short line followed by a capitalised one is then a new item.  A wrapped line
    always ends where the next word would not have fitted.
    """
    first_word = text.split(maxsplit=1)[0]
    if not first_word[0].isupper():
        return True
    tail = previous_line.rstrip()
    if tail.endswith((",", ";", "(", "/", "-", "–")):
        return True
    if _previous_word(tail).lower() in _CONNECTING_WORDS:
        return True
    return len(tail) + 1 + len(first_word) > longest_line


_SENTENCE_BREAK = re.compile(r"[.!?][\"'”’)\]]*\s+\W{0,3}[A-Z]")


def _is_label(text: str) -> bool:
    """A short sub-heading such as "Disease Characteristics:" that introduces a list."""
    return text.endswith(":") and 1 <= len(text.split()) <= 4


@dataclass(slots=True)
class _Draft:
    kind: ItemKind
    section: str
    depth: int
    parent: int | None
    marked: bool
    content_indent: int
    marker: str = ""
    pieces: list[str] = field(default_factory=list)

    def text(self) -> str:
        return " ".join(" ".join(self.pieces).split())

    def final_text(self) -> str:
        # A marker with nothing after it ("... 9." at the end of a cut-off record) is kept
        # as the text when it holds a word, so that no word is ever dropped.
        text = self.text()
        if not text and re.search(r"\w", self.marker):
            return self.marker.strip()
        return text


@dataclass(slots=True, eq=False)
class _Level:
    """An open list: its indentation, marker style, next expected number and last item."""

    indent: int
    style: str
    expected: int | None
    item: int
    parent: int | None
    depth: int


def _later_line_starts(events: list[_Event]) -> list[frozenset[_Reading]]:
    """For each event, the readings of markers starting later lines before the next heading."""
    result: list[frozenset[_Reading]] = []
    later: frozenset[_Reading] = frozenset()
    for event in reversed(events):
        result.append(later)
        if isinstance(event, _Heading):
            later = frozenset()
        elif event.markers and not event.markers[0].inline:
            later = later | set(event.markers[0].readings)
    return result[::-1]


def _second_follows(first: _Reading, markers: tuple[_Marker, ...], start: int) -> bool:
    """A list starting mid-sentence counts only if its second item follows."""
    for marker in markers[start:]:
        for reading in marker.readings:
            if reading.style == first.style:
                return reading.value == 2
    return False


def _continues_list(level: _Level, reading: _Reading) -> bool:
    return level.style == reading.style and level.expected == reading.value


class _Builder:
    def __init__(self, events: list[_Event], longest_line: int) -> None:
        self.events = events
        self.longest_line = longest_line
        self.drafts: list[_Draft] = []
        self.stack: list[_Level] = []
        self.current: int | None = None
        self.kind = ItemKind.UNCLASSIFIED
        self.section = ""
        self.heading: _Heading | None = None
        self.section_start = 0
        self.event_index = 0
        self.marker_index = 0
        self.later_line_starts = _later_line_starts(events)

    # sections

    def take_heading(self, heading: _Heading) -> None:
        self.stack, self.current = [], None
        if self.heading is not None and not self._section_has_text():
            heading = self._merge_empty_heading(self.heading, heading)
        repeated = heading.text == self._last_section()
        self.heading, self.section_start = heading, len(self.drafts)
        self.kind, self.section = heading.kind, heading.text
        if repeated:
            # The same heading again would not show as a new section, so its words would be
            # lost to a reader of sections: keep it as an item of the section instead.
            self._open(depth=0, parent=None, marked=False, content_indent=10**6)
            self.drafts[-1].pieces.append(heading.text)
            self.current = None

    def _last_section(self) -> str | None:
        return next((draft.section for draft in reversed(self.drafts) if draft.final_text()), None)

    def _section_has_text(self) -> bool:
        return any(draft.final_text() for draft in self.drafts[self.section_start :])

    def _merge_empty_heading(self, empty: _Heading, heading: _Heading) -> _Heading:
        """Consecutive headings ("Inclusion Criteria:" then "Main inclusion criteria:")."""
        if empty.kind in (heading.kind, ItemKind.UNCLASSIFIED):
            return _Heading(f"{empty.text} / {heading.text}", heading.kind)
        self._keep_heading_as_item(empty)
        return heading

    def _keep_heading_as_item(self, heading: _Heading) -> None:
        # A heading with nothing under it still holds words; review it rather than drop it.
        draft = _Draft(ItemKind.UNCLASSIFIED, "", 0, None, False, 0, pieces=[heading.text])
        self.drafts.append(draft)

    def finish(self) -> list[_Draft]:
        if self.heading is not None and not self._section_has_text():
            self._keep_heading_as_item(self.heading)
        return self.drafts

    # text

    def take_text(self, text: _Text) -> None:
        markers = text.markers
        position, run_style = 0, None
        leading = markers[0] if markers and not markers[0].inline else None
        reading = self._leading_reading(leading) if leading else None
        if leading and reading:
            self.marker_index = 0
            self._open_marked(reading, text, leading)
            position, run_style = leading.end, reading.style
        else:
            self._take_unmarked(text)
        for index, marker in enumerate(markers):
            if not marker.inline:
                continue
            self.marker_index = index
            reading = self._inline_reading(marker, run_style, markers, index)
            if reading is None:
                continue
            self._append(text.text[position : marker.start])
            self._open_marked(reading, text, marker)
            position, run_style = marker.end, reading.style
        self._append(text.text[position:])

    def _append(self, piece: str) -> None:
        if piece.strip() and self.current is not None:
            self.drafts[self.current].pieces.append(piece)

    def _take_unmarked(self, text: _Text) -> None:
        if not self._continues_item(text):
            self._open(depth=0, parent=None, marked=False, content_indent=10**6)
            self.stack = []

    def _continues_item(self, text: _Text) -> bool:
        if self.current is None or not text.starts_line:
            return False
        draft = self.drafts[self.current]
        if text.blank_before:
            return draft.marked and 0 < draft.content_indent <= text.indent
        if text.previous_line is None:
            return False
        return _continues_previous_line(text.previous_line, text.text, self.longest_line)

    def _open(self, depth: int, parent: int | None, marked: bool, content_indent: int) -> int:
        self.drafts.append(_Draft(self.kind, self.section, depth, parent, marked, content_indent))
        self.current = len(self.drafts) - 1
        return self.current

    def _open_marked(self, reading: _Reading, text: _Text, marker: _Marker) -> None:
        depth, parent = self._place(reading, text.indent)
        content_indent = text.indent + marker.end - marker.start
        item = self._open(depth, parent, marked=True, content_indent=content_indent)
        self.drafts[item].marker = text.text[marker.start : marker.end]
        self.stack[-1].item = item

    # marker choice

    def _continuing(self, reading: _Reading) -> _Level | None:
        return next((lvl for lvl in reversed(self.stack) if _continues_list(lvl, reading)), None)

    def _leading_reading(self, marker: _Marker) -> _Reading | None:
        first = marker.readings[0]
        if first.value is None or first.style == "circled" or first.style.startswith("number"):
            return first
        # A line starting "C. difficile" is not a list; letters must start or continue one.
        for reading in marker.readings:
            if self._continuing(reading):
                return reading
        return next((reading for reading in marker.readings if reading.value == 1), None)

    def _inline_reading(
        self, marker: _Marker, run_style: str | None, markers: tuple[_Marker, ...], index: int
    ) -> _Reading | None:
        first = marker.readings[0]
        if first.style == "circled":
            return first
        if first.value is None:
            accepted = first.style == run_style or marker.after_colon
            return first if accepted else None
        for reading in marker.readings:
            if self._starts_a_later_line(reading):
                continue
            if self._continuing(reading):
                return reading
            if reading.value == 1 and (
                marker.after_colon or _second_follows(reading, markers, index + 1)
            ):
                return reading
        return None

    def _starts_a_later_line(self, reading: _Reading) -> bool:
        """In a list with one item per line, "2." inside item 1's text is not item 2."""
        return reading in self.later_line_starts[self.event_index]

    # nesting

    def _place(self, reading: _Reading, indent: int) -> tuple[int, int | None]:
        """Depth and parent of a new marked item; updates the open lists."""
        while self.stack and self.stack[-1].indent > indent + 1:
            self.stack.pop()
        same = self._same_indent_levels(indent)
        match = next((lvl for lvl in reversed(same) if _continues_list(lvl, reading)), None)
        if match is not None:
            return self._sibling(match, reading)
        if not same:
            return self._first_child(reading, indent)
        top = same[-1]
        ancestor = next((lvl for lvl in reversed(same) if lvl.style == reading.style), None)
        if reading.style != top.style:
            if ancestor is not None:
                return self._sibling(ancestor, reading)
            if self.drafts[top.item].text().endswith(":") or self._parent_resumes(top, reading):
                return self._child(top, reading, indent)
            return self._replace(top, reading, indent)
        if reading.value == 1 and self._restart_is_nested(top, reading):
            return self._child(top, reading, indent)
        return self._sibling(top, reading)

    def _restart_is_nested(self, top: _Level, reading: _Reading) -> bool:
        """Whether "1." after item 3 of the same style starts a sub-list of item 3.

        Yes when item 3 is one clause introducing it ("3. Any of the following: 1. ...") or
        when item 4 follows the sub-list; a colon after a sentence ("... below. For PD: 1.")
        more often labels a new list.
        """
        text = self.drafts[top.item].text()
        if text.endswith(":") and not _SENTENCE_BREAK.search(text):
            return True
        return self._parent_resumes(top, reading)

    def _same_indent_levels(self, indent: int) -> list[_Level]:
        same: list[_Level] = []
        for level in reversed(self.stack):
            if abs(level.indent - indent) > 1:
                break
            same.insert(0, level)
        return same

    def _sibling(self, level: _Level, reading: _Reading) -> tuple[int, int | None]:
        while self.stack[-1] is not level:
            self.stack.pop()
        level.style = reading.style
        level.expected = None if reading.value is None else reading.value + 1
        return level.depth, level.parent

    def _child(self, parent: _Level, reading: _Reading, indent: int) -> tuple[int, int | None]:
        return self._push(reading, indent, parent.item, parent.depth + 1)

    def _replace(self, level: _Level, reading: _Reading, indent: int) -> tuple[int, int | None]:
        while self.stack[-1] is not level:
            self.stack.pop()
        self.stack.pop()
        return self._push(reading, indent, level.parent, level.depth)

    def _first_child(self, reading: _Reading, indent: int) -> tuple[int, int | None]:
        if self.stack:
            return self._child(self.stack[-1], reading, indent)
        current = self.drafts[self.current] if self.current is not None else None
        if current is not None and not current.marked and _is_label(current.text()):
            return self._push(reading, indent, self.current, current.depth + 1)
        return self._push(reading, indent, None, 0)

    def _push(
        self, reading: _Reading, indent: int, parent: int | None, depth: int
    ) -> tuple[int, int | None]:
        expected = None if reading.value is None else reading.value + 1
        self.stack.append(_Level(indent, reading.style, expected, -1, parent, depth))
        return depth, parent

    def _later_markers(self) -> Iterator[_Marker]:
        """Markers after the current one, up to the next heading, nearest first."""
        event = self.events[self.event_index]
        assert isinstance(event, _Text)
        # Indexes, not slices: a slice per marker copies the rest of the text's markers.
        for index in range(self.marker_index + 1, len(event.markers)):
            yield event.markers[index]
        for index in range(self.event_index + 1, len(self.events)):
            other = self.events[index]
            if isinstance(other, _Heading):
                return
            yield from other.markers

    def _parent_resumes(self, parent: _Level, child: _Reading) -> bool:
        """Whether a list that starts inside another is followed by the outer list's next item.

        That is what tells "3. Any of: 1. A 2. B 4. C" (nested) from two lists in a row.
        """
        expected = None if child.value is None else child.value + 1
        for marker in itertools.islice(self._later_markers(), _LOOKAHEAD):
            readings = marker.readings
            if any(r.style == child.style and r.value == expected for r in readings):
                expected = None if expected is None else expected + 1
            elif any(r.style == parent.style and r.value == parent.expected for r in readings):
                return True
            elif not marker.inline:
                return False
        return False


def _drop_empty(drafts: list[_Draft]) -> list[_Draft]:
    """Remove items left without text (a bare marker), re-attaching their children."""
    new_index: dict[int, int | None] = {}
    kept: list[_Draft] = []
    for index, draft in enumerate(drafts):
        parent = None if draft.parent is None else new_index[draft.parent]
        if not draft.final_text():
            new_index[index] = parent
            continue
        draft.parent = parent
        draft.depth = 0 if parent is None else kept[parent].depth + 1
        new_index[index] = len(kept)
        kept.append(draft)
    return kept


def split_criteria(text: str) -> list[SplitItem]:
    """Split an eligibility-criteria text into ordered inclusion/exclusion items."""
    protected = _protect(text or "")
    events = _events(protected)
    longest_line = max((len(line.rstrip()) for line in protected.splitlines()), default=0)
    builder = _Builder(events, longest_line)
    for index, event in enumerate(events):
        builder.event_index = index
        if isinstance(event, _Heading):
            builder.take_heading(event)
        else:
            builder.take_text(event)
    return [
        SplitItem(
            kind=draft.kind,
            text=_restore(draft.final_text()),
            depth=draft.depth,
            parent=draft.parent,
            section=_restore(draft.section),
        )
        for draft in _drop_empty(builder.finish())
    ]
