"""The screening form, built from the patient vocabulary and read into a patient.

Every input is named as its measure. Text is turned into values by the engine
(`parse_text_value`) and checked by it (`read_patient_lenient`), so the form holds no second
copy of a range or a list of fields. An invalid value is reported at its field and left out.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.http import QueryDict

from screening.engine import (
    ALSFRS_R_ITEMS,
    MEASURES,
    AlsfrsDomain,
    Choice,
    Fact,
    Measure,
    MeasureType,
    Patient,
    Section,
    parse_text_value,
    read_patient_lenient,
    read_screening_date,
)

AS_OF = "as_of"
ITEMS = "alsfrs_r_items"
SECTION_LEGENDS = {
    Section.PATIENT: "Patient",
    Section.DIAGNOSIS: "Diagnosis",
    Section.FUNCTION: "Function",
    Section.BREATHING: "Breathing",
    Section.TREATMENTS: "Treatments",
    Section.OTHER: "Other",
}
ENTERED = tuple(m for m in MEASURES.values() if not m.derived)
# Far above any real value (the longest is a list of genes); a longer one is refused, not cut,
# so that "75 ... <script>" is never read as 75.
MAX_VALUE_LENGTH = 200


@dataclass(frozen=True, slots=True)
class FormReading:
    as_of: date
    raw: dict[str, str | list[str]]  # what was typed, shown again as typed
    patient: Patient
    errors: dict[str, list[str]]  # field -> messages; those fields were ignored
    items_answered: int = 0  # ALSFRS-R items given, of 12; the scores are used once all are

    @property
    def items_pending(self) -> str:
        """Some ALSFRS-R items answered, not all: not an error, but not yet a total either."""
        total = len(ALSFRS_R_ITEMS)
        if not 0 < self.items_answered < total:
            return ""
        return (
            f"{self.items_answered} of {total} items answered; "
            f"the total is worked out when all {total} are."
        )

    def ignored(self) -> list[tuple[Measure | None, list[str]]]:
        return [(MEASURES.get(name), messages) for name, messages in self.errors.items()]

    def subscores(self) -> list[tuple[str, Fact]]:
        """The ALSFRS-R domain subtotals worked out from the items, each named as the
        vocabulary names its domain; none until the items are entered."""
        facts = self.patient.facts
        found = [(domain.label, facts.get(f"alsfrs_r_{domain.value}")) for domain in AlsfrsDomain]
        return [(label, fact) for label, fact in found if fact is not None]

    def entered(self) -> list[tuple[Measure, str]]:
        """The values used, as typed, for the printed summary."""
        shown = []
        for m in ENTERED:
            if m.name not in self.patient.entered:
                continue
            raw = self.raw.get(m.name, "")
            text = ", ".join(raw) if isinstance(raw, list) else raw
            shown.append((m, f"{text} {m.unit}".strip()))
        return shown


@dataclass(frozen=True, slots=True)
class FieldView:
    measure: Measure
    value: str
    errors: list[str]
    trials: int  # trials shown whose rules depend on this measure
    asked: bool  # some loaded trial depends on it, shown or not: kept out of "more fields"
    open_only: bool  # the trials shown are those open to enrolment

    @property
    def uses(self) -> str:
        trials = "open trial" if self.open_only else "trial"
        if not self.trials:
            return f"No {trials} uses this"
        if self.trials == 1:
            return f"1 {trials} uses this"
        return f"{self.trials} {trials}s use this"

    @property
    def widget(self) -> str:
        if self.measure.type in {MeasureType.CATEGORY, MeasureType.BOOLEAN}:
            return "select"
        if self.measure.type in {MeasureType.NUMBER, MeasureType.INTEGER}:
            return "number"
        return self.measure.type.value

    @property
    def step(self) -> str:
        return "1" if self.measure.type == MeasureType.INTEGER else "any"

    @property
    def range_text(self) -> str:
        low, high = self.measure.minimum, self.measure.maximum
        if low is None or high is None or self.measure.type == MeasureType.SCORES:
            return ""
        return f"{low:g}–{high:g}"


@dataclass(frozen=True, slots=True)
class ItemView:
    number: int
    label: str
    domain: str
    choices: tuple[Choice, ...]
    value: str


@dataclass(frozen=True, slots=True)
class SectionView:
    legend: str
    slug: str
    fields: list[FieldView]  # used by at least one loaded trial
    more: list[FieldView]  # used by none: shown behind "more fields"


def _without_field_prefix(name: str, messages: list[str]) -> list[str]:
    prefix = f"{name}: "
    return [m.removeprefix(prefix) for m in messages]


def _too_long(text: str) -> str | None:
    if len(text) <= MAX_VALUE_LENGTH:
        return None
    return f"This is {len(text):,} characters long; at most {MAX_VALUE_LENGTH} are taken."


def _shown_again(text: str) -> str:
    """What is typed is shown again, but never a value too long to be one."""
    return "" if _too_long(text) else text


def _read_screening_date(text: str, today: date, errors: dict[str, list[str]]) -> date:
    if not text:
        return today
    if problem := _too_long(text):
        errors[AS_OF] = [problem]
        return today
    try:
        return read_screening_date(text)
    except ValueError as error:
        errors[AS_OF] = [str(error)]
        return today


def _read_items(
    m: Measure, values: list[str], errors: dict[str, list[str]]
) -> tuple[list[int] | None, int]:
    """The 12 item scores, or None while some are blank; and how many are answered.

    A part-filled set is what the page holds while someone is still answering, so it is
    unknown, not an error; only a value no item can take, or too many values, is refused.
    """
    if len(values) > len(ALSFRS_R_ITEMS):
        errors[ITEMS] = [f"There are {len(ALSFRS_R_ITEMS)} ALSFRS-R items; got {len(values)}."]
        return None, 0
    scores: list[int] = []
    refused: list[str] = []
    for item, value in zip(ALSFRS_R_ITEMS, values, strict=False):
        if not value.strip():
            continue
        try:
            score = int(value)
        except ValueError:
            score = None
        # Checked here, not only by the engine, which reads a complete set only.
        if score is None or not m.minimum <= score <= m.maximum:
            refused.append(str(item.number))
        else:
            scores.append(score)
    if refused:
        which = f"item {refused[0]} is" if len(refused) == 1 else f"items {', '.join(refused)} are"
        span = f"{m.minimum:g} to {m.maximum:g}"
        errors[ITEMS] = [f"Each ALSFRS-R item is a whole number from {span}; {which} not."]
        return None, 0
    if len(scores) != len(ALSFRS_R_ITEMS):
        return None, len(scores)
    return scores, len(scores)


def read_form(data: QueryDict | None, *, today: date) -> FormReading:
    data = data or QueryDict()
    errors: dict[str, list[str]] = {}
    typed_date = data.get(AS_OF, "").strip()
    as_of = _read_screening_date(typed_date, today, errors)
    raw: dict[str, str | list[str]] = {AS_OF: _shown_again(typed_date)}
    values: dict[str, object] = {}
    items_answered = 0
    for m in ENTERED:
        if m.type == MeasureType.SCORES:
            raw[m.name] = data.getlist(m.name)
            value, items_answered = _read_items(m, raw[m.name], errors)
        else:
            typed = data.get(m.name, "")
            raw[m.name] = _shown_again(typed)
            if problem := _too_long(typed):
                errors[m.name] = [problem]
                continue
            try:
                value = parse_text_value(m, typed)
            except ValueError as error:
                errors[m.name] = [str(error)]
                continue
        if value is not None:
            values[m.name] = value
    patient, problems = read_patient_lenient(values, as_of=as_of)
    for name, messages in problems.items():
        errors.setdefault(name, []).extend(_without_field_prefix(name, messages))
    return FormReading(
        as_of=as_of, raw=raw, patient=patient, errors=errors, items_answered=items_answered
    )


def item_views(reading: FormReading) -> list[ItemView]:
    values = reading.raw.get(ITEMS) or [""] * len(ALSFRS_R_ITEMS)
    gastrostomy = reading.patient.entered.get("gastrostomy") is True
    return [
        ItemView(
            number=item.number,
            label=item.label,
            domain=item.domain.label,
            choices=item.choices(gastrostomy=gastrostomy),
            value=values[index] if index < len(values) else "",
        )
        for index, item in enumerate(ALSFRS_R_ITEMS)
    ]


def section_views(
    reading: FormReading,
    usage: Mapping[str, int],
    shown_usage: Mapping[str, int],
    *,
    open_only: bool,
) -> list[SectionView]:
    """The form's sections; `usage` counts every loaded trial and places the fields (so that
    ticking "include trials not open to enrolment" moves none), `shown_usage` counts the trials
    the results show, beside each field."""
    sections = []
    for section, legend in SECTION_LEGENDS.items():
        fields = [
            FieldView(
                measure=m,
                value=str(reading.raw.get(m.name, "")) if m.type != MeasureType.SCORES else "",
                errors=reading.errors.get(m.name, []),
                trials=shown_usage.get(m.name, 0),
                asked=m.name in usage,
                open_only=open_only,
            )
            for m in ENTERED
            if m.section == section
        ]
        # A field with a value or an error stays in view even if no trial asks for it.
        shown = [f for f in fields if f.asked or f.value or f.errors or f.measure.name == ITEMS]
        more = [f for f in fields if f not in shown]
        sections.append(SectionView(legend, section.value, shown, more))
    return sections
