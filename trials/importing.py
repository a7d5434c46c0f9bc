"""Writing study records into the registry, curated rules kept.

Records are written in batches, one transaction per batch and a savepoint per study: a record the
model or the database refuses is undone alone, and committing once per batch instead of once per
study is most of the import's speed on SQLite.
"""

import copy
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache

from django.core.exceptions import ValidationError
from django.db import DataError, connection, transaction
from django.db.models import F, Model
from django.utils import timezone
from simple_history.manager import HistoryManager

from screening.engine.criteria_parser import parse_criterion
from trials.admin_test_patients import trial_patients_check
from trials.models import Criterion, Trial, registry_changed
from trials.registry import StudyRecord, text_hash
from trials.splitter import split_criteria

# Studies per transaction: large enough that commits stop mattering, small enough that a
# process killed outright loses little.
BATCH_SIZE = 100

# What a record the model or the database refuses raises; reported, and the batch goes on.
RecordRefused = ValidationError | DataError


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


@dataclass(frozen=True, slots=True)
class Curation:
    """What a curator set on a criterion: kept across re-imports, restored when its text returns."""

    kind: str
    rule: str
    rule_note: str
    review_status: str
    registry_kind: str = ""  # what the registry said when the curated criterion was deleted


CURATED_STATUSES = frozenset({Criterion.ReviewStatus.EDITED, Criterion.ReviewStatus.REVIEWED})
# What a criterion says, as curators change it: the history rows compared for a person's change.
CURATION_FIELDS = ("kind", "rule", "rule_note", "review_status")
# The admin's re-parse action writes history rows naming the curator who ran it, with this
# reason; the parser wrote what they hold.
REPARSE_REASON = "Re-parsed"


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


def _same_words(text: str) -> str:
    # The registry's text as it reads: line breaks, indents and trailing blanks aside.
    return " ".join(text.split())


def _same_text(text: str) -> str:
    return " ".join(text.split()).casefold()


def _criterion_key(kind: str, text: str) -> tuple[str, str]:
    return kind, _same_text(text)


def _kept_rows(
    drafts: Sequence[DraftCriterion], stored: Sequence[Criterion]
) -> dict[tuple[str, str], list[Criterion]]:
    """The stored rows that carry on, by key, in position order.

    When the registry now lists fewer copies of an item than are stored, the curated copies are
    the ones kept.
    """
    wanted = Counter(_criterion_key(draft.kind, draft.text) for draft in drafts)
    rows: dict[tuple[str, str], list[Criterion]] = defaultdict(list)
    for criterion in stored:
        rows[_criterion_key(criterion.kind, criterion.text)].append(criterion)
    return {
        key: sorted(
            sorted(copies, key=lambda c: not c.is_curated)[: wanted[key]],
            key=lambda c: c.position,
        )
        for key, copies in rows.items()
    }


def matched_criteria(
    drafts: Sequence[DraftCriterion], stored: Sequence[Criterion]
) -> list[Criterion | None]:
    """For each draft, the stored criterion it continues, or None when it is new.

    Kind and text (whitespace and case aside) decide. A curated criterion left over is then
    matched on its text alone: a curator may have corrected the kind the splitter gave it, or
    the registry may have moved it (`_carried_on` tells which).
    """
    kept = _kept_rows(drafts, stored)
    matches: list[Criterion | None] = []
    for draft in drafts:
        same = kept.get(_criterion_key(draft.kind, draft.text))
        matches.append(same.pop(0) if same else None)
    taken = {criterion.pk for criterion in matches if criterion is not None}
    curated_left: dict[str, list[Criterion]] = defaultdict(list)
    for criterion in stored:
        if criterion.is_curated and criterion.pk not in taken:
            curated_left[_same_text(criterion.text)].append(criterion)
    for index, draft in enumerate(drafts):
        left = curated_left.get(_same_text(draft.text))
        if matches[index] is None and left:
            matches[index] = left.pop(0)
    return matches


def registry_moved(kind: str, registry_kind_before: str, registry_kind: str) -> bool:
    """Whether the registry now files a curated item under another kind than the curated one.

    The curator's kind stands when the registry gives none (its headings were dropped) or still
    gives the kind it gave before: then the curator is the one who changed it. Any other move is
    the registry's, and the rule was written for the old kind.
    """
    if registry_kind in (kind, Criterion.Kind.UNCLASSIFIED):
        return False
    return registry_kind_before != registry_kind


def moved_note(old_kind: str, new_kind: str) -> str:
    return (
        f"The registry moved this item from {old_kind} to {new_kind} criteria: check that the "
        f"rule, written for an {old_kind} criterion, still says what the item means."
    )


def deleted_curations(nct_id: str) -> dict[tuple[str, str] | str, Curation]:
    """The curation of each criterion of this NCT ID that was deleted last, by key and by text.

    Only the latest deletion of an item counts: a curator's later decision to leave it to the
    parser is not undone by an older one. Earlier trials with the same NCT ID, deleted and
    imported again, count too.
    """
    trial_ids = Trial.history.filter(nct_id=nct_id).values("id")
    deleted = (
        Criterion.history.filter(trial_id__in=trial_ids, history_type="-")
        .order_by("history_date", "history_id")
        .values_list("kind", "text", "rule", "rule_note", "review_status", "registry_kind")
    )
    latest: dict[tuple[str, str] | str, Curation] = {}
    for kind, text, rule, note, status, registry_kind in deleted:
        curation = Curation(kind, rule, note, status, registry_kind)
        latest[_criterion_key(kind, text)] = latest[_same_text(text)] = curation
    return {key: c for key, c in latest.items() if c.review_status in CURATED_STATUSES}


def _restored(drafts: Sequence[DraftCriterion], nct_id: str) -> list[Curation | None]:
    """For each draft, the curation it had when it was last deleted, if a curator made one.

    Restored on its text alone, the curation is marked for review when the registry has since
    moved the item to another kind, as a curated criterion that is carried on would be.
    """
    curations = deleted_curations(nct_id)
    restored: list[Curation | None] = []
    for draft in drafts:
        curation = curations.get(_criterion_key(draft.kind, draft.text))
        if curation is None and (curation := curations.get(_same_text(draft.text))):
            curation = _checked_kind(curation, draft.kind)
        restored.append(curation)
    return restored


def _checked_kind(curation: Curation, registry_kind: str) -> Curation:
    if not registry_moved(curation.kind, curation.registry_kind, registry_kind):
        return curation
    note = f"{moved_note(curation.kind, registry_kind)}\n{curation.rule_note}".strip()
    return Curation(registry_kind, curation.rule, note, Criterion.ReviewStatus.NEEDS_REVIEW)


def noted_for_review(criteria: Iterable[Criterion]) -> set[int]:
    """The ids of the "needs review" criteria among these that say what a person last wrote.

    A curator who changes only the note of a criterion needing review leaves it "needs review",
    so that a partial rule never decides alone (see CriterionForm); what they wrote must outlive
    a re-parse or re-import all the same. The history tells: the latest row that changed what the
    criterion says has a user. Imports and `parse_criteria` write rows without a user; rows the
    re-parse action writes name whoever ran it, but hold the parser's words. One query.
    """
    waiting = [
        criterion.pk
        for criterion in criteria
        if criterion.review_status == Criterion.ReviewStatus.NEEDS_REVIEW
    ]
    if not waiting:
        return set()
    rows = (
        Criterion.history.filter(id__in=waiting)
        .order_by("id", "history_date", "history_id")
        .values_list("id", *CURATION_FIELDS, "history_user_id", "history_change_reason")
    )
    said: dict[int, tuple[str, ...]] = {}
    by_person: dict[int, bool] = {}
    for criterion_id, *fields, user_id, reason in rows:
        # A row repeating what the criterion said (an import carrying it on, a save with no
        # change) changes nothing: the last row that did tells whose words these are.
        if said.get(criterion_id) != tuple(fields):
            said[criterion_id] = tuple(fields)
            by_person[criterion_id] = user_id is not None and reason != REPARSE_REASON
    return {criterion_id for criterion_id, person in by_person.items() if person}


def _depths(drafts: Sequence[DraftCriterion]) -> list[int]:
    depths: list[int] = []
    for draft in drafts:
        depths.append(0 if draft.parent is None else depths[draft.parent] + 1)
    return depths


def _new_criterion(
    trial: Trial,
    draft: DraftCriterion,
    curation: Curation | None,
    position: int,
    parent: Criterion | None,
    now: datetime,
) -> Criterion:
    # bulk_create does not call save(): the lock's version and updated_at are set here, as the
    # first save() would set them.
    made = curation or Curation(draft.kind, draft.rule, draft.rule_note, draft.review_status)
    return Criterion(
        trial=trial,
        position=position,
        parent=parent,
        kind=made.kind,
        registry_kind=draft.kind,
        section=draft.section,
        text=draft.text,
        rule=made.rule,
        rule_note=made.rule_note,
        review_status=made.review_status,
        version=1,
        updated_at=now,
    )


def _carried_on(
    criterion: Criterion,
    draft: DraftCriterion,
    position: int,
    parent: Criterion | None,
    now: datetime,
    *,
    curated: bool,
) -> Criterion:
    """The stored criterion moved to its new place; the parser's reading unless `curated`."""
    criterion.position, criterion.parent, criterion.section = position, parent, draft.section
    if not curated:
        criterion.rule, criterion.rule_note = draft.rule, draft.rule_note
        criterion.kind, criterion.review_status = draft.kind, draft.review_status
    elif registry_moved(criterion.kind, criterion.registry_kind, draft.kind):
        # Judged by the old kind, a patient could be turned away by a rule meant the other way
        # round: the rule is kept for the curator, and decides nothing until it is reviewed.
        note = moved_note(criterion.kind, draft.kind)
        criterion.rule_note = f"{note}\n{criterion.rule_note}".strip()
        criterion.kind, criterion.review_status = draft.kind, Criterion.ReviewStatus.NEEDS_REVIEW
    criterion.registry_kind = draft.kind
    criterion.version += 1
    criterion.updated_at = now
    return criterion


CARRIED_FIELDS = [
    "position",
    "parent",
    "section",
    "kind",
    "registry_kind",
    "rule",
    "rule_note",
    "review_status",
]


@cache
def _history_of(model: type[Model]) -> HistoryManager:
    # model.history builds a new manager class on every access, ~0.3 ms each time.
    return model.history


@dataclass
class HistoryLater:
    """History rows written together when a batch ends, as save() would have written them.

    One INSERT per model and kind for the whole batch instead of two per study: on PostgreSQL
    each statement costs about as much as ten rows.
    """

    rows: dict[tuple[type[Model], bool], list[Model]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def add(self, instances: Iterable[Model], *, update: bool) -> None:
        now = timezone.now()
        for instance in instances:
            # A copy: a later record of the batch with the same NCT ID changes the instance.
            snapshot = copy.copy(instance)
            snapshot._history_date = now
            self.rows[type(instance), update].append(snapshot)

    def extend(self, other: "HistoryLater") -> None:
        for key, snapshots in other.rows.items():
            self.rows[key].extend(snapshots)

    def write(self) -> None:
        for (model, update), snapshots in self.rows.items():
            _history_of(model).bulk_history_create(
                snapshots, update=update, default_change_reason=None
            )


def _write_wave(created: list[Criterion], carried: list[Criterion], history: HistoryLater) -> None:
    """One depth of criteria, with their history rows, as create() and save() would write."""
    if created:
        Criterion.objects.bulk_create(created)
        history.add(created, update=False)
    if carried:
        Criterion.objects.bulk_update(carried, [*CARRIED_FIELDS, "version", "updated_at"])
        history.add(carried, update=True)


def replace_criteria(
    trial: Trial, drafts: list[DraftCriterion], *, first: bool, history: HistoryLater
) -> bool:
    """Make the trial's criteria match the drafts; whether any item came, went or moved.

    A criterion whose kind and text are still in the registry keeps its row, and with it any
    rule a curator wrote; the others are deleted, which the history records. A new item whose
    text a curator had curated before it was deleted gets that curation back. `first`: this
    NCT ID never had criteria, so there is nothing to match or restore.
    """
    now = timezone.now()
    stored = [] if first else list(trial.criteria.select_for_update().order_by("position"))
    matches = matched_criteria(drafts, stored)
    carried_on = [criterion for criterion in matches if criterion is not None]
    curated = {c.pk for c in carried_on if c.is_curated} | noted_for_review(carried_on)
    restore = (
        _restored(drafts, trial.nct_id) if not first and None in matches else [None] * len(drafts)
    )
    if stored:
        # Positions are unique per trial: move the old rows out of the way before renumbering.
        trial.criteria.update(position=F("position") + 1_000_000, updated_at=now)
    depths = _depths(drafts)
    saved: list[Criterion | None] = [None] * len(drafts)
    moved = False
    for depth in range(max(depths, default=-1) + 1):
        created, carried = [], []
        for index, draft in enumerate(drafts):
            if depths[index] != depth:
                continue
            parent = saved[draft.parent] if draft.parent is not None else None
            match = matches[index]
            if match is None:
                saved[index] = _new_criterion(trial, draft, restore[index], index + 1, parent, now)
                created.append(saved[index])
            else:
                before = (match.kind, match.parent_id)
                saved[index] = _carried_on(
                    match, draft, index + 1, parent, now, curated=match.pk in curated
                )
                moved = moved or before != (match.kind, match.parent_id)
                carried.append(saved[index])
        _write_wave(created, carried, history)
    kept = {criterion.pk for criterion in matches if criterion is not None}
    removed = [criterion.pk for criterion in stored if criterion.pk not in kept]
    if removed:
        # One statement, one move of the registry version; the history still records each.
        trial.criteria.filter(pk__in=removed).delete()
    return moved or len(kept) != len(stored) or len(kept) != len(drafts)


def _stored_trials(nct_ids: Sequence[str]) -> dict[str, Trial | None]:
    found = Trial.objects.select_for_update().filter(nct_id__in=nct_ids)
    trials = {trial.nct_id: trial for trial in found}
    return {nct_id: trials.get(nct_id) for nct_id in nct_ids}


def _deleted_before(nct_ids: Sequence[str]) -> set[str]:
    """NCT IDs whose trial was deleted once: its criteria's curation may come back."""
    deleted = Trial.history.filter(nct_id__in=nct_ids, history_type="-")
    return set(deleted.values_list("nct_id", flat=True))


def _write_record(
    record: StudyRecord, stored: Trial | None, *, deleted_before: bool, history: HistoryLater
) -> tuple[ImportOutcome, Trial]:
    if stored is not None and stored.record_hash == record.record_hash:
        return ImportOutcome.UNCHANGED, stored
    created = stored is None
    trial = stored or Trial(nct_id=record.nct_id)
    new_text_hash = text_hash(record.eligibility_text)
    text_changed = trial.eligibility_hash != new_text_hash
    words_changed = text_changed and _same_words(trial.eligibility_text) != _same_words(
        record.eligibility_text
    )
    for name, value in record.fields.items():
        setattr(trial, name, value)
    trial.eligibility_text = record.eligibility_text
    trial.eligibility_hash = new_text_hash
    trial.record_hash = record.record_hash
    trial.imported_at = timezone.now()
    if words_changed and not created:
        trial.criteria_changed = True
    # Whether the NCT ID is taken is known from the batch's lookup; the unique index still
    # guards it, without a query per study.
    trial.full_clean(validate_unique=False)
    trial.save_without_historical_record()
    if text_changed:
        # Split again even when only whitespace changed: line breaks and indents can shape items.
        drafts = draft_criteria(record.eligibility_text)
        items_changed = replace_criteria(
            trial, drafts, first=created and not deleted_before, history=history
        )
        if items_changed and not created and not trial.criteria_changed:
            trial.criteria_changed = True
            trial.save_without_historical_record(update_fields=["criteria_changed", "updated_at"])
        if not created:  # a new trial has no test patients to check yet
            trial_patients_check(trial=trial)
    history.add([trial], update=not created)
    return ImportOutcome.CREATED if created else ImportOutcome.UPDATED, trial


def _import_in_savepoint(
    record: StudyRecord,
    stored: dict[str, Trial | None],
    deleted_before: set[str],
    history: HistoryLater,
) -> ImportOutcome:
    nct_id = record.nct_id
    if nct_id not in stored:
        stored.update(_stored_trials([nct_id]))
    written = HistoryLater()
    try:
        with transaction.atomic():
            outcome, trial = _write_record(
                record, stored[nct_id], deleted_before=nct_id in deleted_before, history=written
            )
    except BaseException:
        # The savepoint is undone but the trial object may hold the refused values: a later
        # record with this NCT ID reads the row again.
        del stored[nct_id]
        raise
    stored[nct_id] = trial
    history.extend(written)
    return outcome


def import_records(records: Sequence[StudyRecord]) -> list[ImportOutcome | RecordRefused]:
    """Import records in one transaction, each in a savepoint of its own.

    A record the model or the database refuses is undone alone and its error is returned in
    its place. Any other exception (Ctrl-C, a fault) undoes the record it was writing, commits
    the ones before it and is raised again: no trial is ever half imported.
    """
    results: list[ImportOutcome | RecordRefused] = []
    interrupted: BaseException | None = None
    history = HistoryLater()
    with transaction.atomic():
        # Queue for the registry version before locking any trial row (see registry_changed).
        registry_changed(connection.alias)
        nct_ids = [record.nct_id for record in records]
        stored, deleted_before = _stored_trials(nct_ids), _deleted_before(nct_ids)
        for record in records:
            try:
                results.append(_import_in_savepoint(record, stored, deleted_before, history))
            except (ValidationError, DataError) as error:
                results.append(error)
            except BaseException as error:
                interrupted = error
                break
        if not transaction.get_rollback():  # e.g. a lost connection: the batch is undone anyway
            history.write()
    if interrupted is not None:
        raise interrupted
    return results


def trial_import(*, record: StudyRecord) -> ImportOutcome:
    """One record in a transaction of its own; a refused record raises its error."""
    [result] = import_records([record])
    if isinstance(result, RecordRefused):
        raise result
    return result
