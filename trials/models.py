import uuid
from collections.abc import Iterable

from django.core.validators import RegexValidator
from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from screening.engine import Verdict

nct_id_validator = RegexValidator(
    r"^NCT\d{8}\Z", "An NCT ID is 'NCT' followed by 8 digits, for example NCT03828123."
)


class OverallStatus(models.TextChoices):
    RECRUITING = "RECRUITING", "Recruiting"
    NOT_YET_RECRUITING = "NOT_YET_RECRUITING", "Not yet recruiting"
    ENROLLING_BY_INVITATION = "ENROLLING_BY_INVITATION", "Enrolling by invitation"
    ACTIVE_NOT_RECRUITING = "ACTIVE_NOT_RECRUITING", "Active, not recruiting"
    SUSPENDED = "SUSPENDED", "Suspended"
    TERMINATED = "TERMINATED", "Terminated"
    COMPLETED = "COMPLETED", "Completed"
    WITHDRAWN = "WITHDRAWN", "Withdrawn"
    AVAILABLE = "AVAILABLE", "Available"
    NO_LONGER_AVAILABLE = "NO_LONGER_AVAILABLE", "No longer available"
    TEMPORARILY_NOT_AVAILABLE = "TEMPORARILY_NOT_AVAILABLE", "Temporarily not available"
    APPROVED_FOR_MARKETING = "APPROVED_FOR_MARKETING", "Approved for marketing"
    WITHHELD = "WITHHELD", "Withheld"
    UNKNOWN = "UNKNOWN", "Unknown status"


OPEN_STATUSES = frozenset(
    {
        OverallStatus.RECRUITING,
        OverallStatus.NOT_YET_RECRUITING,
        OverallStatus.ENROLLING_BY_INVITATION,
    }
)


class Phase(models.TextChoices):
    """ClinicalTrials.gov lists one or two phases; two are shown as "Phase 1/2"."""

    EARLY_PHASE1 = "EARLY_PHASE1", "Early phase 1"
    PHASE1 = "PHASE1", "Phase 1"
    PHASE1_PHASE2 = "PHASE1_PHASE2", "Phase 1/2"
    PHASE2 = "PHASE2", "Phase 2"
    PHASE2_PHASE3 = "PHASE2_PHASE3", "Phase 2/3"
    PHASE3 = "PHASE3", "Phase 3"
    PHASE4 = "PHASE4", "Phase 4"
    NA = "NA", "Not applicable"


class StudyType(models.TextChoices):
    INTERVENTIONAL = "INTERVENTIONAL", "Interventional"
    OBSERVATIONAL = "OBSERVATIONAL", "Observational"
    EXPANDED_ACCESS = "EXPANDED_ACCESS", "Expanded access"


class Sex(models.TextChoices):
    ALL = "ALL", "All"
    FEMALE = "FEMALE", "Female"
    MALE = "MALE", "Male"


class RegistryVersion(models.Model):
    """One row whose number grows with every committed write to the trials or their criteria.

    The screening catalogue compares it with the number it was compiled at. A timestamp on the
    rows cannot do this: `updated_at` is stamped when a row is saved, not when its transaction
    commits, so a transaction that commits after a later-stamped one would go unseen.
    """

    number = models.PositiveBigIntegerField(default=0)
    # A rolled-back write gives its number back and the next write takes it again; a process that
    # read inside the rolled-back transaction (a test does) tells the two apart by the stamp.
    stamp = models.UUIDField(default=uuid.uuid4)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="registry_version_one_row")]

    def __str__(self) -> str:
        return f"Registry version {self.number}"


REGISTRY_VERSION_ID = 1

type Version = tuple[int, uuid.UUID]


def registry_changed(using: str) -> None:
    """Move the registry version on, in the transaction of the write that follows.

    On PostgreSQL the UPDATE locks the row until commit, so registry writers take turns and each
    commit shows readers a larger number. Called before the write, not after: a writer then queues
    for the version before it holds the rows it writes, instead of holding them while it waits
    (a deadlock if the writer ahead, holding the version, wants one of them).
    """
    connection = connections[using]
    table = connection.ops.quote_name(RegistryVersion._meta.db_table)
    stamp = RegistryVersion._meta.get_field("stamp").get_db_prep_value(uuid.uuid4(), connection)
    # Plain SQL: the importer moves the version on about twice per study, and `update()` costs
    # four times the CPU of this.
    bump = f"UPDATE {table} SET number = number + 1, stamp = %s WHERE id = %s"
    with connection.cursor() as cursor:
        cursor.execute(bump, [stamp, REGISTRY_VERSION_ID])
        if cursor.rowcount:
            return
        # The migration creates the row; a flushed database (as after a transactional test) has
        # none.
        RegistryVersion.objects.using(using).bulk_create(
            [RegistryVersion(id=REGISTRY_VERSION_ID)], ignore_conflicts=True
        )
        cursor.execute(bump, [stamp, REGISTRY_VERSION_ID])


def registry_version(using: str = DEFAULT_DB_ALIAS) -> Version | None:
    """The committed version; None only in a flushed database, which holds no trials either."""
    found = RegistryVersion.objects.using(using).filter(id=REGISTRY_VERSION_ID)
    return found.values_list("number", "stamp").first()


class RegistryQuerySet(models.QuerySet):
    """Bulk writes move the registry version on, as `save()` and `delete()` do."""

    def update(self, **kwargs: object) -> int:
        # As `save()` does through `auto_now`, for whoever reads a row's last change.
        kwargs.setdefault("updated_at", timezone.now())
        with transaction.atomic(using=self.db, savepoint=False):
            registry_changed(self.db)
            return super().update(**kwargs)

    def bulk_create(self, objs: Iterable[models.Model], *args, **kwargs) -> list:
        with transaction.atomic(using=self.db, savepoint=False):
            registry_changed(self.db)
            return super().bulk_create(objs, *args, **kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        with transaction.atomic(using=self.db, savepoint=False):
            registry_changed(self.db)
            return super().delete()


class RegistryRow(models.Model):
    """A row the screening catalogue is compiled from: writing it moves the registry version on.

    `bulk_update()` goes through `RegistryQuerySet.update()`, and deleting a trial deletes its
    criteria within the trial's own delete. A write in plain SQL must call `registry_changed()`
    itself, or workers keep screening with the rules they compiled before it.
    """

    objects = RegistryQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, **kwargs) -> None:
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            registry_changed(using)
            super().save(**kwargs)

    def delete(self, **kwargs) -> tuple[int, dict[str, int]]:
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            registry_changed(using)
            return super().delete(**kwargs)


class Trial(RegistryRow):
    nct_id = models.CharField("NCT ID", max_length=11, unique=True, validators=[nct_id_validator])
    brief_title = models.CharField(max_length=500, blank=True)
    official_title = models.TextField(blank=True)
    acronym = models.CharField(max_length=100, blank=True)
    overall_status = models.CharField(max_length=32, choices=OverallStatus, blank=True)
    phase = models.CharField(max_length=16, choices=Phase, blank=True)
    study_type = models.CharField(max_length=16, choices=StudyType, blank=True)
    conditions = models.JSONField(default=list, blank=True)
    # Lower-cased conditions joined by newlines: JSON containment differs between SQLite and
    # PostgreSQL, a plain text column searches the same on both.
    conditions_search = models.TextField(blank=True, editable=False)
    interventions = models.JSONField(default=list, blank=True)
    lead_sponsor = models.CharField(max_length=300, blank=True)
    enrollment = models.PositiveIntegerField(null=True, blank=True)
    enrollment_type = models.CharField(max_length=16, blank=True)
    allocation = models.CharField(max_length=32, blank=True)
    intervention_model = models.CharField(max_length=32, blank=True)
    primary_purpose = models.CharField(max_length=32, blank=True)
    masking = models.CharField(max_length=32, blank=True)
    minimum_age = models.CharField(max_length=32, blank=True, help_text="As registered.")
    minimum_age_years = models.DecimalField(
        max_digits=9, decimal_places=4, null=True, blank=True, help_text="Empty = no limit."
    )
    maximum_age = models.CharField(max_length=32, blank=True, help_text="As registered.")
    maximum_age_years = models.DecimalField(
        max_digits=9, decimal_places=4, null=True, blank=True, help_text="Empty = no limit."
    )
    sex = models.CharField(max_length=8, choices=Sex, default=Sex.ALL)
    healthy_volunteers = models.BooleanField(null=True, blank=True)
    eligibility_text = models.TextField(blank=True)
    eligibility_hash = models.CharField(max_length=64, blank=True)
    criteria_incomplete = models.BooleanField(
        default=False, help_text="The registry text we hold stops part-way."
    )
    criteria_changed = models.BooleanField(
        default=False,
        help_text="The registry's eligibility text changed on re-import; review the criteria.",
    )
    record_hash = models.CharField(max_length=64, blank=True, editable=False)
    last_update_posted = models.DateField(null=True, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["nct_id"]

    def __str__(self) -> str:
        return f"{self.nct_id}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("trials:detail", args=[self.nct_id])

    @property
    def title(self) -> str:
        return self.brief_title or self.official_title or self.nct_id

    @property
    def registry_url(self) -> str:
        return f"https://clinicaltrials.gov/study/{self.nct_id}"

    @property
    def is_open(self) -> bool:
        return self.overall_status in OPEN_STATUSES


class Criterion(RegistryRow):
    class Kind(models.TextChoices):
        INCLUSION = "inclusion", "Inclusion"
        EXCLUSION = "exclusion", "Exclusion"
        UNCLASSIFIED = "unclassified", "Under no inclusion/exclusion heading"

    class ReviewStatus(models.TextChoices):
        AUTO = "auto", "Structured by the parser"
        NEEDS_REVIEW = "needs_review", "Needs review"
        EDITED = "edited", "Edited by a curator"
        REVIEWED = "reviewed", "Reviewed"

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="criteria")
    kind = models.CharField(max_length=16, choices=Kind)
    # The kind the registry's text gave the item at the last import ("" when not imported). A
    # curator may correct `kind`; a re-import tells the curator's correction (the registry still
    # says this) from a move the registry made since (it no longer does).
    registry_kind = models.CharField(max_length=16, choices=Kind, blank=True, editable=False)
    position = models.PositiveIntegerField(help_text="Order within the trial's criteria.")
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    section = models.CharField(max_length=300, blank=True, help_text="The heading as registered.")
    text = models.TextField()
    rule = models.TextField(
        blank=True, help_text="The criterion in the rule language; empty = needs clinician review."
    )
    rule_note = models.TextField(
        blank=True, help_text="What the rule leaves out, or why there is no rule."
    )
    review_status = models.CharField(
        max_length=16, choices=ReviewStatus, default=ReviewStatus.NEEDS_REVIEW
    )
    # Optimistic locking: an editor's form carries the version it was opened at, and a save
    # from an older version is refused instead of silently undoing someone else's change.
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["trial", "position"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(fields=["trial", "position"], name="criterion_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.position}: {self.text[:80]}"

    def save(self, *args, **kwargs) -> None:
        # Every write moves the version on, whoever makes it (admin, import, re-parse), so an
        # editor holding an older copy is always stopped by the admin form's version check.
        self.version += 1
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version"}
        super().save(*args, **kwargs)

    @property
    def is_curated(self) -> bool:
        return self.review_status in {self.ReviewStatus.EDITED, self.ReviewStatus.REVIEWED}


class ExpectedVerdict(models.TextChoices):
    ELIGIBLE = Verdict.ELIGIBLE.value, "Eligible"
    POSSIBLY_ELIGIBLE = Verdict.POSSIBLY_ELIGIBLE.value, "Possibly eligible"
    INELIGIBLE = Verdict.INELIGIBLE.value, "Ineligible"


class TestPatient(models.Model):
    """An example patient a curator keeps with a trial, with the verdict the rules must give."""

    __test__ = False  # not a pytest test class, despite the name

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="test_patients")
    name = models.CharField(
        max_length=200,
        help_text="A name your colleagues will recognise, e.g. 'Bulbar onset, FVC 65%, "
        "on riluzole for 2 months'.",
    )
    patient = models.JSONField(
        help_text="The patient as JSON, with the names from the vocabulary page, e.g. "
        '{"as_of": "2025-06-01", "age": 54, "fvc_percent": 65}. Keep "as_of" (the screening '
        "date) so the example does not age; if you leave it out, today's date is filled in.",
    )
    expected_verdict = models.CharField(
        max_length=20,
        choices=ExpectedVerdict,
        help_text="What Prescreen should say for this patient with this trial's rules.",
    )
    # The last check against the stored rules: filled in whenever the criteria or the example
    # are saved, so the trial list can filter failing examples without screening every trial.
    last_verdict = models.CharField(max_length=20, choices=ExpectedVerdict, blank=True)
    last_result = models.TextField(blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["trial", "name"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "name"], name="test_patient_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_failing(self) -> bool:
        return self.checked_at is not None and self.last_verdict != self.expected_verdict
