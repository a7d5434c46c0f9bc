"""Reading a patient record, and the facts derived from it for a screening date.

All time arithmetic is relative to the screening date `as_of`. A date may be known to the day
("2024-03-15") or only to the month ("2024-03"); a month-precise date makes every value computed
from it a range (earliest..latest), so a rule near a threshold answers "unknown" instead of
guessing.
"""

import calendar
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from types import MappingProxyType

from screening.engine.vocabulary import (
    ALSFRS_R_ITEMS,
    ITEM_SCORE_MAX,
    MEASURES,
    AlsfrsDomain,
    Measure,
    MeasureType,
    measure,
    set_member,
    suggestion,
)
from screening.engine.wording import PERCENT, choice_text, mid_sentence, number

DAYS_PER_MONTH = 365.25 / 12
# Measures with a `<drug>_since` date and stable days (while current), and a `<drug>_stopped`
# date and days since stopping (when past).
DRUGS = ("riluzole", "edaravone")
# Outside this span a date is a typing slip ("0202-01-01"), and the arithmetic stays in range.
FIRST_YEAR, LAST_YEAR = 1900, 2100

_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


@dataclass(frozen=True, slots=True)
class Interval:
    """A number known to lie in [low, high]; exact when low == high."""

    low: float
    high: float

    @classmethod
    def point(cls, value: float) -> "Interval":
        return cls(value, value)

    @property
    def exact(self) -> bool:
        return self.low == self.high


@dataclass(frozen=True, slots=True)
class DateRange:
    """A date known to the day (earliest == latest) or only to the month."""

    earliest: date
    latest: date

    @property
    def exact(self) -> bool:
        return self.earliest == self.latest

    def __str__(self) -> str:
        return self.earliest.isoformat() if self.exact else self.earliest.strftime("%Y-%m")


class ClockUnit(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class Clock:
    """How a fact grows with the screening date: whole units elapsed since `start`."""

    start: DateRange
    unit: ClockUnit

    def crossings(self, threshold: float) -> tuple[date, ...]:
        """The days on which the fact may cross `threshold`.

        A strict and a non-strict comparison flip on consecutive days, and each end of an
        uncertain start moves one end of the range, so every neighbour is a candidate.
        """
        found: set[date] = set()
        for origin in {self.start.earliest, self.start.latest}:
            if self.unit is ClockUnit.YEAR:
                whole = math.floor(threshold)
                found.update(_anniversary(origin, n) for n in (whole, whole + 1) if n >= 0)
            else:
                scale = DAYS_PER_MONTH if self.unit is ClockUnit.MONTH else 1
                days = math.floor(threshold * scale)
                found.update(origin + timedelta(days=d) for d in (days, days + 1) if d >= 0)
        return tuple(sorted(found))


type Value = Interval | bool | str | frozenset[str] | DateRange | tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Fact:
    value: Value
    imprecise: tuple[str, ...] = ()  # entered dates known only to the month behind a range
    clock: Clock | None = None  # set when the value grows with the screening date

    @property
    def note(self) -> str:
        """Why the value is a range: "symptom onset known to the month"."""
        return _note(self.imprecise)


@cache
def _note(imprecise: tuple[str, ...]) -> str:
    return ", ".join(
        f"{mid_sentence(measure(name).label)} known to the month" for name in imprecise
    )


class PatientError(ValueError):
    """Every problem in a patient record at once: field name -> plain-word messages."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        self.errors = {name: list(messages) for name, messages in errors.items()}
        super().__init__("; ".join(m for messages in self.errors.values() for m in messages))


@dataclass(frozen=True)
class Patient:
    as_of: date
    entered: Mapping[str, object]  # typed values, as read
    facts: Mapping[str, Fact]  # entered and derived
    # Derived facts whose inputs were given but that have no value, with the reason:
    # riluzole_stable_days -> "riluzole use is none (never taken)".
    unavailable: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def at(self, as_of: date) -> "Patient":
        """The same patient screened on another date.

        Durations, stable days and age from a birth date are recomputed; what was measured
        (scores, the progression rate at the assessment) stays as measured.
        """
        for name, value in self.entered.items():
            if isinstance(value, DateRange) and value.earliest > as_of:
                raise ValueError(f"{as_of} is before {name} {value}")
        facts = {**self.facts, **_clocked(self.entered, as_of)}
        return Patient(as_of, self.entered, MappingProxyType(facts), self.unavailable)

    def to_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "entered": {name: _json(value) for name, value in self.entered.items()},
            "derived": {
                name: _json(fact.value)
                for name, fact in self.facts.items()
                if name not in self.entered
            },
        }


def read_patient(data: Mapping[str, object], *, as_of: date | None = None) -> Patient:
    """A patient from JSON-typed data; raises PatientError listing every problem."""
    as_of, entered, errors = _read(data, as_of)
    if errors:
        raise PatientError(errors)
    return _patient(entered, as_of)


def read_patient_lenient(
    data: Mapping[str, object], *, as_of: date | None = None
) -> tuple[Patient, dict[str, list[str]]]:
    """Like read_patient, but each invalid field is dropped (unknown) and reported."""
    as_of, entered, errors = _read(data, as_of)
    kept = {name: value for name, value in entered.items() if name not in errors}
    return _patient(kept, as_of), errors


def parse_text_value(measure: Measure, text: str) -> object:
    """Form or command-line text as the JSON-typed value the readers take; "" is unknown."""
    text = text.strip()
    if not text:
        return None
    match measure.type:
        case MeasureType.NUMBER:
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"{measure.label} must be a number; got {text!r}") from None
            if not math.isfinite(value):
                raise ValueError(f"{measure.label} must be a number; got {text!r}")
            return int(value) if value.is_integer() else value
        case MeasureType.INTEGER:
            return _whole(measure.label, text)
        case MeasureType.BOOLEAN:
            answer = _YES_NO.get(text.lower())
            if answer is None:
                raise ValueError(f"{measure.label} must be yes or no; got {text!r}")
            return answer
        case MeasureType.CATEGORY:
            for choice in measure.choices:
                if text.lower() in (choice.value, choice.label.lower()):
                    return choice.value
            raise ValueError(f"{measure.label} must be one of {_values(measure)}; got {text!r}")
        case MeasureType.SET:
            # "none" records a test that found nothing, which an empty field cannot say.
            if text.lower() == "none":
                return []
            return [part.strip() for part in text.split(",") if part.strip()]
        case MeasureType.SCORES:
            return [_whole(measure.label, part) for part in re.split(r"[\s,;]+", text)]
        case MeasureType.DATE:
            return text


_YES_NO = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}


def _whole(label: str, text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{label} must be a whole number; got {text!r}") from None
    if not value.is_integer():
        raise ValueError(f"{label} must be a whole number; got {text!r}")
    return int(value)


# Reading


type Fail = Callable[[str, str], None]


def _read(
    data: Mapping[str, object], as_of: date | None
) -> tuple[date, dict[str, object], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(f"{name}: {message}")

    if not isinstance(data, Mapping):
        fail("patient", f"a patient must be a JSON object; got {_shown(data)}")
        return as_of or date.today(), {}, errors
    if as_of is None:
        as_of = _screening_date(data.get("as_of"), fail)
    entered: dict[str, object] = {}
    for key, raw in data.items():
        name = str(key)
        if name == "as_of":
            continue
        m = MEASURES.get(name)
        if m is None:
            hint = suggestion(name)
            fail(name, "unknown field" + (f" (did you mean {hint}?)" if hint else ""))
        elif m.derived:
            fail(name, f"{m.label} is worked out from {', '.join(m.derived_from)}; not entered")
        elif raw is not None:
            try:
                entered[name] = _read_value(m, raw, as_of)
            except ValueError as error:
                fail(name, str(error))
    _cross_check(entered, as_of, fail)
    return as_of, entered, errors


def read_screening_date(raw: object) -> date:
    """The screening date as the API and the form both take it; ValueError says what is wrong."""
    screening = _read_date("The screening date", raw)
    if not screening.exact:
        raise ValueError(f"The screening date must be a full date (YYYY-MM-DD); got {raw}")
    return screening.earliest


def _screening_date(raw: object, fail: Fail) -> date:
    if raw is None:
        return date.today()
    try:
        return read_screening_date(raw)
    except ValueError as error:
        fail("as_of", str(error))
        return date.today()


def _read_value(m: Measure, raw: object, as_of: date) -> object:
    match m.type:
        case MeasureType.NUMBER | MeasureType.INTEGER:
            return _read_number(m, raw)
        case MeasureType.BOOLEAN:
            if not isinstance(raw, bool):
                raise ValueError(f"{m.label} must be true or false; got {_shown(raw)}")
            return raw
        case MeasureType.CATEGORY:
            if not isinstance(raw, str) or raw not in {c.value for c in m.choices}:
                raise ValueError(f"{m.label} must be one of {_values(m)}; got {_shown(raw)}")
            return raw
        case MeasureType.SET:
            if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
                raise ValueError(
                    f"{m.label} must be a list of gene names ([] when tested and none found); "
                    f"got {_shown(raw)}"
                )
            return frozenset(set_member(m, member) for member in raw)
        case MeasureType.DATE:
            when = _read_date(m.label, raw)
            if when.earliest > as_of:
                raise ValueError(
                    f"{m.label} must not be after the screening date {as_of}; got {when}"
                )
            return when
        case MeasureType.SCORES:
            return _read_scores(m, raw)


def _read_number(m: Measure, raw: object) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        kind = "a whole number" if m.type is MeasureType.INTEGER else "a number"
        raise ValueError(f"{m.label} must be {kind}; got {_shown(raw)}")
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise ValueError(f"{m.label} must be a number; got {_shown(raw)}")
        if m.type is MeasureType.INTEGER:
            if not raw.is_integer():
                raise ValueError(f"{m.label} must be a whole number; got {number(raw)}")
            raw = int(raw)
    if (m.minimum is not None and raw < m.minimum) or (m.maximum is not None and raw > m.maximum):
        raise ValueError(f"{m.label} must be {_span(m)}; got {_shown(raw)}")
    return raw


def _span(m: Measure) -> str:
    bounds = f"between {number(m.minimum)} and {number(m.maximum)}"
    if m.unit == PERCENT:
        return f"a percent of predicted {bounds}"
    if m.type is MeasureType.INTEGER:
        return f"a whole number of {m.unit} {bounds}"
    return f"{bounds} {m.unit}"


def _read_scores(m: Measure, raw: object) -> tuple[int, ...]:
    if not isinstance(raw, list) or len(raw) != len(ALSFRS_R_ITEMS):
        count = f"{len(raw)} scores" if isinstance(raw, list) else _shown(raw)
        raise ValueError(
            f"{m.label} must be a list of exactly {len(ALSFRS_R_ITEMS)} item scores; got {count}"
        )
    scores = []
    for item, score in zip(ALSFRS_R_ITEMS, raw, strict=True):
        whole = isinstance(score, int) or (isinstance(score, float) and score.is_integer())
        if isinstance(score, bool) or not whole or not 0 <= score <= ITEM_SCORE_MAX:
            raise ValueError(
                f"item {item.number} ({item.label.lower()}) must be a whole number from 0 to "
                f"{ITEM_SCORE_MAX}; got {_shown(score)}"
            )
        scores.append(int(score))
    return tuple(scores)


def _read_date(label: str, raw: object) -> DateRange:
    match = _DATE.fullmatch(raw) if isinstance(raw, str) else None
    if match is None:
        raise ValueError(f"{label} must be a date written YYYY-MM-DD or YYYY-MM; got {_shown(raw)}")
    year, month = int(match[1]), int(match[2])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"{label} must be between {FIRST_YEAR} and {LAST_YEAR}; got {raw}")
    try:
        if match[3]:
            day = date(year, month, int(match[3]))
            return DateRange(day, day)
        last = calendar.monthrange(year, month)[1]
        return DateRange(date(year, month, 1), date(year, month, last))
    except (ValueError, calendar.IllegalMonthError):
        raise ValueError(f"{label} must be a real date; got {raw}") from None


def _cross_check(entered: Mapping[str, object], as_of: date, fail: Fail) -> None:
    birth, age = entered.get("birth_date"), entered.get("age")
    if isinstance(birth, DateRange) and age is not None:
        span = _age(birth, as_of)
        if not span.low <= age <= span.high:
            fail("age", f"Age {age} years disagrees with birth date {birth}")
            fail("birth_date", f"Birth date {birth} gives {_years(span)} on {as_of}, not {age}")
    items, total = entered.get("alsfrs_r_items"), entered.get("alsfrs_r")
    if isinstance(items, tuple) and total is not None and sum(items) != total:
        fail("alsfrs_r", f"ALSFRS-R total {total} disagrees with the item scores ({sum(items)})")
        fail("alsfrs_r_items", f"The item scores add up to {sum(items)}, not {total}")
    for drug in DRUGS:
        use = entered.get(drug)
        drug_label = mid_sentence(measure(drug).label)
        state = choice_text(measure(drug), use) if use else "not given"
        for date_name, wanted, when in (
            (f"{drug}_since", "current", "while"),
            (f"{drug}_stopped", "past", "when"),
        ):
            if date_name in entered and use != wanted:
                fail(date_name, f"only applies {when} {drug_label} is {wanted}; it is {state}")
                if use is not None:
                    fail(
                        drug,
                        f"{date_name} is given, so {drug_label} should be {wanted}; got {use!r}",
                    )
    if entered.get("niv_while_awake") is True and entered.get("niv") is False:
        fail("niv_while_awake", "NIV while awake is yes, but non-invasive ventilation is no")
        fail("niv", "niv is no, but niv_while_awake is yes")
    route, use = entered.get("edaravone_route"), entered.get("edaravone")
    if route is not None and use not in ("current", "past"):
        state = choice_text(measure("edaravone"), use) if use else "not given"
        fail(
            "edaravone_route", f"only applies when edaravone use is current or past; it is {state}"
        )
        if use is not None:
            fail("edaravone", f"edaravone_route is given, so edaravone was taken; got {use!r}")
    cycles = entered.get("edaravone_cycles")
    if entered.get("edaravone") == "never" and isinstance(cycles, int) and cycles > 0:
        never = choice_text(measure("edaravone"), "never")
        fail("edaravone_cycles", f"{cycles} cycles completed, but edaravone use is {never}")
        fail("edaravone", f"edaravone_cycles is {cycles}, so edaravone use cannot be {never}")


def _years(span: Interval) -> str:
    if span.exact:
        return f"an age of {number(span.low)} years"
    return f"an age of {number(span.low)} or {number(span.high)} years"


def _values(m: Measure) -> str:
    return ", ".join(choice.value for choice in m.choices)


def _shown(raw: object) -> str:
    try:
        text = json.dumps(raw, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."


# Deriving


NOT_APPLICABLE_TO_MEN = ("pregnant", "breastfeeding", "childbearing_potential")


def _patient(entered: Mapping[str, object], as_of: date) -> Patient:
    facts, unavailable = _derive(entered, as_of)
    return Patient(
        as_of,
        MappingProxyType(dict(entered)),
        MappingProxyType(facts),
        MappingProxyType(unavailable),
    )


def _derive(entered: Mapping[str, object], as_of: date) -> tuple[dict[str, Fact], dict[str, str]]:
    facts = {name: Fact(_fact_value(value)) for name, value in entered.items()}
    unavailable: dict[str, str] = {}
    if isinstance(items := entered.get("alsfrs_r_items"), tuple):
        facts.update(_alsfrs_facts(items))
    facts.update(_clocked(entered, as_of))
    if entered.get("sex") == "male":
        # Not asked of a man, so a blank answer must not leave pregnancy criteria unknown.
        for name in NOT_APPLICABLE_TO_MEN:
            facts.setdefault(name, Fact(False))
    if entered.get("niv") is False:
        # No NIV at all is no NIV while awake either.
        facts.setdefault("niv_while_awake", Fact(False))
    if entered.get("edaravone") == "never":
        facts.setdefault("edaravone_cycles", Fact(Interval.point(0)))
    _diagnostic_delay(entered, facts, unavailable)
    _progression(facts, unavailable)
    for drug in DRUGS:
        use = entered.get(drug)
        if isinstance(use, str):
            why = f"{mid_sentence(measure(drug).label)} is {choice_text(measure(drug), use)}"
            if use != "current":
                unavailable[f"{drug}_stable_days"] = why
            if use != "past":
                unavailable[f"{drug}_days_since_stopped"] = why
    return facts, unavailable


def _clocked(entered: Mapping[str, object], as_of: date) -> dict[str, Fact]:
    """The facts that grow with the screening date."""
    facts = {}
    if isinstance(birth := entered.get("birth_date"), DateRange):
        facts["age"] = Fact(
            _age(birth, as_of), _imprecise("birth_date", birth), Clock(birth, ClockUnit.YEAR)
        )
    for start, duration in (
        ("symptom_onset", "months_since_onset"),
        ("diagnosis_date", "months_since_diagnosis"),
    ):
        if isinstance(when := entered.get(start), DateRange):
            facts[duration] = Fact(
                _elapsed(when, as_of, ClockUnit.MONTH),
                _imprecise(start, when),
                Clock(when, ClockUnit.MONTH),
            )
    for drug in DRUGS:
        # The reader only accepts a since-date while the drug is current, and a stop date
        # when it is past.
        for start, days in (
            (f"{drug}_since", "stable_days"),
            (f"{drug}_stopped", "days_since_stopped"),
        ):
            if isinstance(when := entered.get(start), DateRange):
                facts[f"{drug}_{days}"] = Fact(
                    _elapsed(when, as_of, ClockUnit.DAY),
                    _imprecise(start, when),
                    Clock(when, ClockUnit.DAY),
                )
    return facts


def _fact_value(value: object) -> Value:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Interval.point(value)
    return value  # type: ignore[return-value]  # bool, str, frozenset, DateRange, scores


def _alsfrs_facts(items: tuple[int, ...]) -> dict[str, Fact]:
    facts = {"alsfrs_r": Fact(Interval.point(sum(items)))}
    facts.update(
        (item.measure_name, Fact(Interval.point(score)))
        for item, score in zip(ALSFRS_R_ITEMS, items, strict=True)
    )
    facts["alsfrs_r_lowest_item"] = Fact(Interval.point(min(items)))
    for domain in AlsfrsDomain:
        subtotal = sum(
            score
            for item, score in zip(ALSFRS_R_ITEMS, items, strict=True)
            if item.domain is domain
        )
        facts[f"alsfrs_r_{domain.value}"] = Fact(Interval.point(subtotal))
    return facts


def _diagnostic_delay(
    entered: Mapping[str, object], facts: dict[str, Fact], unavailable: dict[str, str]
) -> None:
    onset, diagnosis = entered.get("symptom_onset"), entered.get("diagnosis_date")
    if not isinstance(onset, DateRange) or not isinstance(diagnosis, DateRange):
        return
    longest = (diagnosis.latest - onset.earliest).days
    if longest < 0:
        # Accepted (a slip, or a diagnosis on genetic grounds), but not a delay.
        unavailable["months_onset_to_diagnosis"] = "the diagnosis date is before symptom onset"
        return
    shortest = max(0, (diagnosis.earliest - onset.latest).days)
    facts["months_onset_to_diagnosis"] = Fact(
        Interval(shortest / DAYS_PER_MONTH, longest / DAYS_PER_MONTH),
        _imprecise("symptom_onset", onset) + _imprecise("diagnosis_date", diagnosis),
    )


def _progression(facts: dict[str, Fact], unavailable: dict[str, str]) -> None:
    total, months = facts.get("alsfrs_r"), facts.get("months_since_onset")
    if total is None or months is None:
        return
    if months.value.low == 0:
        # Dividing by a duration that may be zero gives no usable rate, not an infinite one.
        unavailable["alsfrs_r_progression_rate"] = "no time may have passed since symptom onset"
        return
    lost = measure("alsfrs_r").maximum - total.value.low
    facts["alsfrs_r_progression_rate"] = Fact(
        Interval(lost / months.value.high, lost / months.value.low), months.imprecise
    )


def _elapsed(start: DateRange, as_of: date, unit: ClockUnit) -> Interval:
    # A month-precise start in the screening month cannot be later than the screening date.
    shortest = (as_of - min(start.latest, as_of)).days
    longest = (as_of - start.earliest).days
    if unit is ClockUnit.MONTH:
        return Interval(shortest / DAYS_PER_MONTH, longest / DAYS_PER_MONTH)
    return Interval(shortest, longest)


def _age(birth: DateRange, as_of: date) -> Interval:
    return Interval(
        _completed_years(min(birth.latest, as_of), as_of), _completed_years(birth.earliest, as_of)
    )


def _completed_years(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _anniversary(origin: date, years: int) -> date:
    try:
        return origin.replace(year=origin.year + years)
    except ValueError:  # 29 February in a common year: the birthday is reached on 1 March
        return date(origin.year + years, 3, 1)


def _imprecise(name: str, when: DateRange) -> tuple[str, ...]:
    return () if when.exact else (name,)


def _json(value: object) -> object:
    if isinstance(value, Interval):
        return value.low if value.exact else {"min": value.low, "max": value.high}
    if isinstance(value, DateRange):
        return str(value)
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    return value
