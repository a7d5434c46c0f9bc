"""The admin's forms for criteria and test patients: rules checked, edits locked, examples kept.

A criterion form compares what the curator submits with the criterion as stored now (locked
for the rest of the request), and with the version the curator opened:

* nothing changed since they opened it: nothing to check, nothing written;
* someone saved it in between and the curator changed it too: refused, showing the other
  person's rule; the curator's text stays in the form and a second save replaces theirs;
* otherwise the rule must compile, and a changed rule, kind or note marks the criterion
  "edited" unless the curator chose a review status in the same save; a changed note alone
  leaves a criterion needing review as it is (see `status_after_edit`).
"""

import json
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from screening.engine import PatientError, RuleError, compile_rule, read_patient
from trials.admin_test_patients import (
    PatientCheck,
    PatientInput,
    newly_failing,
    stored_inputs,
    with_screening_date,
)
from trials.models import Criterion, TestPatient, Trial

RULE_FIELD_TEMPLATE = "admin/trials/rule_field.html"
EDITABLE_FIELDS = ("kind", "rule", "rule_note", "review_status")
SAVE_ANYWAY = "save_despite_test_patients"
SAVE_ANYWAY_LABEL = "Save even though test patients change their verdict"
SAVE_ANYWAY_HELP = (
    "Tick this only when the rule is right and the test patient is wrong or not yet updated. "
    "The failing test patient stays flagged in the trial list until you fix it."
)


@dataclass(frozen=True, slots=True)
class RulePreview:
    kind: str  # "ok", "error" or "empty": styles the preview
    label: str
    text: str


def rule_error_text(error: RuleError) -> str:
    return f"Line {error.line}, column {error.column}: {error.message}"


def rule_preview(rule: str) -> RulePreview:
    """What the rule says in plain English, or what is wrong with it."""
    if not rule.strip():
        return RulePreview("empty", "No rule:", "a clinician judges this criterion from its text.")
    try:
        described = compile_rule(rule).describe()
    except RuleError as error:
        return RulePreview("error", "Not a rule yet:", rule_error_text(error))
    return RulePreview("ok", "Reads as:", described[:1].upper() + described[1:])


def vocabulary_link() -> str:
    return format_html(
        'Names and grammar are on the <a href="{}">rule vocabulary</a> page.',
        reverse("admin:trials_vocabulary"),
    )


class RuleWidget(forms.Textarea):
    """A rule box with its plain-English reading beside it, refreshed as the curator types."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults = {"rows": 3, "cols": 44, "spellcheck": "false", "autocomplete": "off"}
        super().__init__({**defaults, **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None) -> str:
        attrs = dict(attrs or {})
        field_id = attrs.get("id") or f"id_{name}"
        preview_id = f"{field_id}-preview"
        described_by = " ".join(filter(None, [attrs.get("aria-describedby"), preview_id]))
        attrs.update(
            {
                "id": field_id,
                "aria-describedby": described_by,
                "hx-get": reverse("admin:trials_rule_preview"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": f"#{preview_id}",
                "hx-sync": "this:replace",
            }
        )
        textarea = super().render(name, value, attrs, renderer)
        context = {
            "textarea": textarea,
            "preview_id": preview_id,
            "preview": rule_preview(value or ""),
        }
        return render_to_string(RULE_FIELD_TEMPLATE, context)


def status_after_edit(changed: set[str], status: str) -> str:
    """The review status a curator's change leaves when they chose none themselves.

    A new rule or kind is the curator's reading: "edited". A new note alone on a criterion
    needing review is not: "edited" would let a partial rule decide alone, and hide the note
    from clinicians. A re-parse or re-import keeps that note all the same (noted_for_review).
    """
    if changed == {"rule_note"} and status == Criterion.ReviewStatus.NEEDS_REVIEW:
        return Criterion.ReviewStatus.NEEDS_REVIEW
    return Criterion.ReviewStatus.EDITED


def note_text(text: str) -> str:
    """A note as stored: plain line breaks, no surrounding space."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


class NoteField(forms.CharField):
    """A note box; browsers send its line breaks as CRLF, which is no change to the note."""

    def to_python(self, value: Any) -> str:
        return note_text(super().to_python(value))

    def has_changed(self, initial: Any, data: Any) -> bool:
        return super().has_changed(note_text(initial or ""), data)


class CriterionForm(forms.ModelForm):
    class Meta:
        model = Criterion
        fields = ["kind", "rule", "rule_note", "review_status", "version"]
        widgets = {
            "rule": RuleWidget(),
            "rule_note": forms.Textarea(attrs={"rows": 3, "cols": 28}),
            "version": forms.HiddenInput(),
        }
        field_classes = {"rule_note": NoteField}
        labels = {"rule_note": "Curator note"}
        help_texts = {
            "rule": "The criterion in the rule language, e.g. fvc_percent >= 70. "
            "Leave it empty when only a clinician can judge the criterion.",
            "rule_note": "What the rule leaves out, or why there is no rule. Clinicians see "
            "it on the screening page only while the criterion has a rule and is “needs "
            "review”: the criterion is then theirs to judge, beside the rule's finding. "
            "Otherwise only curators see it.",
            "review_status": "Changing the rule, kind or note marks the criterion “edited”, "
            "and a re-parse then leaves it alone; a criterion that needs review keeps that "
            "status when only its note changes (a re-parse keeps the note too). Choose "
            "“reviewed” once a second pair of eyes has checked it.",
        }

    def __init__(self, *args: Any, in_formset: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # In a formset an untouched row someone else changed is simply not saved; a form of its
        # own would overwrite their change with the stale copy, so it is refused instead.
        self.in_formset = in_formset
        self.current: Criterion | None = None
        self.untouched = False
        if in_formset and self.instance.pk and "rule" in self.fields:
            # A table row has no <label>: name the boxes after their criterion for screen readers.
            where = f"{self.instance.get_kind_display().lower()} {self.instance.position}"
            for name in ("kind", "rule", "rule_note", "review_status"):
                label = self.fields[name].label
                self.fields[name].widget.attrs["aria-label"] = f"{label} for {where}"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk is None or "version" not in cleaned:
            return cleaned
        # Locked until the admin's transaction ends, so two saves of one criterion queue up
        # (PostgreSQL); unordered, so there is no join and only this row is locked.
        locked = Criterion.objects.select_for_update().filter(pk=self.instance.pk).order_by()
        self.current = locked.first()
        if self.current is None:
            raise ValidationError(
                "This criterion was removed while you were editing it (a re-import drops "
                "criteria the registry no longer lists). Its history keeps every rule it had."
            )
        seen = self._seen_version(cleaned["version"])
        touched = self._changed_fields(seen) if seen is not None else list(EDITABLE_FIELDS)
        stale = cleaned["version"] != self.current.version
        if not touched and not (stale and not self.in_formset):
            self.untouched = True
            return cleaned
        if stale:
            self._refuse_stale()
        self._check_rule(cleaned)
        # Compared once canonical, so retyping a rule in another spelling is no edit.
        stored = {name: getattr(self.current, name) for name in ("rule", "kind", "rule_note")}
        stored["rule_note"] = note_text(stored["rule_note"])
        rewritten = {name for name, was in stored.items() if cleaned.get(name, was) != was}
        if rewritten and "review_status" not in touched:
            cleaned["review_status"] = status_after_edit(rewritten, self.current.review_status)
        return cleaned

    def has_changed(self) -> bool:
        return not self.untouched and super().has_changed()

    def candidate(self) -> Criterion:
        """The criterion as this form would save it, for screening test patients."""
        base = self.current or self.instance
        if self.untouched or not hasattr(self, "cleaned_data"):
            return base
        copy = Criterion(**{f.attname: getattr(base, f.attname) for f in Criterion._meta.fields})
        for name in EDITABLE_FIELDS:
            if name in self.cleaned_data:
                setattr(copy, name, self.cleaned_data[name])
        return copy

    def _seen_version(self, version: int) -> Any:
        """The criterion as the curator opened it: now, or as the history recorded it then."""
        if self.current is not None and version == self.current.version:
            return self.current
        return (
            Criterion.history.filter(id=self.instance.pk, version=version)
            .exclude(history_type="-")
            .order_by("-history_date", "-history_id")
            .first()
        )

    def _changed_fields(self, base: Any) -> list[str]:
        return [
            name
            for name in EDITABLE_FIELDS
            if name in self.fields
            and self.fields[name].has_changed(getattr(base, name), self[name].data)
        ]

    def _refuse_stale(self) -> None:
        current = self.current
        latest = current.history.order_by("-history_date", "-history_id").first()
        who = getattr(latest and latest.history_user, "username", "") or "An import or re-parse"
        when = (
            timezone.localtime(latest.history_date).strftime("%d %b %Y %H:%M")
            if latest
            else "meanwhile"
        )
        # The curator's text stays in the form; the version moves on so a second save is a
        # deliberate choice to replace the other change, which the message has just shown.
        self.data = self.data.copy()
        self.data[self.add_prefix("version")] = current.version
        raise ValidationError(
            "%(who)s saved this criterion (%(when)s) while you were editing it, so your "
            "change was not saved. Their rule: %(rule)s; review status: %(status)s. Your text "
            "is still in the form: save again to replace their version with yours, or reload "
            "the page to start from theirs.",
            code="stale",
            params={
                "who": who,
                "when": when,
                "rule": current.rule or "(no rule)",
                "status": current.get_review_status_display().lower(),
            },
        )

    def _check_rule(self, cleaned: dict[str, Any]) -> None:
        rule = cleaned.get("rule", "")
        if not rule.strip():
            cleaned["rule"] = ""
            return
        if cleaned.get("kind") == Criterion.Kind.UNCLASSIFIED:
            self.add_error(
                "rule",
                "A criterion under no inclusion or exclusion heading is never checked by its "
                "rule. Set its kind to inclusion or exclusion first, or leave the rule empty.",
            )
            return
        try:
            # Stored in the canonical spelling, the form every other rule is kept in.
            cleaned["rule"] = compile_rule(rule).source
        except RuleError as error:
            self.add_error("rule", rule_error_text(error))


class CriterionPageForm(CriterionForm):
    """One criterion on its own page: checks the trial's test patients itself."""

    save_despite_test_patients = forms.BooleanField(
        required=False, label=SAVE_ANYWAY_LABEL, help_text=SAVE_ANYWAY_HELP
    )

    patient_failures: list[PatientCheck] = []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.untouched or self.errors or cleaned.get(SAVE_ANYWAY):
            return cleaned
        trial = self.instance.trial
        stored = list(trial.criteria.order_by("position"))
        mine = self.candidate()
        candidate = [mine if criterion.pk == mine.pk else criterion for criterion in stored]
        self.patient_failures = newly_failing(
            trial=trial, stored=stored, candidate=candidate, patients=stored_inputs(trial)
        )
        if self.patient_failures:
            raise ValidationError([check.message for check in self.patient_failures])
        return cleaned


class CriterionFormSet(BaseInlineFormSet):
    """A trial's criteria; refuses a save that makes one of its test patients fail.

    The admin links the test-patient formset submitted on the same page (see
    TrialAdmin._create_formsets), so an example corrected together with a rule counts as
    corrected.
    """

    patients_formset: "TestPatientFormSet | None" = None
    save_anyway = False
    patient_failures: list[PatientCheck] = []

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "in_formset": True}

    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms) or self.save_anyway:
            return
        changed = {form.instance.pk: form.candidate() for form in self.forms if form.has_changed()}
        patients = self._patients()
        if not changed or patients is None:
            return
        stored = list(self.instance.criteria.order_by("position"))
        candidate = [changed.get(criterion.pk, criterion) for criterion in stored]
        self.patient_failures = newly_failing(
            trial=self.instance, stored=stored, candidate=candidate, patients=patients
        )
        if self.patient_failures:
            raise ValidationError([check.message for check in self.patient_failures])

    def _patients(self) -> list[PatientInput] | None:
        """The examples as submitted with the criteria; None while they have errors."""
        if self.patients_formset is None:
            return stored_inputs(self.instance)
        if not self.patients_formset.is_valid():
            return None
        return self.patients_formset.inputs()


class PatientJSONField(forms.JSONField):
    """Patient JSON shown indented, one measure a line, so it reads and edits easily."""

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        if value is None:  # a new, empty row: an empty box rather than "null"
            return ""
        return json.dumps(value, ensure_ascii=False, indent=2)


class TestPatientForm(forms.ModelForm):
    patient = PatientJSONField(
        help_text=TestPatient._meta.get_field("patient").help_text,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 40, "spellcheck": "false"}),
    )

    class Meta:
        model = TestPatient
        fields = ["name", "patient", "expected_verdict"]

    def clean_patient(self) -> dict[str, object]:
        data = self.cleaned_data["patient"]
        if not isinstance(data, dict):
            raise ValidationError(
                'A patient is a JSON object in braces, e.g. {"age": 54, "fvc_percent": 65}.'
            )
        data = with_screening_date(data)
        try:
            read_patient(data)
        except PatientError as error:
            raise ValidationError(
                [message for messages in error.errors.values() for message in messages]
            ) from None
        return data


class TestPatientFormSet(BaseInlineFormSet):
    def inputs(self) -> list[PatientInput]:
        return [
            PatientInput(
                form.cleaned_data["name"],
                form.cleaned_data["patient"],
                form.cleaned_data["expected_verdict"],
            )
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("name")
        ]


class TrialForm(forms.ModelForm):
    save_despite_test_patients = forms.BooleanField(
        required=False, label=SAVE_ANYWAY_LABEL, help_text=SAVE_ANYWAY_HELP
    )

    class Meta:
        model = Trial
        fields = ["criteria_changed"]
        help_texts = {
            "criteria_changed": "Set by the import when ClinicalTrials.gov changed this "
            "trial's eligibility text. Untick it once you have checked the criteria below.",
        }
