"""The screening log: screenings a trial site saved, under a pseudonymous reference.

A saved screening keeps what the page showed (the engine's JSON, rendered again as stored) and
the exact criteria it was screened against, so it can be reopened years later as it was.
"""

import re
import uuid

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from screening.engine import Verdict as EngineVerdict

REFERENCE_HELP = (
    "The site's own code for the patient, for example ALS-0042. Never a name, initials with a "
    "birth date, or a hospital number that identifies the patient outside your site."
)


def check_reference(text: str) -> None:
    """Refuses what looks like a name, a birth date or an identifying number."""
    words = [word for word in re.split(r"[\W_\d]+", text) if word]
    capitalised = [w for w in words if len(w) > 1 and w.istitle()]
    if len(capitalised) >= 2:
        raise ValidationError(
            f"“{text}” looks like a name. Use your site's code for the patient, such as "
            "ALS-0042, never a name.",
            code="name",
        )
    if re.search(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}", text):
        raise ValidationError(
            "The reference looks like a date; a birth date identifies a patient. Use your "
            "site's code, such as ALS-0042.",
            code="date",
        )
    if re.search(r"\d{9}", text):
        raise ValidationError(
            "The reference has a long number, which may be a hospital or national ID. Use "
            "your site's short code, such as ALS-0042.",
            code="long_number",
        )
    if not re.search(r"\d", text):
        raise ValidationError(
            "A reference is a code with at least one digit, such as ALS-0042; a word on its "
            "own may be a name.",
            code="no_digit",
        )


reference_characters = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9 ._/-]*\Z",
    "A reference is letters, digits, spaces and . _ / - only, starting with a letter or digit.",
)


class Verdict(models.TextChoices):
    ELIGIBLE = EngineVerdict.ELIGIBLE.value, "Eligible"
    POSSIBLY_ELIGIBLE = EngineVerdict.POSSIBLY_ELIGIBLE.value, "Possibly eligible"
    INELIGIBLE = EngineVerdict.INELIGIBLE.value, "Ineligible"


class Site(models.Model):
    """A trial site. Its clinicians are the members of its group."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    group = models.OneToOneField(
        Group,
        on_delete=models.PROTECT,
        related_name="site",
        help_text="Members of this group are the site's clinicians and see its screening log.",
    )

    class Meta:
        ordering = ["group__name"]

    def __str__(self) -> str:
        return self.group.name


class SavedScreening(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="screenings")
    reference = models.CharField(
        max_length=40, validators=[check_reference, reference_characters], help_text=REFERENCE_HELP
    )
    screened_on = models.DateField(help_text="The screening date time limits were counted to.")
    saved_at = models.DateTimeField(default=timezone.now, db_index=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The values as they were shown: [{"name", "label", "text"}].
    values = models.JSONField(default=list, blank=True)
    # screening_json(patient, results) for the trials shown, exactly as stored.
    result = models.JSONField()
    show_closed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-saved_at"]

    def __str__(self) -> str:
        return f"{self.reference} screened on {self.screened_on.isoformat()}"

    def get_absolute_url(self) -> str:
        return reverse("log:screening", args=[self.pk])

    @property
    def entered(self) -> dict:
        """The values as the engine reads them (read_patient), for "screen again now"."""
        return self.result["patient"]["entered"]


class ScreeningOutcome(models.Model):
    """One trial's outcome in a saved screening: a row of that trial's pre-screening log."""

    screening = models.ForeignKey(SavedScreening, on_delete=models.CASCADE, related_name="outcomes")
    nct_id = models.CharField("NCT ID", max_length=11, db_index=True)
    title = models.CharField(max_length=500)
    verdict = models.CharField(max_length=20, choices=Verdict)
    # The criteria that made the patient ineligible: [{"key", "text", "explanation"}].
    reasons = models.JSONField(default=list, blank=True)
    # The criteria as screened, in the order of the stored result's criteria:
    # [{"key", "kind", "text", "rule", "note", "history_id", "version"}].
    criteria = models.JSONField(default=list, blank=True)
    rules_hash = models.CharField(max_length=64, help_text="SHA-256 of the criteria as screened.")
    # None for a trial with no history record (one created in bulk, say).
    trial_history_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["screening", "nct_id"]
        constraints = [
            models.UniqueConstraint(fields=["screening", "nct_id"], name="outcome_trial_unique"),
            models.CheckConstraint(
                condition=models.Q(verdict__in=Verdict.values), name="outcome_verdict_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nct_id}: {self.get_verdict_display()}"


class LogEvent(models.Model):
    """Who removed a saved screening from the log, and when. Never any patient values."""

    class Action(models.TextChoices):
        DELETED = "deleted", "Deleted by a user"
        PURGED = "purged", "Purged after the retention period"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    action = models.CharField(max_length=16, choices=Action)
    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True, help_text="As it was at the time.")
    site_name = models.CharField(max_length=150)
    reference = models.CharField(max_length=40)
    screening_id = models.UUIDField()
    saved_at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=["deleted", "purged"]), name="log_event_action_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.action} {self.at:%Y-%m-%d %H:%M}"
