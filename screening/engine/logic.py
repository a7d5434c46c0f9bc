"""Three-valued (Kleene) truth, shared by the rule language and the evaluator."""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Truth(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"
    # `if A then B` whose A is not met. Inside and/or/not it is settled by the part's polarity
    # (`wanted`), so a condition that does not apply never counts against the patient: as met
    # where met is wanted (an inclusion), as not met where met excludes (an exclusion, or the
    # operand of a `not` in an inclusion).
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, slots=True)
class RuleResult:
    truth: Truth
    explanation: str
    missing: tuple[str, ...] = ()  # measure names that would settle an UNKNOWN


def settled(truth: Truth, wanted: bool = True) -> Truth:
    if truth is Truth.NOT_APPLICABLE:
        return Truth.MET if wanted else Truth.NOT_MET
    return truth


def negation(truth: Truth, wanted: bool = True) -> Truth:
    """`not` of a part whose own polarity is `wanted`."""
    truth = settled(truth, wanted)
    if truth is Truth.MET:
        return Truth.NOT_MET
    if truth is Truth.NOT_MET:
        return Truth.MET
    return Truth.UNKNOWN


def conjunction(truths: Iterable[Truth], wanted: bool = True) -> Truth:
    result = Truth.MET
    for truth in truths:
        truth = settled(truth, wanted)
        if truth is Truth.NOT_MET:
            return Truth.NOT_MET
        if truth is Truth.UNKNOWN:
            result = Truth.UNKNOWN
    return result


def disjunction(truths: Iterable[Truth], wanted: bool = True) -> Truth:
    result = Truth.NOT_MET
    for truth in truths:
        truth = settled(truth, wanted)
        if truth is Truth.MET:
            return Truth.MET
        if truth is Truth.UNKNOWN:
            result = Truth.UNKNOWN
    return result


def merged(*groups: Iterable[str]) -> tuple[str, ...]:
    """Measure names from several results, once each, in order."""
    return tuple(dict.fromkeys(name for group in groups for name in group))
