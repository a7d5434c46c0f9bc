"""The screening log: who may see what, saving, reopening, screening again, per-trial logs, the
CSV export, the exclusion summary and retention. The views only call these.

Sites are Django groups: a `Site` row marks a group as a trial site, and its members are that
site's clinicians. Curators (the "Criteria curators" group) and superusers see every site's log.
"""

import csv
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from screening.catalogue import current_catalogue
from screening.engine import (
    MEASURES,
    CriterionResult,
    Outcome,
    PatientError,
    TrialResult,
    TrialSpec,
    read_patient,
    screen,
)
from screening.forms import FormReading
from screening.models import LogEvent, SavedScreening, ScreeningOutcome, Site, Verdict
from screening.reports import screening_json
from screening.results import GROUP_LABELS, OUTCOME_LABELS
from trials.models import Criterion, Trial

CURATORS = "Criteria curators"
LABELS = {outcome.value: label for outcome, label in OUTCOME_LABELS.items()}
VERDICT_LABELS = dict(Verdict.choices)

# Access


def sees_all_sites(user: AbstractBaseUser) -> bool:
    return user.is_superuser or user.groups.filter(name=CURATORS).exists()


def user_sites(user: AbstractBaseUser) -> QuerySet[Site]:
    return Site.objects.filter(group__user=user).select_related("group")


def visible_screenings(user: AbstractBaseUser) -> QuerySet[SavedScreening]:
    screenings = SavedScreening.objects.select_related("site__group", "saved_by")
    if sees_all_sites(user):
        return screenings
    return screenings.filter(site__group__user=user)


def visible_outcomes(user: AbstractBaseUser) -> QuerySet[ScreeningOutcome]:
    # The id breaks ties between screenings saved at the same moment, so pages never overlap.
    outcomes = ScreeningOutcome.objects.select_related(
        "screening__site__group", "screening__saved_by"
    ).order_by("-screening__saved_at", "-id")
    if sees_all_sites(user):
        return outcomes
    return outcomes.filter(screening__site__group__user=user)


def can_delete(user: AbstractBaseUser, screening: SavedScreening) -> bool:
    """The site's own clinicians and superusers; curators read other sites' logs, no more."""
    return user.is_superuser or user.groups.filter(pk=screening.site.group_id).exists()


# The patient reference

REFERENCE_LENGTH = SavedScreening._meta.get_field("reference").max_length


def _too_long(reference: str) -> str | None:
    """As the screening form says it of its values (screening.forms.MAX_VALUE_LENGTH)."""
    if len(reference) <= REFERENCE_LENGTH:
        return None
    return f"This is {len(reference):,} characters long; at most {REFERENCE_LENGTH} are taken."


class SaveForm(forms.Form):
    # No max_length: Django's message would come first; clean_reference says it as the form does.
    reference = forms.CharField(label="Patient reference")
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False)

    def __init__(self, *args: object, user: AbstractBaseUser, reading: FormReading, **kwargs):
        super().__init__(*args, **kwargs)
        self.reading = reading
        self.fields["site"].queryset = user_sites(user)

    def clean_reference(self) -> str:
        reference = self.cleaned_data["reference"]
        if problem := _too_long(reference):
            raise ValidationError(problem, code="max_length")
        SavedScreening._meta.get_field("reference").run_validators(reference)
        return reference

    @property
    def reference_shown(self) -> str:
        """What was typed, shown again to be corrected, but never a value too long to be one."""
        typed = self["reference"].value() or ""
        return "" if _too_long(typed) else typed

    def clean_site(self) -> Site:
        if site := self.cleaned_data["site"]:
            return site
        sites = list(self.fields["site"].queryset[:2])
        if not sites:
            raise ValidationError(
                "You are not a member of any trial site, so there is no log to save to. "
                "Ask an administrator to add you to your site's group."
            )
        if len(sites) > 1:
            raise ValidationError("You belong to several sites: choose the site whose log it is.")
        return sites[0]

    def clean(self) -> dict:
        if self.reading.errors:
            raise ValidationError(
                "Some values are not valid (see the form). Correct or clear them before "
                "saving, so the log holds exactly what was screened. Nothing was saved."
            )
        return self.cleaned_data


# Saving


@dataclass(frozen=True, slots=True)
class CriteriaVersion:
    criteria: list[dict]  # in the trial's criteria order, as the result lists them
    rules_hash: str
    trial_history_id: int | None


def criteria_entries(trial: TrialSpec) -> list[dict]:
    return [
        {
            "key": criterion.key,
            "kind": criterion.kind.value,
            "text": criterion.text,
            "rule": criterion.rule.source if criterion.rule else None,
            "note": criterion.note,
        }
        for criterion in trial.criteria
    ]


def rules_hash(entries: list[dict]) -> str:
    fields = [[e["key"], e["kind"], e["text"], e["rule"], e["note"]] for e in entries]
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _latest_history(model: type, ids: Iterable[int]) -> dict[int, int]:
    latest = model.history.filter(id__in=list(ids)).values("id").annotate(last=Max("history_id"))
    return {row["id"]: row["last"] for row in latest.order_by()}


def criteria_versions(trials: Sequence[TrialSpec]) -> dict[str, CriteriaVersion]:
    """Each trial's criteria as screened, with the history record each one stands at."""
    ids = [c.key for trial in trials for c in trial.criteria if isinstance(c.key, int)]
    latest = _latest_history(Criterion, ids)
    records = {r.id: r for r in Criterion.history.filter(history_id__in=latest.values())}
    trial_history = _latest_history(Trial, [t.key for t in trials if isinstance(t.key, int)])
    versions = {}
    for trial in trials:
        entries = criteria_entries(trial)
        for entry in entries:
            record = records.get(entry["key"])
            # A history record written before a bulk update would name the wrong text.
            matches = record is not None and record.text == entry["text"]
            entry["history_id"] = record.history_id if matches else None
            entry["version"] = getattr(record, "version", None) if matches else None
        versions[trial.nct_id] = CriteriaVersion(
            entries, rules_hash(entries), trial_history.get(trial.key)
        )
    return versions


def _outcome(screening: SavedScreening, result: TrialResult, version: CriteriaVersion):
    reasons = [
        {"key": item.criterion.key, "text": item.criterion.text, "explanation": item.explanation}
        for item in result.criteria
        if item.outcome is Outcome.FAIL
    ]
    return ScreeningOutcome(
        screening=screening,
        nct_id=result.trial.nct_id,
        title=result.trial.title[:500],
        verdict=result.verdict.value,
        reasons=reasons,
        criteria=version.criteria,
        rules_hash=version.rules_hash,
        trial_history_id=version.trial_history_id,
    )


def screening_save(
    *,
    user: AbstractBaseUser,
    site: Site,
    reference: str,
    reading: FormReading,
    show_closed: bool,
) -> SavedScreening:
    """Screens the reading against today's criteria and stores the trials the page shows."""
    if not user_sites(user).filter(pk=site.pk).exists():
        raise PermissionDenied("Only a site's own clinicians save to its log.")
    if reading.errors:
        raise ValidationError("A screening with values that are not valid is never saved.")
    catalogue = current_catalogue()
    trials = tuple(t for t in catalogue.trials if show_closed or catalogue.info[t.nct_id].is_open)
    results = screen(trials, reading.patient)
    screening = SavedScreening(
        site=site,
        reference=reference,
        screened_on=reading.as_of,
        saved_at=timezone.now(),
        saved_by=user,
        values=[{"name": m.name, "label": m.label, "text": text} for m, text in reading.entered()],
        result=screening_json(reading.patient, results),
        show_closed=show_closed,
    )
    screening.full_clean()
    versions = criteria_versions(trials)
    outcomes = [_outcome(screening, r, versions[r.trial.nct_id]) for r in results]
    for outcome in outcomes:
        outcome.clean_fields(exclude=["screening"])
    with transaction.atomic():
        screening.save()
        ScreeningOutcome.objects.bulk_create(outcomes)
    return screening


# Reopening: the stored JSON, rendered as it was


@dataclass(frozen=True, slots=True)
class StoredCriterion:
    kind: str
    text: str
    outcome: str
    label: str
    explanation: str


@dataclass(frozen=True, slots=True)
class StoredTrial:
    nct_id: str
    title: str
    verdict: str
    eligible_from: str | None
    window_closes: str | None
    criteria: list[StoredCriterion]
    rules_hash: str

    @property
    def failed(self) -> list[StoredCriterion]:
        return [c for c in self.criteria if c.outcome == Outcome.FAIL]

    def count(self, outcome: str) -> int:
        return sum(c.outcome == outcome for c in self.criteria)

    @property
    def counts(self) -> str:
        met, unknown, review, failed = (
            self.count(o)
            for o in (Outcome.PASS, Outcome.UNKNOWN, Outcome.NEEDS_REVIEW, Outcome.FAIL)
        )
        text = f"{met} met, {unknown} unknown, {review} to review"
        return f"{text}, {failed} not met" if failed else text


@dataclass(frozen=True, slots=True)
class StoredGroup:
    verdict: str
    label: str
    trials: list[StoredTrial]


def _stored_trial(data: dict, hashes: dict[str, str]) -> StoredTrial:
    criteria = [
        StoredCriterion(
            c["kind"], c["text"], c["outcome"], LABELS.get(c["outcome"], ""), c["explanation"]
        )
        for c in data["criteria"]
    ]
    return StoredTrial(
        data["nct_id"],
        data["title"],
        data["verdict"],
        data["eligible_from"],
        data["window_closes"],
        criteria,
        hashes.get(data["nct_id"], ""),
    )


def stored_groups(screening: SavedScreening) -> list[StoredGroup]:
    """The saved results grouped and ordered as the screening page showed them."""
    hashes = dict(screening.outcomes.values_list("nct_id", "rules_hash"))
    trials = [_stored_trial(data, hashes) for data in screening.result["results"]]
    groups = []
    for verdict, label in GROUP_LABELS.items():
        members = [t for t in trials if t.verdict == verdict]
        members.sort(key=lambda t: (t.window_closes is None, t.window_closes or ""))
        groups.append(StoredGroup(verdict.value, label, members))
    return groups


# Screening again now


@dataclass(frozen=True, slots=True)
class CriterionChange:
    text: str
    before: str | None  # outcome value; None: the criterion is new
    after: str | None  # None: the criterion was removed
    explanation_before: str
    explanation_after: str
    reason: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def before_label(self) -> str:
        return LABELS.get(self.before or "", "Not screened")

    @property
    def after_label(self) -> str:
        return LABELS.get(self.after or "", "Removed")


@dataclass(frozen=True, slots=True)
class TrialChange:
    nct_id: str
    title: str
    before: str
    after: str | None  # None: the trial is no longer loaded
    notes: list[str]
    criteria: list[CriterionChange]  # only those whose outcome or definition changed

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def before_label(self) -> str:
        return VERDICT_LABELS.get(self.before, self.before)

    @property
    def after_label(self) -> str:
        return VERDICT_LABELS.get(self.after or "", "No longer loaded")


@dataclass(frozen=True, slots=True)
class ScreeningAgain:
    screened_on: date
    today: date
    trials: list[TrialChange]
    problem: str = ""

    @property
    def changed(self) -> list[TrialChange]:
        return [t for t in self.trials if t.changed]

    @property
    def edited(self) -> list[TrialChange]:
        return [t for t in self.trials if not t.changed and t.criteria]

    @property
    def unchanged(self) -> list[TrialChange]:
        return [t for t in self.trials if not t.changed and not t.criteria]


def _key(key: object) -> str:
    return str(key)


def _edits(before: dict, item: CriterionResult) -> list[str]:
    spec = item.criterion
    rule = spec.rule.source if spec.rule else None
    edits = []
    if before.get("text") != spec.text:
        edits.append(f"its text was “{before.get('text')}”")
    if before.get("rule") != rule:
        edits.append(f"its rule changed from {before.get('rule') or 'none'} to {rule or 'none'}")
    if "note" in before and before["note"] != spec.note:
        edits.append("its review note changed")
    return edits


def _time_reason(before: dict, item: CriterionResult, screened_on: date, today: date) -> str:
    if screened_on == today:
        return "Prescreen reads this criterion differently now (same criteria, same date)."
    measures = item.criterion.rule.measures if item.criterion.rule else frozenset()
    after = item.outcome.value
    if after == Outcome.FAIL:
        what = "A time window closed"
    elif before["outcome"] == Outcome.FAIL and any(m.endswith("_stable_days") for m in measures):
        what = "A dose became stable"
    elif before["outcome"] == Outcome.FAIL:
        what = "A waiting time passed"
    else:
        what = "Time passed"
    labels = ", ".join(sorted(MEASURES[m].label.lower() for m in measures if m in MEASURES))
    counted = f" ({labels})" if labels else ""
    reason = f"{what}: counted to {today.isoformat()}{counted} instead of {screened_on.isoformat()}"
    if (changes_on := before.get("changes_on")) and changes_on <= today.isoformat():
        reason += f"; the saved screening foresaw this change from {changes_on}"
    return reason + "."


def _criterion_change(
    before: tuple[dict, dict] | None, item: CriterionResult, screened_on: date, today: date
) -> CriterionChange | None:
    after = item.outcome.value
    if before is None:
        return CriterionChange(
            item.criterion.text, None, after, "", item.explanation, "A criterion added since."
        )
    version, old = before
    edits = _edits(version, item)
    if not edits and old["outcome"] == after:
        return None
    if edits:
        reason = "Criterion edited: " + "; ".join(edits) + "."
    else:
        reason = _time_reason(old, item, screened_on, today)
    return CriterionChange(
        item.criterion.text, old["outcome"], after, old["explanation"], item.explanation, reason
    )


def _stored_criteria(data: dict, versions: list[dict]) -> dict[str, tuple[dict, dict]]:
    items = data["criteria"]
    if len(versions) != len(items):  # no versions kept: match by text
        versions = [{"key": f"text:{c['text']}", **c} for c in items]
    return {_key(v["key"]): (v, item) for v, item in zip(versions, items, strict=True)}


def _window_notes(data: dict, today: date) -> list[str]:
    notes = []
    if (closes := data.get("window_closes")) and closes <= today.isoformat():
        notes.append(f"The window that was to close on {closes} has closed.")
    if (opens := data.get("eligible_from")) and opens <= today.isoformat():
        notes.append(f"The date from which the patient could become eligible, {opens}, passed.")
    return notes


def _trial_change(
    data: dict,
    outcome: ScreeningOutcome | None,
    now: TrialResult | None,
    *,
    screened_on: date,
    today: date,
) -> TrialChange:
    if now is None:
        notes = ["The trial is no longer loaded in Prescreen."]
        return TrialChange(data["nct_id"], data["title"], data["verdict"], None, notes, [])
    before = _stored_criteria(data, outcome.criteria if outcome else [])
    by_text = {pair[0]["text"]: pair for pair in before.values()}
    changes, seen = [], set()
    for item in now.criteria:
        pair = before.get(_key(item.criterion.key)) or by_text.get(item.criterion.text)
        if pair is not None:
            seen.add(_key(pair[0]["key"]))
        if change := _criterion_change(pair, item, screened_on, today):
            changes.append(change)
    for key, (version, old) in before.items():
        if key not in seen:
            changes.append(
                CriterionChange(
                    version["text"], old["outcome"], None, old["explanation"], "", "Removed."
                )
            )
    notes = _window_notes(data, today)
    if outcome and outcome.rules_hash != rules_hash(criteria_entries(now.trial)):
        notes.append("The trial's criteria changed since the saved screening.")
    return TrialChange(
        data["nct_id"], data["title"], data["verdict"], now.verdict.value, notes, changes
    )


def screening_again(screening: SavedScreening, *, today: date) -> ScreeningAgain:
    """The stored values screened today against today's criteria, compared trial by trial."""
    try:
        patient = read_patient(screening.entered, as_of=today)
    except (PatientError, ValueError) as error:
        problem = f"The saved values cannot be screened on {today.isoformat()}: {error}"
        return ScreeningAgain(screening.screened_on, today, [], problem)
    stored = screening.result["results"]
    wanted = {data["nct_id"] for data in stored}
    trials = [t for t in current_catalogue().trials if t.nct_id in wanted]
    now = {result.trial.nct_id: result for result in screen(trials, patient)}
    outcomes = {o.nct_id: o for o in screening.outcomes.all()}
    changes = [
        _trial_change(
            data,
            outcomes.get(data["nct_id"]),
            now.get(data["nct_id"]),
            screened_on=screening.screened_on,
            today=today,
        )
        for data in stored
    ]
    return ScreeningAgain(screening.screened_on, today, changes)


# Per-trial logs

LOG_PAGE_SIZE = 50


class LogFilter(forms.Form):
    screened_from = forms.DateField(
        required=False, label="Screened from", widget=forms.DateInput(attrs={"type": "date"})
    )
    screened_to = forms.DateField(
        required=False, label="Screened to", widget=forms.DateInput(attrs={"type": "date"})
    )
    outcome = forms.ChoiceField(
        required=False, choices=[("", "Any outcome"), *Verdict.choices], label="Outcome"
    )

    def clean(self) -> dict:
        start, end = self.cleaned_data.get("screened_from"), self.cleaned_data.get("screened_to")
        if start and end and start > end:
            raise ValidationError("The start date is after the end date.")
        return self.cleaned_data

    def apply(
        self, outcomes: QuerySet[ScreeningOutcome], *, by_outcome: bool = True
    ) -> QuerySet[ScreeningOutcome]:
        if not self.is_valid():
            return outcomes.none()
        if start := self.cleaned_data["screened_from"]:
            outcomes = outcomes.filter(screening__screened_on__gte=start)
        if end := self.cleaned_data["screened_to"]:
            outcomes = outcomes.filter(screening__screened_on__lte=end)
        if by_outcome and (verdict := self.cleaned_data["outcome"]):
            outcomes = outcomes.filter(verdict=verdict)
        return outcomes

    def patients(self, outcomes: QuerySet[ScreeningOutcome]) -> list["PatientScreenings"]:
        """Each patient once, by their latest screening in the date range. The outcome filter
        then asks where each patient stands now: a patient found ineligible and later eligible
        is not listed as ineligible."""
        patients = by_patient(self.apply(outcomes, by_outcome=False))
        verdict = self.cleaned_data["outcome"] if self.is_valid() else ""
        return [p for p in patients if not verdict or p.latest.verdict == verdict]


def filter_query(params: QueryDict) -> str:
    """The filters as a query string for links, without the page number."""
    carried = params.copy()
    carried.pop("page", None)
    return carried.urlencode()


@dataclass(slots=True)
class PatientScreenings:
    """One patient's screenings for a trial: the latest, how many, and the first date."""

    latest: ScreeningOutcome
    screenings: int
    first_screened_on: date


def by_patient(outcomes: Iterable[ScreeningOutcome]) -> list[PatientScreenings]:
    """Each patient once, by their latest saved screening, newest first. A patient is a site's
    reference: two sites may give the same code to different people."""
    patients: dict[tuple, PatientScreenings] = {}
    for outcome in outcomes:
        screening = outcome.screening
        key = (screening.site_id, screening.reference.casefold())
        patient = patients.get(key)
        if patient is None:
            patients[key] = PatientScreenings(outcome, 1, screening.screened_on)
            continue
        patient.screenings += 1
        patient.first_screened_on = min(patient.first_screened_on, screening.screened_on)
        if screening.saved_at > patient.latest.screening.saved_at:
            patient.latest = outcome
    return sorted(patients.values(), key=lambda p: p.latest.screening.saved_at, reverse=True)


def trial_counts(user: AbstractBaseUser) -> QuerySet:
    """Per trial: how many saved screenings the user may see, and how many were ineligible."""
    return (
        visible_outcomes(user)
        .order_by()
        .values("nct_id")
        .annotate(
            title=Max("title"),
            screened=Count("id"),
            ineligible=Count("id", filter=Q(verdict=Verdict.INELIGIBLE)),
        )
        .order_by("nct_id")
    )


CSV_HEADER = [
    "Reference",
    "Site",
    "Times screened",
    "First screening date",
    "Latest screening date",
    "Saved at",
    "Saved by",
    "NCT ID",
    "Trial",
    "Outcome",
    "Criteria not met",
    "Reasons",
    "Criteria hash",
]
# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def csv_row(patient: PatientScreenings) -> list[str]:
    """The patient's latest screening, with how often and since when they were screened."""
    outcome = patient.latest
    screening = outcome.screening
    saved_by = screening.saved_by.get_username() if screening.saved_by else ""
    row = [
        screening.reference,
        screening.site,
        patient.screenings,
        patient.first_screened_on.isoformat(),
        screening.screened_on.isoformat(),
        timezone.localtime(screening.saved_at).strftime("%Y-%m-%d %H:%M"),
        saved_by,
        outcome.nct_id,
        outcome.title,
        outcome.get_verdict_display(),
        "; ".join(reason["text"] for reason in outcome.reasons),
        "; ".join(reason["explanation"] for reason in outcome.reasons),
        outcome.rules_hash,
    ]
    return [csv_cell(value) for value in row]


def write_log_csv(patients: Iterable[PatientScreenings], out: IO[str]) -> None:
    """One row per patient, as the summary counts them. UTF-8 with a byte order mark, so
    spreadsheet programs read the accents right."""
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_row(patient) for patient in patients)


@dataclass(frozen=True, slots=True)
class Bar:
    text: str
    patients: int
    percent: int  # of the patients screened


@dataclass(frozen=True, slots=True)
class ExclusionSummary:
    patients: int
    ineligible: int
    bars: list[Bar]


def exclusion_summary(patients: list[PatientScreenings]) -> ExclusionSummary:
    """Which criteria exclude the most patients, each patient counted once by their latest
    screening (as the CSV export lists them)."""
    ineligible = 0
    excluded: dict[str, int] = {}
    texts: dict[str, str] = {}
    for patient in patients:
        ineligible += patient.latest.verdict == Verdict.INELIGIBLE
        for reason in patient.latest.reasons:
            key = _key(reason["key"])
            excluded[key] = excluded.get(key, 0) + 1
            texts.setdefault(key, reason["text"])
    bars = [Bar(texts[k], n, round(100 * n / len(patients))) for k, n in excluded.items()]
    bars.sort(key=lambda bar: (-bar.patients, bar.text))
    return ExclusionSummary(len(patients), ineligible, bars)


# Deleting and retention


def _event(screening: SavedScreening, action: str, user: AbstractBaseUser | None) -> LogEvent:
    return LogEvent(
        action=action,
        at=timezone.now(),
        user=user,
        username=user.get_username() if user else "",
        site_name=str(screening.site),
        reference=screening.reference,
        screening_id=screening.pk,
        saved_at=screening.saved_at,
    )


def screening_delete(*, user: AbstractBaseUser, screening: SavedScreening) -> LogEvent:
    if not can_delete(user, screening):
        raise PermissionDenied("Only the site's clinicians delete its screenings.")
    event = _event(screening, LogEvent.Action.DELETED, user)
    event.full_clean()
    with transaction.atomic():
        event.save()
        screening.delete()
    return event


def screenings_purge(*, days: int, now: datetime, dry_run: bool = False) -> list[LogEvent]:
    """Deletes the screenings saved more than `days` days before `now`, each recorded."""
    if days <= 0:
        raise ValueError("the retention period is a number of days above 0")
    old = SavedScreening.objects.filter(saved_at__lt=now - timedelta(days=days))
    with transaction.atomic():
        events = [
            _event(s, LogEvent.Action.PURGED, None)
            for s in old.select_related("site__group").order_by("saved_at")
        ]
        if not dry_run:
            LogEvent.objects.bulk_create(events)
            old.filter(pk__in=[event.screening_id for event in events]).delete()
    return events
