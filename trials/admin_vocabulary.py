"""The rule vocabulary page: every measure from the engine, with rules that use it.

Everything is read from `screening.engine.MEASURES` and the rule language itself, and every
example is compiled before it is shown, so the page cannot drift from what the engine accepts.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from screening.engine import MEASURES, Measure, MeasureType, RuleError, Section, compile_rule
from screening.engine import language as rule_language
from screening.engine.wording import number

TYPE_LABELS = {
    MeasureType.NUMBER: "number",
    MeasureType.INTEGER: "whole number",
    MeasureType.BOOLEAN: "yes / no",
    MeasureType.CATEGORY: "one of a list",
    MeasureType.SET: "set of names",
    MeasureType.DATE: "date",
    MeasureType.SCORES: "12 item scores",
}
NOT_IN_RULES = (MeasureType.DATE, MeasureType.SCORES)
IN_USE_SHOWN = 3


@dataclass(frozen=True, slots=True)
class Example:
    rule: str
    reads_as: str


@dataclass(frozen=True, slots=True)
class MeasureRow:
    measure: Measure
    type_label: str
    range_text: str
    choices: tuple[str, ...]
    examples: tuple[Example, ...]
    note: str
    in_use: tuple[str, ...]  # a few stored rules that name the measure
    use_count: int


@dataclass(frozen=True, slots=True)
class SectionRows:
    title: str
    rows: tuple[MeasureRow, ...]


def vocabulary(rules_in_use: Sequence[str] = ()) -> list[SectionRows]:
    """The measures by form section; `rules_in_use` are the distinct stored rules."""
    rows = [measure_row(m, rules_in_use) for m in MEASURES.values()]
    return [
        SectionRows(
            section.value.capitalize(), tuple(r for r in rows if r.measure.section is section)
        )
        for section in Section
    ]


def measure_row(m: Measure, rules_in_use: Sequence[str] = ()) -> MeasureRow:
    name = re.compile(rf"(?<![\w\"]){re.escape(m.name)}(?![\w\"])")
    using = [rule for rule in rules_in_use if name.search(rule)]
    return MeasureRow(
        measure=m,
        type_label=TYPE_LABELS.get(m.type, str(m.type)),
        range_text=range_text(m),
        choices=tuple(f"{c.value} ({c.label})" for c in m.choices),
        examples=tuple(_compiled(text) for text in example_rules(m) if _compiles(text)),
        note=usage_note(m),
        in_use=tuple(sorted(using, key=len)[:IN_USE_SHOWN]),
        use_count=len(using),
    )


def range_text(m: Measure) -> str:
    unit = f" {m.unit}" if m.unit else ""
    if m.minimum is not None and m.maximum is not None:
        return f"{number(m.minimum)} to {number(m.maximum)}{unit}"
    if m.minimum is not None:
        return f"at least {number(m.minimum)}{unit}"
    return unit.strip()


def usage_note(m: Measure) -> str:
    if m.type in NOT_IN_RULES:
        used_by = [other.name for other in MEASURES.values() if m.name in other.derived_from]
        uses = f" Rules use {', '.join(used_by)} instead." if used_by else ""
        return f"Entered on the patient; not compared in rules.{uses}"
    if m.derived:
        return f"Worked out from {', '.join(m.derived_from)}; never entered directly."
    return ""


def example_rules(m: Measure) -> list[str]:
    """Rules a curator could copy: thresholds inside the measure's range, real categories."""
    match m.type:
        case MeasureType.NUMBER | MeasureType.INTEGER:
            low, high = _span(m)
            return [
                f"{m.name} >= {_at(low, high, 0.35)}",
                f"{m.name} between {_at(low, high, 0.25)} and {_at(low, high, 0.75)}",
            ]
        case MeasureType.BOOLEAN:
            return [m.name, f"not {m.name}"]
        case MeasureType.CATEGORY:
            values = [c.value for c in m.choices]
            rules = [f"{m.name} == {values[0]}"]
            if len(values) > 1:
                rules.append(f"{m.name} in {{{values[0]}, {values[1]}?}}")
            return rules
        case MeasureType.SET:
            member = m.choices[0].value if m.choices else "SOD1"
            return [f'"{member}" in {m.name}', f'"{member}" not in {m.name}']
    return []


def _span(m: Measure) -> tuple[float, float]:
    low = m.minimum if m.minimum is not None else 0.0
    high = m.maximum if m.maximum is not None else low + 4
    return low, high


def _at(low: float, high: float, share: float) -> str:
    return number(round(low + (high - low) * share))


def _compiles(text: str) -> bool:
    try:
        compile_rule(text)
    except RuleError:
        return False
    return True


def _compiled(text: str) -> Example:
    rule = compile_rule(text)
    described = rule.describe()
    return Example(rule.source, described[:1].upper() + described[1:])


def grammar() -> str:
    """The rule language's own description, from its module: one text, never a copy."""
    text = rule_language.__doc__ or ""
    return re.sub(r"::\n", ":\n", text).strip()
