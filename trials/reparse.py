"""Running the criteria parser again over stored criteria, keeping what curators wrote.

Each criterion is re-parsed from its own text and kind, so a kind a curator corrected is used.
Edited and reviewed criteria are left alone unless `force` is given; every change goes through
`save()`, so the history keeps the rule it replaced.
"""

from dataclasses import dataclass

from django.db import connection, transaction

from trials.admin_test_patients import failing_names, trial_patients_check
from trials.importing import parsed_fields
from trials.models import Trial, registry_changed

REPARSE_REASON = "Re-parsed"


@dataclass(frozen=True, slots=True)
class ReparseReport:
    nct_id: str
    changed: int = 0  # parser-owned criteria whose rule, note or status changed
    kept: int = 0  # curated criteria left as the curators wrote them
    overwritten: int = 0  # curated criteria replaced by the parser's reading (force only)
    failing_patients: tuple[str, ...] = ()

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
    changed = kept = overwritten = 0
    # Queue for the registry version before locking the criteria (see registry_changed).
    registry_changed(connection.alias)
    for criterion in trial.criteria.select_for_update().order_by("position"):
        curated = criterion.is_curated
        if curated and not force:
            kept += 1
            continue
        fields = parsed_fields(criterion.text, criterion.kind)
        if (criterion.rule, criterion.rule_note, criterion.review_status) == fields:
            continue
        criterion.rule, criterion.rule_note, criterion.review_status = fields
        criterion._change_reason = REPARSE_REASON  # shown in the criterion's history
        criterion.save()
        if curated:
            overwritten += 1
        else:
            changed += 1
    failing = failing_names(trial_patients_check(trial=trial))
    return ReparseReport(trial.nct_id, changed, kept, overwritten, tuple(failing))
