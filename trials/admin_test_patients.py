"""Curators' example patients: screened against a trial's rules whenever the rules change.

A save is refused when it makes an example that passes with the stored rules fail; examples that
already failed are reported, not used to block unrelated edits.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from screening.catalogue import trial_spec
from screening.engine import (
    CriterionResult,
    Outcome,
    PatientError,
    TrialResult,
    read_patient,
    screen_trial,
)
from trials.models import Criterion, ExpectedVerdict, Trial

MAX_REASONS = 3


@dataclass(frozen=True, slots=True)
class PatientInput:
    """An example as it is about to be saved: from a form, or as stored."""

    name: str
    data: Mapping[str, object]
    expected: str


@dataclass(frozen=True, slots=True)
class PatientCheck:
    name: str
    expected: str
    got: str  # a verdict, or "" when the patient no longer reads (the vocabulary changed)
    reason: str

    @property
    def passes(self) -> bool:
        return self.got == self.expected

    @property
    def message(self) -> str:
        got = _label(self.got) if self.got else "no verdict"
        return (
            f"Test patient “{self.name}”: expected {_label(self.expected)}, got {got}. "
            f"{self.reason}"
        )


def _label(verdict: str) -> str:
    return ExpectedVerdict(verdict).label.lower()


def with_screening_date(data: Mapping[str, object]) -> dict[str, object]:
    """The example pinned to a screening date, so durations in it do not grow over time."""
    return {"as_of": date.today().isoformat(), **data}


def check_patient(
    trial: Trial, criteria: Sequence[Criterion], patient: PatientInput
) -> PatientCheck:
    try:
        person = read_patient(patient.data)
    except PatientError as error:
        reason = f"The patient no longer reads: {error}"
        return PatientCheck(patient.name, patient.expected, "", reason)
    result = screen_trial(trial_spec(trial, list(criteria)), person)
    return PatientCheck(patient.name, patient.expected, result.verdict.value, _reason(result))


def _reason(result: TrialResult) -> str:
    failed = [item for item in result.criteria if item.outcome is Outcome.FAIL]
    if failed:
        return _listed("Fails", failed)
    open_items = [
        item for item in result.criteria if item.outcome in (Outcome.UNKNOWN, Outcome.NEEDS_REVIEW)
    ]
    if open_items:
        return _listed("Still open", open_items)
    return "Every criterion passes or does not apply."


def _listed(heading: str, items: Sequence[CriterionResult]) -> str:
    shown = "; ".join(item.explanation.rstrip(".") for item in items[:MAX_REASONS])
    more = f" (and {len(items) - MAX_REASONS} more)" if len(items) > MAX_REASONS else ""
    return f"{heading}: {shown}{more}."


def check_patients(
    trial: Trial, criteria: Sequence[Criterion], patients: Iterable[PatientInput]
) -> list[PatientCheck]:
    return [check_patient(trial, criteria, patient) for patient in patients]


def newly_failing(
    *,
    trial: Trial,
    stored: Sequence[Criterion],
    candidate: Sequence[Criterion],
    patients: Iterable[PatientInput],
) -> list[PatientCheck]:
    """The examples that pass with the stored criteria but fail with the candidate ones."""
    broken = []
    for patient in patients:
        after = check_patient(trial, candidate, patient)
        if not after.passes and check_patient(trial, stored, patient).passes:
            broken.append(after)
    return broken


def stored_inputs(trial: Trial) -> list[PatientInput]:
    return [
        PatientInput(patient.name, patient.patient, patient.expected_verdict)
        for patient in trial.test_patients.all()
    ]


def trial_patients_check(*, trial: Trial) -> list[PatientCheck]:
    """Screens every stored example against the stored rules and records the outcome."""
    criteria = list(trial.criteria.order_by("position"))
    checks = []
    now = timezone.now()
    for patient in trial.test_patients.all():
        check = check_patient(
            trial, criteria, PatientInput(patient.name, patient.patient, patient.expected_verdict)
        )
        patient.last_verdict, patient.last_result, patient.checked_at = (
            check.got,
            check.reason,
            now,
        )
        patient.save(update_fields=["last_verdict", "last_result", "checked_at"])
        checks.append(check)
    return checks


def failing_names(checks: Iterable[PatientCheck]) -> list[str]:
    return [check.name for check in checks if not check.passes]
