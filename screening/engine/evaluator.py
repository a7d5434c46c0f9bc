"""Screening a patient against trials: criterion outcomes, verdicts, explanations, time windows.

A rule answers met / not met / unknown (Kleene logic, see logic.py); the criterion's kind turns
that into pass / fail: an exclusion's rule describes the excluding condition. Anything not
settled by the data stays unknown, so a trial is only "ineligible" on a definite failure.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from screening.engine.language import CompiledRule, RuleError, compile_rule
from screening.engine.logic import RuleResult, Truth
from screening.engine.patient import Patient
from screening.engine.vocabulary import measure
from screening.engine.wording import number, sentence

__all__ = [
    "CriterionResult",
    "CriterionSpec",
    "Kind",
    "Outcome",
    "RuleResult",
    "TrialResult",
    "TrialSpec",
    "Truth",
    "Verdict",
    "evaluate_criterion",
    "registry_criteria",
    "result_to_json",
    "screen",
    "screen_trial",
]

# How far ahead time windows are looked for.
HORIZON = timedelta(days=3653)


class Kind(StrEnum):
    INCLUSION = "inclusion"
    EXCLUSION = "exclusion"
    UNCLASSIFIED = "unclassified"  # under no heading in the trial's text: always needs review


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    NEEDS_REVIEW = "needs_review"
    NOT_APPLICABLE = "not_applicable"


class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    POSSIBLY_ELIGIBLE = "possibly_eligible"
    INELIGIBLE = "ineligible"


@dataclass(frozen=True)
class CriterionSpec:
    key: object
    kind: Kind
    text: str
    rule: CompiledRule | None
    # What the rule leaves to a clinician. A rule that covers only part of its criterion cannot
    # pass or fail it, so such a criterion always needs review; its rule's finding is shown.
    note: str = ""


@dataclass(frozen=True)
class TrialSpec:
    key: object
    nct_id: str
    title: str
    criteria: tuple[CriterionSpec, ...]


@dataclass(frozen=True)
class CriterionResult:
    criterion: CriterionSpec
    outcome: Outcome
    explanation: str
    missing: tuple[str, ...]  # measure names that would settle an unknown outcome
    changes_on: date | None  # the first later date on which the outcome changes


@dataclass(frozen=True)
class TrialResult:
    trial: TrialSpec
    verdict: Verdict
    criteria: tuple[CriterionResult, ...]
    eligible_from: date | None  # an ineligible trial stops being so on this date
    window_closes: date | None  # the trial becomes ineligible on this date

    def _count(self, *outcomes: Outcome) -> int:
        return sum(result.outcome in outcomes for result in self.criteria)

    @property
    def passed(self) -> int:
        return self._count(Outcome.PASS)

    @property
    def failed(self) -> int:
        return self._count(Outcome.FAIL)

    @property
    def unknown(self) -> int:
        return self._count(Outcome.UNKNOWN)

    @property
    def needs_review(self) -> int:
        return self._count(Outcome.NEEDS_REVIEW)

    @property
    def not_applicable(self) -> int:
        return self._count(Outcome.NOT_APPLICABLE)


_OUTCOMES = {
    Kind.INCLUSION: {
        Truth.MET: Outcome.PASS,
        Truth.NOT_MET: Outcome.FAIL,
        Truth.UNKNOWN: Outcome.UNKNOWN,
        Truth.NOT_APPLICABLE: Outcome.NOT_APPLICABLE,
    },
    Kind.EXCLUSION: {
        Truth.MET: Outcome.FAIL,
        Truth.NOT_MET: Outcome.PASS,
        Truth.UNKNOWN: Outcome.UNKNOWN,
        Truth.NOT_APPLICABLE: Outcome.NOT_APPLICABLE,
    },
}
_CHANGES = {
    Outcome.PASS: "passes",
    Outcome.FAIL: "fails",
    Outcome.UNKNOWN: "becomes uncertain",
    Outcome.NOT_APPLICABLE: "no longer applies",
}
_SETTLED = (Outcome.PASS, Outcome.NOT_APPLICABLE)


def registry_criteria(
    *, minimum_age_years: float | None, maximum_age_years: float | None, sex: str
) -> tuple[CriterionSpec, ...]:
    """The registry's age and sex limits as inclusion criteria."""
    specs = []
    for key, which, years, op in (
        ("registry:minimum_age", "minimum", minimum_age_years, ">="),
        ("registry:maximum_age", "maximum", maximum_age_years, "<="),
    ):
        if years is not None:
            text = f"Registry {which} age: {_age(years)}"
            specs.append(CriterionSpec(key, Kind.INCLUSION, text, _age_rule(op, years)))
    sex = sex.strip().lower()
    if sex not in ("", "all"):
        if sex not in {choice.value for choice in measure("sex").choices}:
            raise ValueError(f"the registry's sex must be ALL, FEMALE or MALE; got {sex!r}")
        rule = compile_rule(f"sex == {sex}")
        specs.append(CriterionSpec("registry:sex", Kind.INCLUSION, f"Registry sex: {sex}", rule))
    return tuple(specs)


def _age_rule(op: str, years: float) -> CompiledRule | None:
    # Age is recorded in completed years, so a limit part-way through a year cannot be checked,
    # and one outside the recordable ages is better shown to a person than dropped.
    if not float(years).is_integer():
        return None
    try:
        return compile_rule(f"age {op} {number(years)}")
    except RuleError:
        return None


def _age(years: float) -> str:
    months = years * 12
    if not float(years).is_integer() and float(months).is_integer():
        return f"{number(months)} month{'' if months == 1 else 's'}"
    return f"{number(years)} year{'' if years == 1 else 's'}"


class _Timeline:
    """A patient on later screening dates, each worked out once."""

    def __init__(self, patient: Patient) -> None:
        self.patient = patient
        self._later: dict[date, Patient] = {}

    def at(self, day: date) -> Patient:
        if day not in self._later:
            self._later[day] = self.patient.at(day)
        return self._later[day]

    def candidates(self, criteria: Iterable[CriterionSpec]) -> list[date]:
        """Every date within the horizon on which some comparison in the rules may flip."""
        today = self.patient.as_of
        days: set[date] = set()
        for criterion in criteria:
            for name, threshold in criterion.rule.thresholds if criterion.rule else ():
                fact = self.patient.facts.get(name)
                if fact is not None and fact.clock is not None:
                    days.update(
                        day
                        for day in fact.clock.crossings(threshold)
                        if today < day <= today + HORIZON
                    )
        return sorted(days)


def _judge(criterion: CriterionSpec, patient: Patient) -> tuple[Outcome, str, tuple[str, ...]]:
    if criterion.rule is None or criterion.kind is Kind.UNCLASSIFIED:
        note = f" — {criterion.note}" if criterion.note else ""
        return Outcome.NEEDS_REVIEW, f"Needs clinician review: {criterion.text}{note}", ()
    result: RuleResult = criterion.rule.evaluate(patient, wanted=criterion.kind is Kind.INCLUSION)
    outcome = _OUTCOMES[criterion.kind][result.truth]
    explanation = result.explanation
    if outcome is Outcome.FAIL and criterion.kind is Kind.EXCLUSION:
        explanation += ": excluded"
    if criterion.note:
        return Outcome.NEEDS_REVIEW, f"{explanation}. Needs clinician review: {criterion.note}", ()
    return outcome, explanation, result.missing


def _criterion_result(criterion: CriterionSpec, timeline: _Timeline) -> CriterionResult:
    outcome, explanation, missing = _judge(criterion, timeline.patient)
    # Re-evaluating the whole rule on each candidate date is exact for compound rules.
    for day in timeline.candidates((criterion,)):
        later, _, _ = _judge(criterion, timeline.at(day))
        if later is not outcome:
            text = f"{explanation} ({_CHANGES[later]} from {day.isoformat()})"
            return CriterionResult(criterion, outcome, sentence(text), missing, day)
    return CriterionResult(criterion, outcome, sentence(explanation), missing, None)


def _verdict(outcomes: Sequence[Outcome]) -> Verdict:
    if Outcome.FAIL in outcomes:
        return Verdict.INELIGIBLE
    # A trial with no criteria at all is unknown ground, not a confirmed match.
    if outcomes and all(outcome in _SETTLED for outcome in outcomes):
        return Verdict.ELIGIBLE
    return Verdict.POSSIBLY_ELIGIBLE


def evaluate_criterion(criterion: CriterionSpec, patient: Patient) -> CriterionResult:
    return _criterion_result(criterion, _Timeline(patient))


def screen_trial(trial: TrialSpec, patient: Patient) -> TrialResult:
    return _screen_trial(trial, _Timeline(patient))


def _screen_trial(trial: TrialSpec, timeline: _Timeline) -> TrialResult:
    results = tuple(_criterion_result(criterion, timeline) for criterion in trial.criteria)
    verdict = _verdict([result.outcome for result in results])
    eligible_from = window_closes = None
    open_now = verdict is not Verdict.INELIGIBLE
    for day in timeline.candidates(trial.criteria):
        later = _verdict([_judge(c, timeline.at(day))[0] for c in trial.criteria])
        if not open_now and later is not Verdict.INELIGIBLE:
            eligible_from, open_now = day, True
        elif open_now and later is Verdict.INELIGIBLE:
            window_closes = day
            break
    return TrialResult(trial, verdict, results, eligible_from, window_closes)


_RANK = {Verdict.ELIGIBLE: 0, Verdict.POSSIBLY_ELIGIBLE: 1, Verdict.INELIGIBLE: 2}


def screen(trials: Iterable[TrialSpec], patient: Patient) -> list[TrialResult]:
    """Every trial screened: eligible first, then possibly eligible with the most criteria
    confirmed first, then ineligible with the fewest failures first."""
    timeline = _Timeline(patient)
    results = [_screen_trial(trial, timeline) for trial in trials]
    return sorted(
        results,
        key=lambda r: (
            _RANK[r.verdict],
            r.failed,
            -(r.passed + r.not_applicable),
            r.trial.nct_id,
        ),
    )


def result_to_json(result: TrialResult) -> dict[str, object]:
    return {
        "nct_id": result.trial.nct_id,
        "title": result.trial.title,
        "verdict": result.verdict.value,
        "eligible_from": _iso(result.eligible_from),
        "window_closes": _iso(result.window_closes),
        "criteria": [
            {
                "kind": item.criterion.kind.value,
                "text": item.criterion.text,
                "rule": item.criterion.rule.source if item.criterion.rule else None,
                "outcome": item.outcome.value,
                "explanation": item.explanation,
                "missing": list(item.missing),
                "changes_on": _iso(item.changes_on),
            }
            for item in result.criteria
        ],
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
