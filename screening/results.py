"""Screening results as the page shows them: grouped, near misses called out, next question."""

from collections import Counter
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
    def near_miss(self) -> CriterionView | None:
        deciding = self.deciding
        return deciding[0] if len(deciding) == 1 else None


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


def next_question(results: list[TrialResult]) -> NextQuestion | None:
    """The one missing value that would settle the most trials not already ineligible."""
    counts: Counter[str] = Counter()
    for result in results:
        if result.verdict == Verdict.INELIGIBLE:
            continue
        missing = {
            name
            for criterion in result.criteria
            if criterion.outcome == Outcome.UNKNOWN
            for measure_name in criterion.missing
            for name in entered_inputs(measure_name)
        }
        counts.update(missing)
    if not counts:
        return None
    order = list(MEASURES)
    name = max(counts, key=lambda n: (counts[n], -order.index(n)))
    return NextQuestion(MEASURES[name], counts[name])


def trial_view(result: TrialResult, info: TrialInfo, *, expanded: bool = False) -> TrialView:
    return TrialView(result, info, expanded)


def results_view(
    results: list[TrialResult], catalogue: Catalogue, *, show_closed: bool, expand: str = ""
) -> ResultsView:
    """The results grouped for the page; `expand` names a collapsed trial shown in full."""
    by_verdict: dict[Verdict, list[TrialView]] = {verdict: [] for verdict in GROUP_LABELS}
    closed: list[TrialView] = []
    shown_results = []
    for result in results:
        info = catalogue.info[result.trial.nct_id]
        if not (info.is_open or show_closed):
            continue
        shown_results.append(result)
        view = trial_view(result, info, expanded=result.trial.nct_id == expand)
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
    return ResultsView(groups, closed, closed_hidden, next_question(shown_results))
