"""Who changed which rule of a trial, when, and what the difference was, from the history."""

import difflib
from dataclasses import dataclass
from datetime import datetime

from trials.models import Criterion, Trial

HISTORY_ROWS_READ = 1000  # enough for a trial's recent changes, bounded for a busy one


@dataclass(frozen=True, slots=True)
class DiffPart:
    change: str  # "same", "removed" or "added"
    text: str


@dataclass(frozen=True, slots=True)
class RuleChange:
    criterion_id: int
    criterion: str
    when: datetime
    who: str
    reason: str
    before: str
    after: str
    diff: tuple[DiffPart, ...]
    restore_history_id: int | None  # the record to revert to; None once the criterion is gone


def rule_diff(before: str, after: str) -> tuple[DiffPart, ...]:
    """A word-by-word difference, which reads better than characters for rules."""
    old, new = before.split(), after.split()
    parts: list[DiffPart] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new).get_opcodes():
        if tag == "equal":
            parts.append(DiffPart("same", " ".join(old[i1:i2])))
            continue
        if i2 > i1:
            parts.append(DiffPart("removed", " ".join(old[i1:i2])))
        if j2 > j1:
            parts.append(DiffPart("added", " ".join(new[j1:j2])))
    return tuple(parts)


def recent_rule_changes(trial: Trial, limit: int = 20) -> list[RuleChange]:
    """The trial's latest rule changes, newest first, by anyone (curators, imports, re-parses)."""
    records = list(
        Criterion.history.filter(trial_id=trial.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:HISTORY_ROWS_READ]
    )
    live = set(trial.criteria.order_by().values_list("pk", flat=True))
    older: dict[int, object] = {}
    changes: list[RuleChange] = []
    # Walking from the oldest record read, each record is compared with the one before it.
    for record in reversed(records):
        previous = older.get(record.id)
        older[record.id] = record
        if previous is None or record.history_type == "-" or previous.rule == record.rule:
            continue
        changes.append(_change(previous, record, record.id in live))
    return changes[::-1][:limit]


def _change(previous, record, live: bool) -> RuleChange:
    user = record.history_user
    return RuleChange(
        criterion_id=record.id,
        criterion=f"{record.get_kind_display()} {record.position}: {record.text[:80]}",
        when=record.history_date,
        who=(user.get_username() if user else "Import or re-parse"),
        reason=record.history_change_reason or "",
        before=previous.rule,
        after=record.rule,
        diff=rule_diff(previous.rule, record.rule),
        restore_history_id=previous.history_id if live else None,
    )
