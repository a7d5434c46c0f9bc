"""Hand-checked rules kept as a file, so a demo database gets the same curated criteria."""

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from screening.engine.language import RuleError, compile_rule
from trials.models import Criterion


class CurationError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class CurationReport:
    applied: int
    missing: tuple[str, ...]  # entries whose criterion is not in the database


def read_curation(path: Path) -> list[dict[str, str]]:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["criteria"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CurationError(f"{path}: not a curation file ({error})") from None
    for number, entry in enumerate(entries, start=1):
        if entry.get("rule"):
            try:
                compile_rule(entry["rule"])
            except RuleError as error:
                raise CurationError(f"{path}, entry {number}: {error}") from None
    return entries


@transaction.atomic
def apply_curation(entries: list[dict[str, str]]) -> CurationReport:
    applied, missing = 0, []
    for entry in entries:
        criterion = Criterion.objects.filter(
            trial__nct_id=entry["nct_id"], kind=entry["kind"], text=entry["text"]
        ).first()
        if criterion is None:
            missing.append(f"{entry['nct_id']} {entry['kind']}: {entry['text'][:60]}")
            continue
        updated = {
            "rule": entry.get("rule", ""),
            "rule_note": entry.get("rule_note", ""),
            "review_status": Criterion.ReviewStatus.REVIEWED,
        }
        if any(getattr(criterion, name) != value for name, value in updated.items()):
            for name, value in updated.items():
                setattr(criterion, name, value)
            criterion.save()
        applied += 1
    return CurationReport(applied=applied, missing=tuple(missing))
