"""The loaded trials as compiled rules, built once and kept in the process.

A screening request costs one query, for the registry version (`trials.models.RegistryVersion`);
the trials and their criteria are read and compiled again only when it moved on since the last
request.
"""

import gc
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import NamedTuple, Protocol

from django.db import connection
from django.urls import reverse

from screening.engine import (
    CompiledRule,
    CriterionSpec,
    Kind,
    RuleError,
    TrialSpec,
    compile_rule,
    entered_inputs,
    registry_criteria,
)
from trials.models import Criterion, Trial, Version, registry_version

INCOMPLETE_TEXT = (
    "The registry text held for this trial stops part-way; the criteria missing from it "
    "must be checked on ClinicalTrials.gov."
)


@dataclass(frozen=True, slots=True)
class TrialInfo:
    """What the results page shows about a trial beside its verdict."""

    nct_id: str
    title: str
    status: str
    status_label: str
    phase_label: str
    is_open: bool
    url: str
    registry_url: str
    # Where the screening page loads this trial's full list of results (reversed once per load,
    # not once per trial on every page).
    criteria_url: str


@dataclass(frozen=True, slots=True)
class Catalogue:
    version: Version | None
    trials: tuple[TrialSpec, ...]
    info: dict[str, TrialInfo]
    # Entered measure -> how many trials have a rule that depends on it.
    usage: dict[str, int]
    # The trials open to enrolment, which the screening page shows unless asked for all.
    open_trials: tuple[TrialSpec, ...]
    # The same count over the open trials only, for the page's default filter.
    open_usage: dict[str, int]

    def select(self, nct_ids: set[str] | None) -> tuple[TrialSpec, ...]:
        if not nct_ids:
            return self.trials
        return tuple(trial for trial in self.trials if trial.nct_id in nct_ids)

    def shown(self, *, show_closed: bool) -> tuple[TrialSpec, ...]:
        return self.trials if show_closed else self.open_trials

    def shown_usage(self, *, show_closed: bool) -> dict[str, int]:
        """How many of the trials the page shows depend on each field."""
        return self.usage if show_closed else self.open_usage

    @property
    def closed(self) -> int:
        return len(self.trials) - len(self.open_trials)


_catalogues: dict[str, Catalogue] = {}


def current_catalogue() -> Catalogue:
    # The version is read before the rows: a write committed in between is then in the rows but
    # not in the version kept with them, and the next request reads everything again. The other
    # way round, rows older than their version would be kept until the next write.
    version = registry_version(connection.alias)
    cached = _catalogues.get(connection.alias)
    if cached is None or cached.version != version:
        cached = _catalogues[connection.alias] = load_catalogue(version)
    return cached


def safe_compile(rule: str) -> tuple[CompiledRule | None, str]:
    """A stored rule that no longer compiles is shown for review, never allowed to crash."""
    if not rule.strip():
        return None, ""
    try:
        return compile_rule(rule), ""
    except RuleError as error:
        return None, f"The stored rule does not compile ({error}); needs review."


type Compiler = Callable[[str], tuple[CompiledRule | None, str]]


class CriterionFields(Protocol):
    """What a criterion spec is made from: a `Criterion`, or a row of one read for the catalogue."""

    id: int
    kind: str
    text: str
    rule: str
    rule_note: str
    review_status: str


class CriterionRow(NamedTuple):
    trial_id: int
    id: int
    kind: str
    text: str
    rule: str
    rule_note: str
    review_status: str


def criterion_spec(criterion: CriterionFields, compiled: Compiler = safe_compile) -> CriterionSpec:
    rule, problem = compiled(criterion.rule)
    incomplete = criterion.review_status == Criterion.ReviewStatus.NEEDS_REVIEW and rule
    return CriterionSpec(
        key=criterion.id,
        kind=Kind(criterion.kind),
        text=criterion.text,
        rule=rule,
        note=problem or (criterion.rule_note if incomplete else ""),
    )


def _years(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def trial_spec(
    trial: Trial, criteria: Iterable[CriterionFields], compiled: Compiler = safe_compile
) -> TrialSpec:
    specs = list(
        registry_criteria(
            minimum_age_years=_years(trial.minimum_age_years),
            maximum_age_years=_years(trial.maximum_age_years),
            sex=trial.sex,
        )
    )
    specs.extend(criterion_spec(criterion, compiled) for criterion in criteria)
    if trial.criteria_incomplete:
        specs.append(
            CriterionSpec(key="incomplete", kind=Kind.UNCLASSIFIED, text=INCOMPLETE_TEXT, rule=None)
        )
    return TrialSpec(key=trial.pk, nct_id=trial.nct_id, title=trial.title, criteria=tuple(specs))


def trial_info(trial: Trial) -> TrialInfo:
    return TrialInfo(
        nct_id=trial.nct_id,
        title=trial.title,
        status=trial.overall_status,
        status_label=trial.get_overall_status_display() or "Status not given",
        phase_label=trial.get_phase_display() or "Phase not given",
        is_open=trial.is_open,
        url=trial.get_absolute_url(),
        registry_url=trial.registry_url,
        criteria_url=reverse("screening:trial-criteria", args=[trial.nct_id]),
    )


def measure_usage(trials: tuple[TrialSpec, ...]) -> dict[str, int]:
    usage: Counter[str] = Counter()
    for trial in trials:
        used = {
            name
            for criterion in trial.criteria
            if criterion.rule is not None
            for measure_name in criterion.rule.measures
            for name in entered_inputs(measure_name)
        }
        usage.update(used)
    return dict(usage)


# Only what the catalogue uses: whole rows would also bring each trial's eligibility text, its
# source record and history fields, only to drop them (several times slower at 10,000 trials).
TRIAL_FIELDS = (
    "nct_id",
    "brief_title",
    "official_title",
    "overall_status",
    "phase",
    "minimum_age_years",
    "maximum_age_years",
    "sex",
    "criteria_incomplete",
)


def read_criteria() -> dict[int, list[CriterionRow]]:
    """Every criterion, by trial, in its trial's order."""
    by_trial: dict[int, list[CriterionRow]] = {}
    rows = Criterion.objects.order_by("trial_id", "position").values_list(*CriterionRow._fields)
    for row in rows:
        by_trial.setdefault(row[0], []).append(CriterionRow._make(row))
    return by_trial


def load_catalogue(version: Version | None) -> Catalogue:
    # Objects frozen by the previous load become collectable again (its specs and their fixed
    # results refer to each other, so only the cyclic collector frees them).
    gc.unfreeze()
    by_trial = read_criteria()
    trials = list(Trial.objects.only(*TRIAL_FIELDS).order_by("nct_id"))
    # A rule text is compiled once per load: the same rules recur across trials ("age >= 18"),
    # and a compiled rule is immutable, so trials can share it.
    compiled = cache(safe_compile)
    specs = tuple(trial_spec(trial, by_trial.get(trial.pk, []), compiled) for trial in trials)
    open_trials = tuple(spec for spec, trial in zip(specs, trials, strict=True) if trial.is_open)
    loaded = Catalogue(
        version=version,
        trials=specs,
        info={trial.nct_id: trial_info(trial) for trial in trials},
        usage=measure_usage(specs),
        open_trials=open_trials,
        open_usage=measure_usage(open_trials),
    )
    # The catalogue lives as long as the process, and the cyclic collector would otherwise walk
    # its hundreds of thousands of objects again and again during screenings.
    gc.collect()
    gc.freeze()
    return loaded
