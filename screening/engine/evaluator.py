"""Screening a patient against trials: criterion outcomes, verdicts, explanations, time windows.

A rule answers met / not met / unknown (Kleene logic, see logic.py); the criterion's kind turns
that into pass / fail: an exclusion's rule describes the excluding condition. Anything not
settled by the data stays unknown, so a trial is only "ineligible" on a definite failure.
"""

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import cache, cached_property

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
    "result_summary_json",
    "result_to_json",
    "results_json_text",
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
    # The result of a criterion a clinician must judge (no rule, or under no heading): the same
    # for every patient, so built once with the spec rather than in every screening.
    fixed: "CriterionResult | None" = field(init=False, repr=False, compare=False)
    # The JSON of what the criterion is (kind, text, rule), encoded once: see results_json_text.
    json_head: str = field(init=False, repr=False, compare=False)
    fixed_json: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rule = self.rule.source if self.rule else None
        head = json.dumps({"kind": self.kind.value, "text": self.text, "rule": rule})[:-1]
        object.__setattr__(self, "json_head", head)
        fixed = fixed_json = None
        if self.rule is None or self.kind is Kind.UNCLASSIFIED:
            note = f" — {self.note}" if self.note else ""
            text = sentence(f"Needs clinician review: {self.text}{note}")
            fixed = CriterionResult(self, Outcome.NEEDS_REVIEW, text, (), None)
            fixed_json = head + _outcome_json(fixed)
        object.__setattr__(self, "fixed", fixed)
        object.__setattr__(self, "fixed_json", fixed_json)


@dataclass(frozen=True)
class TrialSpec:
    key: object
    nct_id: str
    title: str
    criteria: tuple[CriterionSpec, ...]
    json_head: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        head = json.dumps({"nct_id": self.nct_id, "title": self.title})[:-1]
        object.__setattr__(self, "json_head", head)


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

    @cached_property
    def counts(self) -> Counter[Outcome]:
        return Counter(result.outcome for result in self.criteria)

    @property
    def passed(self) -> int:
        return self.counts[Outcome.PASS]

    @property
    def failed(self) -> int:
        return self.counts[Outcome.FAIL]

    @property
    def unknown(self) -> int:
        return self.counts[Outcome.UNKNOWN]

    @property
    def needs_review(self) -> int:
        return self.counts[Outcome.NEEDS_REVIEW]

    @property
    def not_applicable(self) -> int:
        return self.counts[Outcome.NOT_APPLICABLE]


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
        rule = _registry_rule(f"sex == {sex}")
        specs.append(CriterionSpec("registry:sex", Kind.INCLUSION, f"Registry sex: {sex}", rule))
    return tuple(specs)


def _age_rule(op: str, years: float) -> CompiledRule | None:
    # Age is recorded in completed years, so a limit part-way through a year cannot be checked,
    # and one outside the recordable ages is better shown to a person than dropped.
    if not float(years).is_integer():
        return None
    try:
        return _registry_rule(f"age {op} {number(years)}")
    except RuleError:
        return None


@cache
def _registry_rule(text: str) -> CompiledRule:
    # Thousands of trials share a handful of limits ("age >= 18"); a compiled rule is immutable.
    return compile_rule(text)


def _age(years: float) -> str:
    months = years * 12
    if not float(years).is_integer() and float(months).is_integer():
        return f"{number(months)} month{'' if months == 1 else 's'}"
    return f"{number(years)} year{'' if years == 1 else 's'}"


class _Timeline:
    """One screening of a patient: the patient on later dates, and every rule judged so far.

    Trials share rules ("age >= 18" is in most of them), so a rule is judged once per screening
    and kind, and its outcome on a later date once per date.
    """

    def __init__(self, patient: Patient) -> None:
        self.patient = patient
        # Only these facts change with the screening date (Patient.at recomputes no other, and
        # no rule reads the date itself), so only rules that read them can change later.
        self._clocked = frozenset(
            name for name, fact in patient.facts.items() if fact.clock is not None
        )
        self._later: dict[date, Patient] = {}
        self._days: dict[int, tuple[date, ...]] = {}
        self._today: dict[tuple[int, Kind, str], _Judged] = {}
        self._outcomes: dict[tuple[int, Kind, date], Outcome] = {}

    def at(self, day: date) -> Patient:
        if day not in self._later:
            self._later[day] = self.patient.at(day)
        return self._later[day]

    def clocked(self, rule: CompiledRule | None) -> bool:
        return rule is not None and not rule.measures.isdisjoint(self._clocked)

    def days(self, rule: CompiledRule | None) -> tuple[date, ...]:
        """Every date within the horizon on which some comparison in the rule may flip."""
        if not self.clocked(rule):
            return ()
        found = self._days.get(id(rule))
        if found is None:
            found = self._days[id(rule)] = self._crossings(rule)
        return found

    def _crossings(self, rule: CompiledRule) -> tuple[date, ...]:
        today = self.patient.as_of
        days: set[date] = set()
        for name, threshold in rule.thresholds:
            fact = self.patient.facts.get(name)
            if fact is not None and fact.clock is not None:
                days.update(
                    day for day in fact.clock.crossings(threshold) if today < day <= today + HORIZON
                )
        return tuple(sorted(days))

    def judged(self, criterion: CriterionSpec, rule: CompiledRule) -> "_Judged":
        key = (id(rule), criterion.kind, criterion.note)
        found = self._today.get(key)
        if found is None:
            found = self._today[key] = self._judge_today(criterion, rule)
        return found

    def _judge_today(self, criterion: CriterionSpec, rule: CompiledRule) -> "_Judged":
        outcome, explanation, missing = _judge(criterion.kind, criterion.note, rule, self.patient)
        if criterion.note:
            # Needs review whatever the date: no window to look for.
            return _Judged(outcome, sentence(explanation), missing, None)
        # Re-evaluating the whole rule on each candidate date is exact for compound rules.
        for day in self.days(rule):
            later = self.outcome(criterion.kind, rule, day)
            if later is not outcome:
                text = f"{explanation} ({_CHANGES[later]} from {day.isoformat()})"
                return _Judged(outcome, sentence(text), missing, day)
        return _Judged(outcome, sentence(explanation), missing, None)

    def outcome(self, kind: Kind, rule: CompiledRule, day: date) -> Outcome:
        """A ruled criterion's outcome on a later date (one with no note)."""
        key = (id(rule), kind, day)
        found = self._outcomes.get(key)
        if found is None:
            found = self._outcomes[key] = _judge(kind, "", rule, self.at(day))[0]
        return found


@dataclass(frozen=True, slots=True)
class _Judged:
    """A ruled criterion's result for this patient, whichever criterion holds the rule."""

    outcome: Outcome
    explanation: str
    missing: tuple[str, ...]
    changes_on: date | None


def _judge(
    kind: Kind, note: str, rule: CompiledRule, patient: Patient
) -> tuple[Outcome, str, tuple[str, ...]]:
    result: RuleResult = rule.evaluate(patient, wanted=kind is Kind.INCLUSION)
    outcome = _OUTCOMES[kind][result.truth]
    explanation = result.explanation
    if outcome is Outcome.FAIL and kind is Kind.EXCLUSION:
        explanation += ": excluded"
    if note:
        return Outcome.NEEDS_REVIEW, f"{explanation}. Needs clinician review: {note}", ()
    return outcome, explanation, result.missing


def _criterion_result(criterion: CriterionSpec, timeline: _Timeline) -> CriterionResult:
    if criterion.fixed is not None:
        return criterion.fixed
    judged = timeline.judged(criterion, criterion.rule)
    return CriterionResult(
        criterion, judged.outcome, judged.explanation, judged.missing, judged.changes_on
    )


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
    eligible_from, window_closes = _window(trial, results, verdict, timeline)
    return TrialResult(trial, verdict, results, eligible_from, window_closes)


def _window(
    trial: TrialSpec, results: tuple[CriterionResult, ...], verdict: Verdict, timeline: _Timeline
) -> tuple[date | None, date | None]:
    """When an ineligible trial opens to the patient, and when an open one closes."""
    days: set[date] = set()
    for criterion in trial.criteria:
        days.update(timeline.days(criterion.rule))
    if not days:
        return None, None
    # Only criteria that can change are judged again; the rest keep today's outcome.
    changing = [
        (index, criterion)
        for index, criterion in enumerate(trial.criteria)
        if criterion.fixed is None and not criterion.note and timeline.clocked(criterion.rule)
    ]
    outcomes = [result.outcome for result in results]
    eligible_from = None
    open_now = verdict is not Verdict.INELIGIBLE
    for day in sorted(days):
        for index, criterion in changing:
            outcomes[index] = timeline.outcome(criterion.kind, criterion.rule, day)
        later = _verdict(outcomes)
        if not open_now and later is not Verdict.INELIGIBLE:
            eligible_from, open_now = day, True
        elif open_now and later is Verdict.INELIGIBLE:
            return eligible_from, day
    return eligible_from, None


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
        **_verdict_json(result),
        "criteria": [_criterion_to_json(item) for item in result.criteria],
    }


def result_summary_json(result: TrialResult) -> dict[str, object]:
    """A trial's verdict without the criteria that do not decide it: how many criteria have
    each outcome, and the ones that fail (why a trial is ineligible)."""
    return {
        **_verdict_json(result),
        "counts": {outcome.value: result.counts[outcome] for outcome in Outcome},
        "deciding": [
            _criterion_to_json(item) for item in result.criteria if item.outcome is Outcome.FAIL
        ],
    }


def _verdict_json(result: TrialResult) -> dict[str, object]:
    return {
        "nct_id": result.trial.nct_id,
        "title": result.trial.title,
        "verdict": result.verdict.value,
        "eligible_from": _iso(result.eligible_from),
        "window_closes": _iso(result.window_closes),
    }


def _criterion_to_json(item: CriterionResult) -> dict[str, object]:
    return {
        "kind": item.criterion.kind.value,
        "text": item.criterion.text,
        "rule": item.criterion.rule.source if item.criterion.rule else None,
        "outcome": item.outcome.value,
        "explanation": item.explanation,
        "missing": list(item.missing),
        "changes_on": _iso(item.changes_on),
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def results_json_text(results: Iterable[TrialResult]) -> str:
    """`json.dumps([result_to_json(r) for r in results])`, to the character, built faster.

    A screening of thousands of trials repeats the same few judgements, and most criteria read
    the same for every patient: each piece is encoded once (what a criterion is, with its spec;
    an outcome and its explanation, once per screening) and the pieces are joined.
    """
    outcomes: dict[tuple[Outcome, str, tuple[str, ...], date | None], str] = {}
    return "[" + ", ".join(_trial_json(result, outcomes) for result in results) + "]"


def _trial_json(result: TrialResult, outcomes: dict) -> str:
    criteria = ", ".join(_criterion_json(item, outcomes) for item in result.criteria)
    verdict = json.dumps(
        {
            "verdict": result.verdict.value,
            "eligible_from": _iso(result.eligible_from),
            "window_closes": _iso(result.window_closes),
        }
    )[1:-1]
    return f'{result.trial.json_head}, {verdict}, "criteria": [{criteria}]}}'


def _criterion_json(item: CriterionResult, outcomes: dict) -> str:
    if item.criterion.fixed is item:
        return item.criterion.fixed_json
    key = (item.outcome, item.explanation, item.missing, item.changes_on)
    found = outcomes.get(key)
    if found is None:
        found = outcomes[key] = _outcome_json(item)
    return item.criterion.json_head + found


def _outcome_json(item: CriterionResult) -> str:
    """The rest of a criterion's JSON object after its head, from ", " to the closing brace."""
    outcome = {
        "outcome": item.outcome.value,
        "explanation": item.explanation,
        "missing": list(item.missing),
        "changes_on": _iso(item.changes_on),
    }
    return ", " + json.dumps(outcome)[1:]
