"""Three-valued (Kleene) truth, shared by the rule language and the evaluator."""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Truth(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"
    # Only the top of a rule `if A then B` whose A is not met; inside and/or/not it counts as MET
    # (vacuously true).
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, slots=True)
class RuleResult:
    truth: Truth
    explanation: str
    missing: tuple[str, ...] = ()  # measure names that would settle an UNKNOWN


def settled(truth: Truth) -> Truth:
    return Truth.MET if truth is Truth.NOT_APPLICABLE else truth


def negation(truth: Truth) -> Truth:
    truth = settled(truth)
    if truth is Truth.MET:
        return Truth.NOT_MET
    if truth is Truth.NOT_MET:
        return Truth.MET
    return Truth.UNKNOWN


def conjunction(truths: Iterable[Truth]) -> Truth:
    result = Truth.MET
    for truth in map(settled, truths):
        if truth is Truth.NOT_MET:
            return Truth.NOT_MET
        if truth is Truth.UNKNOWN:
            result = Truth.UNKNOWN
    return result


def disjunction(truths: Iterable[Truth]) -> Truth:
    result = Truth.NOT_MET
    for truth in map(settled, truths):
        if truth is Truth.MET:
            return Truth.MET
        if truth is Truth.UNKNOWN:
            result = Truth.UNKNOWN
    return result


def merged(*groups: Iterable[str]) -> tuple[str, ...]:
    """Measure names from several results, once each, in order."""
    return tuple(dict.fromkeys(name for group in groups for name in group))
