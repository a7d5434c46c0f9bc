"""Running the criteria parser again over stored criteria, keeping what curators wrote.

Each criterion is re-parsed from its own text and kind, so a kind a curator corrected is used.
Edited and reviewed criteria (rule, note and all), and criteria needing review whose note a
curator wrote, are left alone unless `force` is given; every change goes through `save()`, so the
history keeps what it replaced, and the report lists each change.
"""

from dataclasses import dataclass

from django.db import connection, transaction

from trials.admin_test_patients import failing_names, trial_patients_check
from trials.importing import REPARSE_REASON, noted_for_review, parsed_fields
from trials.models import Criterion, Trial, registry_changed

SHOWN_CHARS = 200  # of a rule or note in a report line; the history keeps them whole


@dataclass(frozen=True, slots=True)
class CriterionChange:
    """What a re-parse did to one criterion, as (field, before, after) for each field."""

    position: int
    fields: tuple[tuple[str, str, str], ...]
    overwritten: bool = False  # a curated criterion replaced by the parser's reading

    def __str__(self) -> str:
        how = ", ".join(
            f"{name} {_quoted(old)} -> {_quoted(new)}" for name, old, new in self.fields
        )
        whose = " (curated, overwritten)" if self.overwritten else ""
        return f"criterion {self.position}{whose}: {how}"


def _quoted(text: str) -> str:
    shown = text if len(text) <= SHOWN_CHARS else f"{text[: SHOWN_CHARS - 1]}…"
    return f"'{shown}'"


def criterion_change(
    criterion: Criterion, parsed: tuple[str, str, str], *, curated: bool
) -> CriterionChange:
    names = ("rule", "note", "status")
    stored = (criterion.rule, criterion.rule_note, criterion.review_status)
    fields = tuple(
        (name, *_readable(name, old, new))
        for name, old, new in zip(names, stored, parsed, strict=True)
        if old != new
    )
    return CriterionChange(criterion.position, fields, overwritten=curated)


def _readable(name: str, old: str, new: str) -> tuple[str, str]:
    if name != "status":
        return old, new
    # The words the issue and the curators use ("needs review"), not the stored codes.
    return old.replace("_", " "), new.replace("_", " ")


@dataclass(frozen=True, slots=True)
class ReparseReport:
    nct_id: str
    changed: int = 0  # parser-owned criteria whose rule, note or status changed
    kept: int = 0  # curated criteria left as the curators wrote them
    overwritten: int = 0  # curated criteria replaced by the parser's reading (force only)
    failing_patients: tuple[str, ...] = ()
    changes: tuple[CriterionChange, ...] = ()  # every criterion changed, in order

    def details(self) -> list[str]:
        """A line for each criterion changed, naming the trial, e.g. for the admin."""
        return [f"{self.nct_id} {change}" for change in self.changes]

    def __str__(self) -> str:
        parts = [f"{_count(self.changed, 'rule')} changed"]
        if self.overwritten:
            parts.append(f"{_count(self.overwritten, 'curated rule')} overwritten")
        if self.kept or not self.overwritten:
            parts.append(f"{_count(self.kept, 'curated rule')} kept")
        text = f"{self.nct_id}: {', '.join(parts)}"
        if self.failing_patients:
            text += f"; failing test patients: {', '.join(self.failing_patients)}"
        return text


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@transaction.atomic
def trial_reparse(*, trial: Trial, force: bool = False) -> ReparseReport:
    kept = 0
    changes: list[CriterionChange] = []
    # Queue for the registry version before locking the criteria (see registry_changed).
    registry_changed(connection.alias)
    criteria = list(trial.criteria.select_for_update().order_by("position"))
    noted = noted_for_review(criteria)
    for criterion in criteria:
        curated = criterion.is_curated or criterion.pk in noted
        if curated and not force:
            kept += 1
            continue
        fields = parsed_fields(criterion.text, criterion.kind)
        if (criterion.rule, criterion.rule_note, criterion.review_status) == fields:
            continue
        changes.append(criterion_change(criterion, fields, curated=curated))
        criterion.rule, criterion.rule_note, criterion.review_status = fields
        criterion._change_reason = REPARSE_REASON  # shown in the criterion's history
        criterion.save()
    overwritten = sum(change.overwritten for change in changes)
    failing = failing_names(trial_patients_check(trial=trial))
    return ReparseReport(
        trial.nct_id,
        changed=len(changes) - overwritten,
        kept=kept,
        overwritten=overwritten,
        failing_patients=tuple(failing),
        changes=tuple(changes),
    )
