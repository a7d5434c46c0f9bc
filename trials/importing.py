"""Writing study records into the registry: one transaction per study, curated rules kept."""

from dataclasses import dataclass
from enum import StrEnum

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from screening.engine.criteria_parser import parse_criterion
from trials.admin_test_patients import trial_patients_check
from trials.models import Criterion, Trial
from trials.registry import StudyRecord, text_hash
from trials.splitter import split_criteria


class ImportOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class DraftCriterion:
    kind: str
    section: str
    text: str
    parent: int | None
    rule: str
    rule_note: str
    review_status: str


def _fitted(section: str) -> str:
    # Headings merged from several ("Inclusion Criteria: / Key inclusion criteria:") can outgrow
    # the column; the whole text stays in Trial.eligibility_text.
    limit = Criterion._meta.get_field("section").max_length
    return section if len(section) <= limit else section[: limit - 1] + "…"


def parsed_fields(text: str, kind: str) -> tuple[str, str, str]:
    """(rule, rule_note, review_status) for one item, as the parser structures it."""
    parsed = parse_criterion(text, kind)
    structured = parsed.rule is not None and kind != Criterion.Kind.UNCLASSIFIED
    fully = structured and not parsed.note
    status = Criterion.ReviewStatus.AUTO if fully else Criterion.ReviewStatus.NEEDS_REVIEW
    return (parsed.rule or "") if structured else "", parsed.note, status


def draft_criteria(text: str) -> list[DraftCriterion]:
    """Split the registry text into items and structure each one the parser is sure of."""
    drafts = []
    for item in split_criteria(text):
        rule, note, status = parsed_fields(item.text, item.kind.value)
        drafts.append(
            DraftCriterion(
                kind=item.kind.value,
                section=_fitted(item.section),
                text=item.text,
                parent=item.parent,
                rule=rule,
                rule_note=note,
                review_status=status,
            )
        )
    return drafts


def _criterion_key(kind: str, text: str) -> tuple[str, str]:
    return kind, " ".join(text.split()).casefold()


def replace_criteria(trial: Trial, drafts: list[DraftCriterion]) -> None:
    """Make the trial's criteria match the drafts.

    A criterion whose kind and text are still in the registry keeps its row, and with it any
    rule a curator wrote; the others are deleted, which django-simple-history records.
    """
    existing: dict[tuple[str, str], list[Criterion]] = {}
    for criterion in trial.criteria.order_by("position"):
        existing.setdefault(_criterion_key(criterion.kind, criterion.text), []).append(criterion)
    # Positions are unique per trial: move the old rows out of the way before renumbering.
    trial.criteria.update(position=F("position") + 1_000_000)

    saved: list[Criterion] = []
    for position, draft in enumerate(drafts, start=1):
        parent = saved[draft.parent] if draft.parent is not None else None
        matches = existing.get(_criterion_key(draft.kind, draft.text))
        if matches:
            criterion = matches.pop(0)
            criterion.position, criterion.parent, criterion.section = (
                position,
                parent,
                draft.section,
            )
            if not criterion.is_curated:
                criterion.rule, criterion.rule_note = draft.rule, draft.rule_note
                criterion.review_status = draft.review_status
            criterion.save()
        else:
            criterion = Criterion.objects.create(
                trial=trial,
                position=position,
                parent=parent,
                kind=draft.kind,
                section=draft.section,
                text=draft.text,
                rule=draft.rule,
                rule_note=draft.rule_note,
                review_status=draft.review_status,
            )
        saved.append(criterion)
    for leftovers in existing.values():
        for criterion in leftovers:
            criterion.delete()


@transaction.atomic
def trial_import(*, record: StudyRecord) -> ImportOutcome:
    trial = Trial.objects.select_for_update().filter(nct_id=record.nct_id).first()
    if trial is not None and trial.record_hash == record.record_hash:
        return ImportOutcome.UNCHANGED
    created = trial is None
    trial = trial or Trial(nct_id=record.nct_id)
    new_text_hash = text_hash(record.eligibility_text)
    text_changed = trial.eligibility_hash != new_text_hash
    for name, value in record.fields.items():
        setattr(trial, name, value)
    trial.eligibility_text = record.eligibility_text
    trial.eligibility_hash = new_text_hash
    trial.record_hash = record.record_hash
    trial.imported_at = timezone.now()
    if text_changed and not created:
        trial.criteria_changed = True
    trial.full_clean()
    trial.save()
    if text_changed:
        replace_criteria(trial, draft_criteria(record.eligibility_text))
        trial_patients_check(trial=trial)
    return ImportOutcome.CREATED if created else ImportOutcome.UPDATED
