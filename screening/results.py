"""Screening results as the page shows them: grouped, near misses called out, next question."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from screening.catalogue import Catalogue, TrialInfo
from screening.engine import (
    MEASURES,
    CriterionResult,
    Measure,
    Outcome,
    TrialResult,
    Verdict,
    entered_inputs,
)

GROUP_LABELS = {
    Verdict.ELIGIBLE: "Eligible",
    Verdict.POSSIBLY_ELIGIBLE: "Possibly eligible",
    Verdict.INELIGIBLE: "Ineligible",
}
VERDICT_ORDER = {verdict: order for order, verdict in enumerate(GROUP_LABELS)}
# Missing values are named in the form's order, and ties for "most useful next" go to the first.
MEASURE_ORDER = {name: order for order, name in enumerate(MEASURES)}
OUTCOME_LABELS = {
    Outcome.PASS: "Met",
    Outcome.FAIL: "Not met",
    Outcome.UNKNOWN: "Unknown",
    Outcome.NEEDS_REVIEW: "Needs review",
    Outcome.NOT_APPLICABLE: "Does not apply",
}


@dataclass(frozen=True, slots=True)
class CriterionView:
    result: CriterionResult
    label: str

    @property
    def outcome(self) -> str:
        return self.result.outcome.value


@dataclass(frozen=True, slots=True)
class TrialView:
    result: TrialResult
    info: TrialInfo
    # An ineligible trial, or one not open to enrolment, shows only its verdict and deciding
    # criteria until its full list is asked for.
    expanded: bool = False
    # The entered values that would settle its unknown criteria, in the form's order (worked out
    # for "most useful next" anyway; the printed summary names them).
    missing: tuple[Measure, ...] = ()

    @property
    def criteria(self) -> list[CriterionView]:
        # Built when shown, not for every trial: most trials of a large registry stay collapsed.
        return [CriterionView(c, OUTCOME_LABELS[c.outcome]) for c in self.result.criteria]

    @property
    def verdict_label(self) -> str:
        return GROUP_LABELS[self.result.verdict]

    @property
    def deciding(self) -> list[CriterionView]:
        failed = Outcome.FAIL
        label = OUTCOME_LABELS[failed]
        return [CriterionView(c, label) for c in self.result.criteria if c.outcome is failed]

    @property
    def reasons(self) -> str:
        """Why a trial that is not ruled out is not (yet) eligible, in a line: the printed
        summary gives this instead of its criteria."""
        result = self.result
        if result.verdict == Verdict.ELIGIBLE:
            return "Every criterion met or does not apply."
        reasons = []
        if self.missing:
            reasons.append(f"Missing: {', '.join(m.label for m in self.missing)}.")
        elif result.unknown:
            reasons.append(f"{_criteria(result.unknown)} not settled by the values entered.")
        if result.needs_review:
            need = "needs" if result.needs_review == 1 else "need"
            reasons.append(f"{_criteria(result.needs_review)} {need} clinician review.")
        return " ".join(reasons)


def _criteria(count: int) -> str:
    return f"{count} criterion" if count == 1 else f"{count} criteria"


@dataclass(frozen=True, slots=True)
class ResultGroup:
    verdict: str
    label: str
    trials: list[TrialView]


@dataclass(frozen=True, slots=True)
class NextQuestion:
    measure: Measure
    trials: int


@dataclass(frozen=True, slots=True)
class ResultsView:
    groups: list[ResultGroup]  # the trials open to enrolment
    # Trials not open to enrolment, when asked for: after the open ones, each collapsed to its
    # verdict, so that ticking the box does not bury the trials a patient can join.
    closed: list[TrialView]
    closed_hidden: int
    next_question: NextQuestion | None

    @property
    def shown(self) -> int:
        return sum(len(group.trials) for group in self.groups) + len(self.closed)


def _window_first(view: TrialView) -> tuple[bool, date]:
    closes = view.result.window_closes
    return (closes is None, closes or date.max)


def missing_inputs(result: TrialResult) -> tuple[str, ...]:
    """The entered values that would settle a trial's unknown criteria, in the form's order."""
    if result.verdict != Verdict.POSSIBLY_ELIGIBLE or not result.unknown:
        return ()
    missing = {
        name
        for criterion in result.criteria
        if criterion.outcome == Outcome.UNKNOWN
        for measure_name in criterion.missing
        for name in entered_inputs(measure_name)
    }
    return tuple(sorted(missing, key=MEASURE_ORDER.__getitem__))


def next_question(missing_by_trial: Iterable[tuple[str, ...]]) -> NextQuestion | None:
    """The one missing value that would settle the most trials not already ineligible."""
    counts: Counter[str] = Counter()
    for missing in missing_by_trial:
        counts.update(missing)
    if not counts:
        return None
    name = max(counts, key=lambda n: (counts[n], -MEASURE_ORDER[n]))
    return NextQuestion(MEASURES[name], counts[name])


def trial_view(
    result: TrialResult, info: TrialInfo, *, expanded: bool = False, missing: tuple[str, ...] = ()
) -> TrialView:
    return TrialView(result, info, expanded, tuple(MEASURES[name] for name in missing))


def results_view(
    results: list[TrialResult], catalogue: Catalogue, *, show_closed: bool, expand: str = ""
) -> ResultsView:
    """The results grouped for the page; `expand` names a collapsed trial shown in full."""
    by_verdict: dict[Verdict, list[TrialView]] = {verdict: [] for verdict in GROUP_LABELS}
    closed: list[TrialView] = []
    missing_by_trial = []
    for result in results:
        info = catalogue.info[result.trial.nct_id]
        if not (info.is_open or show_closed):
            continue
        missing = missing_inputs(result)
        missing_by_trial.append(missing)
        view = trial_view(result, info, expanded=result.trial.nct_id == expand, missing=missing)
        if info.is_open:
            by_verdict[result.verdict].append(view)
        else:
            closed.append(view)
    groups = [
        ResultGroup(verdict.value, GROUP_LABELS[verdict], sorted(views, key=_window_first))
        for verdict, views in by_verdict.items()
    ]
    closed.sort(key=lambda view: (VERDICT_ORDER[view.result.verdict], _window_first(view)))
    closed_hidden = 0 if show_closed else catalogue.closed
    return ResultsView(groups, closed, closed_hidden, next_question(missing_by_trial))
