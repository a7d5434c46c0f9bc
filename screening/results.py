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
    criteria: list[CriterionView]
    # An ineligible trial shows only its deciding criteria until its full list is asked for.
    expanded: bool = False

    @property
    def deciding(self) -> list[CriterionView]:
        return [c for c in self.criteria if c.result.outcome == Outcome.FAIL]

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
    groups: list[ResultGroup]
    closed_hidden: int
    next_question: NextQuestion | None

    @property
    def shown(self) -> int:
        return sum(len(group.trials) for group in self.groups)


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
    criteria = [CriterionView(c, OUTCOME_LABELS[c.outcome]) for c in result.criteria]
    return TrialView(result, info, criteria, expanded)


def results_view(
    results: list[TrialResult], catalogue: Catalogue, *, show_closed: bool, expand: str = ""
) -> ResultsView:
    """The results grouped for the page; `expand` names an ineligible trial shown in full."""
    by_verdict: dict[Verdict, list[TrialView]] = {verdict: [] for verdict in GROUP_LABELS}
    shown_results = []
    for result in results:
        info = catalogue.info[result.trial.nct_id]
        if not (info.is_open or show_closed):
            continue
        shown_results.append(result)
        view = trial_view(result, info, expanded=result.trial.nct_id == expand)
        by_verdict[result.verdict].append(view)
    groups = [
        ResultGroup(verdict.value, GROUP_LABELS[verdict], sorted(views, key=_window_first))
        for verdict, views in by_verdict.items()
    ]
    closed_hidden = 0 if show_closed else catalogue.closed
    return ResultsView(groups, closed_hidden, next_question(shown_results))
