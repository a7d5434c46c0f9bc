"""How measures and values read in plain English: shared by errors, descriptions, explanations."""

from collections.abc import Sequence
from functools import cache

from screening.engine.vocabulary import MEASURES, Measure

PERCENT = "% of predicted"
# Units that read as an adjective before "limit": "the 24-month limit".
_PROPER_NAMES = ("El Escorial",)
_COUNTABLE_UNITS = {"years": "year", "months": "month", "days": "day", "points": "point"}


def number(value: float) -> str:
    """A number as written in a rule: 70, 0.3, 65.5 (never 70.0)."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def measured(*values: float, against: float | None = None) -> tuple[str, ...]:
    """Computed values rounded for reading, with one number of decimals for all of them.

    Enough decimals to tell the values apart and not to look equal to `against`:
    "24.0 months, beyond the 24-month limit" would puzzle a reader; "24.02 months" does not.
    """
    smallest = min(abs(v) for v in values) or 1.0
    decimals = 1 if smallest >= 1 else 2 if smallest >= 0.1 else 3
    for places in range(decimals, 7):
        texts = tuple(f"{v:.{places}f}".rstrip("0").rstrip(".") for v in values)
        if len(set(texts)) == len(set(values)) and (
            against is None
            or all(float(t) != against or v == against for t, v in zip(texts, values, strict=True))
        ):
            return texts
    return tuple(number(v) for v in values)


@cache
def mid_sentence(text: str) -> str:
    """A label as it reads inside a sentence: "Onset region" -> "onset region".

    Acronyms ("FVC", "ALSFRS-R") and proper names ("El Escorial") keep their case.
    """
    first = text.split(" ")[0]
    if (len(first) > 1 and not first[1:].islower()) or text.startswith(_PROPER_NAMES):
        return text
    return text[:1].lower() + text[1:]


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def quantity(measure: Measure, amount: str) -> str:
    """A measure with an amount in its unit: "FVC 70% of predicted", "18.4 months since onset"."""
    before, after = _quantity_parts(measure.name)
    return f"{before}{amount}{after}"


@cache  # by name: hashing a whole Measure costs more than the wording
def _quantity_parts(name: str) -> tuple[str, str]:
    measure = MEASURES[name]
    label = mid_sentence(measure.label)
    if measure.unit and label.startswith(measure.unit + " "):
        return "", f" {label}"
    if measure.unit == PERCENT:
        return f"{label} ", PERCENT
    return f"{label} ", f" {measure.unit}" if measure.unit else ""


def amount(measure: Measure, value: float) -> str:
    """A threshold with its unit: "70%", "24 months", "0.3 points/month"."""
    if measure.unit == PERCENT:
        return f"{number(value)}%"
    return f"{number(value)} {measure.unit}".rstrip()


def limit(measure: Measure, value: float) -> str:
    if measure.unit == PERCENT:
        return f"the {number(value)}% limit"
    if measure.unit in _COUNTABLE_UNITS:
        return f"the {number(value)}-{_COUNTABLE_UNITS[measure.unit]} limit"
    return f"the limit of {amount(measure, value)}"


def choice_text(measure: Measure, value: str) -> str:
    return _choice_text(measure.name, value)


@cache
def _choice_text(name: str, value: str) -> str:
    return mid_sentence(MEASURES[name].choice(value).label)


def either(items: Sequence[str], word: str = "or") -> str:
    """ "a", "a or b", "a, b or c"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"
