"""The criteria editor: trials with their criteria and test patients, for curators.

Curators (the "Criteria curators" group) change rules; any other staff member may read. Trials
and criteria come from ClinicalTrials.gov, so neither is added or deleted by hand here.
"""

from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from screening.engine import RuleError, compile_rule
from trials.admin_forms import (
    SAVE_ANYWAY,
    CriterionForm,
    CriterionFormSet,
    CriterionPageForm,
    TestPatientForm,
    TestPatientFormSet,
    TrialForm,
    rule_error_text,
    vocabulary_link,
)
from trials.admin_history import recent_rule_changes
from trials.admin_test_patients import PatientCheck, trial_patients_check
from trials.admin_views import rule_preview_view, vocabulary_view
from trials.models import Criterion, TestPatient, Trial
from trials.reparse import REPARSE_REASON, trial_reparse

admin.site.site_header = "Prescreen curation"
admin.site.site_title = "Prescreen curation"
admin.site.index_title = "Trials, criteria and test patients"

# What a curator checks a rule against, shown first; the rest of the record folds away.
KEY_FACTS = (
    "nct_id",
    "registry_link",
    "brief_title",
    "overall_status",
    "phase",
    "minimum_age",
    "maximum_age",
    "sex",
    "healthy_volunteers",
)
MORE_FACTS = (
    "official_title",
    "acronym",
    "study_type",
    "conditions_text",
    "interventions_text",
    "lead_sponsor",
    "enrollment",
    "last_update_posted",
    "imported_at",
)
ELIGIBILITY_FIELDS = ("criteria_incomplete", "eligibility_text")
# A re-parse of many trials can change hundreds of criteria: the page lists this many.
REPARSE_DETAILS = 100


def is_staff(request: HttpRequest) -> bool:
    return request.user.is_active and request.user.is_staff


class StaffMayRead:
    """Every staff member may read the registry; changing it takes a curator's permissions."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_staff(request) or super().has_view_permission(request, obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_staff(request)


def on_history_form(request: HttpRequest) -> bool:
    """Whether this is simple-history's page of one old version (the revert page)."""
    match = request.resolver_match
    return bool(match and match.url_name and match.url_name.endswith("_simple_history"))


class CuratorsRevert:
    """Reverting from the history takes change permission; other staff see old versions only.

    simple-history asks only for view permission on its revert page, and StaffMayRead gives
    that to every staff member, so without this any of them could post a revert.
    """

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        # Any method but a look saves: simple-history treats every POST as a revert.
        if request.method not in ("GET", "HEAD") and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if on_history_form(request) and not self.has_change_permission(request, obj):
            # As Django's change page does for readers: every field shown, none editable.
            return flatten_fieldsets(self.get_fieldsets(request, obj))
        return super().get_readonly_fields(request, obj)


class CriterionInline(StaffMayRead, admin.TabularInline):
    model = Criterion
    form = CriterionForm
    formset = CriterionFormSet
    fields = ["position", "kind", "text", "rule", "rule_note", "review_status", "version"]
    readonly_fields = ["position", "text"]
    ordering = ["position"]
    extra = 0
    can_delete = False
    show_change_link = True
    template = "admin/trials/trial/criteria_inline.html"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_fields(request, obj))
        # A reader sees no form, so the lock's version number would only be noise.
        return fields if self.has_change_permission(request, obj) else fields[:-1]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # criteria come from the registry text; the import adds them

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a re-import removes criteria the registry dropped, keeping their history


class TestPatientInline(StaffMayRead, admin.TabularInline):
    model = TestPatient
    form = TestPatientForm
    formset = TestPatientFormSet
    fields = ["name", "patient", "expected_verdict", "result"]
    readonly_fields = ["result"]
    extra = 0
    verbose_name = "test patient"

    @admin.display(description="Last check")
    def result(self, patient: TestPatient) -> str:
        if patient.checked_at is None:
            return "Checked when you save."
        if not patient.is_failing:
            return f"Passes: {patient.get_last_verdict_display().lower()}."
        got = patient.get_last_verdict_display().lower() or "no verdict"
        return f"FAILS: got {got}. {patient.last_result}"


class ReviewStateFilter(admin.SimpleListFilter):
    title = "review state"
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("needs_review", "Has criteria needing review"),
            ("edited", "Has edited criteria not yet reviewed"),
            ("reviewed", "Every criterion reviewed"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Trial]) -> QuerySet[Trial]:
        def having(**lookups: Any) -> Exists:
            return Exists(Criterion.objects.filter(trial=OuterRef("pk"), **lookups))

        match self.value():
            case "needs_review":
                return queryset.filter(having(review_status=Criterion.ReviewStatus.NEEDS_REVIEW))
            case "edited":
                return queryset.filter(having(review_status=Criterion.ReviewStatus.EDITED))
            case "reviewed":
                unreviewed = ~Exists(
                    Criterion.objects.filter(trial=OuterRef("pk")).exclude(
                        review_status=Criterion.ReviewStatus.REVIEWED
                    )
                )
                return queryset.filter(having(), unreviewed)
        return queryset


def failing_patients() -> QuerySet[TestPatient]:
    return TestPatient.objects.filter(checked_at__isnull=False).exclude(
        last_verdict=F("expected_verdict")
    )


class FailingTestPatientsFilter(admin.SimpleListFilter):
    title = "test patients"
    parameter_name = "test_patients"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("failing", "Some fail"), ("passing", "All pass"), ("none", "None yet")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Trial]) -> QuerySet[Trial]:
        failing = Exists(failing_patients().filter(trial=OuterRef("pk")))
        any_patient = Exists(TestPatient.objects.filter(trial=OuterRef("pk")))
        match self.value():
            case "failing":
                return queryset.filter(failing)
            case "passing":
                return queryset.filter(any_patient, ~failing)
            case "none":
                return queryset.filter(~any_patient)
        return queryset


def with_review_counts(trials: QuerySet[Trial]) -> QuerySet[Trial]:
    """The list's numbers in the one query that lists the trials."""
    failing = (
        failing_patients()
        .filter(trial=OuterRef("pk"))
        .order_by()
        .values("trial")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return trials.annotate(
        criteria_count=Count("criteria"),
        structured_count=Count("criteria", filter=~Q(criteria__rule="")),
        needs_review_count=Count(
            "criteria", filter=Q(criteria__review_status=Criterion.ReviewStatus.NEEDS_REVIEW)
        ),
        reviewed_count=Count(
            "criteria", filter=Q(criteria__review_status=Criterion.ReviewStatus.REVIEWED)
        ),
        failing_count=Coalesce(Subquery(failing, output_field=IntegerField()), 0),
    )


def report_failures(request: HttpRequest, checks: list[PatientCheck]) -> None:
    for check in checks:
        if not check.passes:
            messages.warning(request, check.message)


@admin.register(Trial)
class TrialAdmin(StaffMayRead, CuratorsRevert, SimpleHistoryAdmin):
    form = TrialForm
    list_display = [
        "nct_id",
        "short_title",
        "overall_status",
        "criteria",
        "structured",
        "needs_review",
        "review_progress",
        "registry_changed",
        "test_patients",
    ]
    list_display_links = ["nct_id", "short_title"]
    list_filter = [
        "overall_status",
        "phase",
        ReviewStateFilter,
        "criteria_changed",
        FailingTestPatientsFilter,
        "criteria_incomplete",
    ]
    search_fields = ["nct_id", "brief_title", "official_title", "acronym", "conditions_search"]
    search_help_text = "Search by NCT ID, title, acronym or condition."
    readonly_fields = [*KEY_FACTS, *MORE_FACTS, *ELIGIBILITY_FIELDS, "review_summary"]
    fieldsets = [
        (
            "Registry record",
            {
                "fields": KEY_FACTS,
                "description": "As imported from ClinicalTrials.gov; the next import "
                "overwrites these, so they are not edited here.",
            },
        ),
        ("More from the registry", {"fields": MORE_FACTS, "classes": ["collapse"]}),
        (
            "Eligibility text as registered",
            {"fields": ELIGIBILITY_FIELDS, "classes": ["collapse"]},
        ),
        ("Curation", {"fields": ["criteria_changed", "review_summary"]}),
    ]
    inlines = [CriterionInline, TestPatientInline]
    actions = ["reparse_criteria", "clear_criteria_changed"]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Trial]:
        return with_review_counts(super().get_queryset(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # trials come from `manage.py import_trials`

    def get_urls(self) -> list[URLPattern]:
        site = self.admin_site
        return [
            path(
                "rule-preview/",
                site.admin_view(rule_preview_view),
                name="trials_rule_preview",
            ),
            path(
                "vocabulary/",
                site.admin_view(partial(vocabulary_view, site=site)),
                name="trials_vocabulary",
            ),
            *super().get_urls(),
        ]

    # The list

    @admin.display(description="Title", ordering="brief_title")
    def short_title(self, trial: Trial) -> str:
        title = trial.title
        return title if len(title) <= 70 else f"{title[:69]}…"

    @admin.display(description="Criteria", ordering="criteria_count")
    def criteria(self, trial: Trial) -> int:
        return trial.criteria_count

    @admin.display(description="Structured", ordering="structured_count")
    def structured(self, trial: Trial) -> int:
        return trial.structured_count

    @admin.display(description="Needs review", ordering="needs_review_count")
    def needs_review(self, trial: Trial) -> int:
        return trial.needs_review_count

    @admin.display(description="Reviewed", ordering="reviewed_count")
    def review_progress(self, trial: Trial) -> str:
        if not trial.criteria_count:
            return "no criteria"
        return f"{trial.reviewed_count}/{trial.criteria_count} reviewed"

    @admin.display(description="Registry changed", boolean=True, ordering="criteria_changed")
    def registry_changed(self, trial: Trial) -> bool:
        return trial.criteria_changed

    @admin.display(description="Test patients", ordering="failing_count")
    def test_patients(self, trial: Trial) -> str:
        return f"{trial.failing_count} failing" if trial.failing_count else ""

    @admin.display(description="Review")
    def review_summary(self, trial: Trial) -> str:
        counts = dict.fromkeys(Criterion.ReviewStatus, 0)
        for status in trial.criteria.order_by().values_list("review_status", flat=True):
            counts[status] += 1
        parts = [f"{n} {status.label.lower()}" for status, n in counts.items() if n]
        listed = reverse("admin:trials_criterion_changelist") + f"?trial__id__exact={trial.pk}"
        return format_html(
            '{}. <a href="{}">Review these criteria as a list</a> to mark several reviewed.',
            ", ".join(parts) or "No criteria",
            listed,
        )

    # Registry facts, read-only

    @admin.display(description="On ClinicalTrials.gov")
    def registry_link(self, trial: Trial) -> str:
        return format_html('<a href="{0}" rel="noopener">{0}</a>', trial.registry_url)

    @admin.display(description="Conditions")
    def conditions_text(self, trial: Trial) -> str:
        return "; ".join(trial.conditions) or "—"

    @admin.display(description="Interventions")
    def interventions_text(self, trial: Trial) -> str:
        names = [item.get("name", "") for item in trial.interventions if isinstance(item, dict)]
        return "; ".join(filter(None, names)) or "—"

    # Saving

    def _create_formsets(self, request: HttpRequest, obj: Any, change: bool) -> Any:
        # The one place where both inline formsets exist before they are validated: the
        # criteria formset screens the test patients submitted with it (a private hook, but
        # stable since Django 1.x; the public get_formset_kwargs sees one formset at a time).
        formsets, inlines = super()._create_formsets(request, obj, change)
        pairs = zip(formsets, inlines, strict=True)
        by_inline = {type(inline): formset for formset, inline in pairs}
        criteria = by_inline.get(CriterionInline)
        if isinstance(criteria, CriterionFormSet):
            criteria.patients_formset = by_inline.get(TestPatientInline)
            criteria.save_anyway = forms.CheckboxInput().value_from_datadict(
                request.POST, request.FILES, SAVE_ANYWAY
            )
        return formsets, inlines

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        report_failures(request, trial_patients_check(trial=form.instance))

    def render_change_form(self, request: HttpRequest, context: dict, *args, **kwargs) -> Any:
        formsets = [inline.formset for inline in context.get("inline_admin_formsets", [])]
        context["offer_save_anyway"] = any(
            getattr(formset, "patient_failures", None) for formset in formsets
        )
        context["vocabulary_link"] = vocabulary_link()
        if obj := kwargs.get("obj"):
            context["rule_changes"] = recent_rule_changes(obj)
        return super().render_change_form(request, context, *args, **kwargs)

    # Actions

    @admin.action(
        description="Re-parse criteria (what curators wrote is kept)",
        permissions=["change"],
    )
    def reparse_criteria(self, request: HttpRequest, queryset: QuerySet[Trial]) -> None:
        details: list[str] = []
        for trial in queryset.order_by("nct_id"):
            report = trial_reparse(trial=trial)
            level = messages.WARNING if report.failing_patients else messages.SUCCESS
            self.message_user(request, str(report), level)
            details.extend(report.details())
        for line in details[:REPARSE_DETAILS]:
            self.message_user(request, line, messages.INFO)
        unlisted = len(details) - REPARSE_DETAILS
        if unlisted > 0:
            self.message_user(
                request,
                f"{unlisted} more criteria changed; each criterion's history shows its "
                f"changes (reason “{REPARSE_REASON}”).",
                messages.INFO,
            )

    @admin.action(
        description="Clear “criteria changed in the registry” (I have checked them)",
        permissions=["change"],
    )
    def clear_criteria_changed(self, request: HttpRequest, queryset: QuerySet[Trial]) -> None:
        cleared = 0
        for trial in queryset.filter(criteria_changed=True):
            trial.criteria_changed = False
            trial.save(update_fields=["criteria_changed", "updated_at"])
            cleared += 1
        self.message_user(request, f"Cleared the flag on {cleared} trial(s).", messages.SUCCESS)


class CriterionHistoryHelper(HistoricalRecordContextHelper):
    def context_for_delta_changes(self, delta: Any) -> list[dict[str, Any]]:
        # The lock's version moves on with every save; curators need only what people wrote.
        changes = super().context_for_delta_changes(delta)
        return [change for change in changes if str(change["field"]).lower() != "version"]


@admin.register(Criterion)
class CriterionAdmin(StaffMayRead, CuratorsRevert, SimpleHistoryAdmin):
    form = CriterionPageForm
    list_display = ["trial", "position", "kind", "review_status", "rule"]
    list_display_links = ["position"]
    list_filter = ["review_status", "kind"]
    list_select_related = ["trial"]
    search_fields = ["=trial__nct_id", "text", "rule"]
    search_help_text = "Search by NCT ID (exact), criterion text or rule."
    readonly_fields = ["trial", "position", "section", "text", "vocabulary_help"]
    fieldsets = [
        (None, {"fields": ["trial", "position", "section", "text"]}),
        (
            "Rule",
            {
                "fields": [
                    "kind",
                    "rule",
                    "vocabulary_help",
                    "rule_note",
                    "review_status",
                    "version",
                ]
            },
        ),
        (
            "Test patients",
            {
                "fields": [SAVE_ANYWAY],
                "description": "Saving re-checks this trial's test patients; a change that "
                "makes one of them fail is refused unless you tick the box.",
            },
        ),
    ]
    actions = ["mark_reviewed"]
    history_list_display = ["rule", "review_status"]

    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        # Rules may run to 2,000 characters; show enough of each to compare them.
        return CriterionHistoryHelper(
            self.model, historical_record, max_displayed_delta_change_chars=600
        )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets
        # A reader saves nothing: the box about saving and the lock's version are only noise.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "version"]})
            for name, options in fieldsets
            if SAVE_ANYWAY not in options["fields"]
        ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # The trial page links here with its criteria selected, for the "reviewed" action.
        return lookup == "trial__id__exact" or super().lookup_allowed(lookup, value, request)

    @admin.display(description="Vocabulary")
    def vocabulary_help(self, criterion: Criterion) -> str:
        return vocabulary_link()

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs):
        if obj is not None and on_history_form(request):
            # A revert starts from the criterion as it is now: the lock compares against the
            # current version, not the old one being restored. A criterion a re-import removed
            # keeps its history; the form then refuses to bring it back.
            now = Criterion.objects.filter(pk=obj.pk).values_list("version", flat=True).first()
            obj.version = obj.version if now is None else now
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Criterion, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        report_failures(request, trial_patients_check(trial=obj.trial))

    @admin.action(description="Mark selected criteria reviewed", permissions=["change"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Criterion]) -> None:
        marked, refused = 0, []
        for criterion in queryset.select_related("trial"):
            problem = review_problem(criterion)
            if problem:
                refused.append(f"{criterion.trial.nct_id} {criterion}: {problem}")
                continue
            if criterion.review_status != Criterion.ReviewStatus.REVIEWED:
                criterion.review_status = Criterion.ReviewStatus.REVIEWED
                criterion.save(update_fields=["review_status", "updated_at"])
                marked += 1
        self.message_user(request, f"Marked {marked} criteria reviewed.", messages.SUCCESS)
        for line in refused:
            self.message_user(request, f"Not marked: {line}", messages.ERROR)


def review_problem(criterion: Criterion) -> str:
    """Why a criterion cannot be called reviewed as stored, or ""."""
    if not criterion.rule:
        return ""
    if criterion.kind == Criterion.Kind.UNCLASSIFIED:
        return "it has a rule but no inclusion/exclusion kind; fix it on its page first."
    try:
        compile_rule(criterion.rule)
    except RuleError as error:
        return f"its rule does not compile ({rule_error_text(error)}); fix it on its page first."
    return ""
