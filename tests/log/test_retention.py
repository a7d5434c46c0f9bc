import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from screening.models import LogEvent, SavedScreening
from tests.log.factories import SavedScreeningFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def screenings(site):
    now = timezone.now()
    old = SavedScreeningFactory(site=site, reference="OLD-1", saved_at=now - dt.timedelta(days=40))
    recent = SavedScreeningFactory(
        site=site, reference="NEW-1", saved_at=now - dt.timedelta(days=10)
    )
    return old, recent


def purge(*args: str) -> str:
    out = io.StringIO()
    call_command("purge_screenings", *args, stdout=out)
    return out.getvalue()


def test_retention_is_off_by_default(settings, screenings):
    assert settings.SCREENING_RETENTION_DAYS == 0
    assert "Retention is off" in purge()
    assert SavedScreening.objects.count() == 2


def test_screenings_older_than_the_retention_period_are_purged(settings, screenings):
    settings.SCREENING_RETENTION_DAYS = 30
    output = purge()
    assert "Deleted 1 saved screening saved more than 30 days ago" in output
    assert "Leeds ALS clinic  OLD-1  saved" in output
    assert "NEW-1" not in output
    assert [s.reference for s in SavedScreening.objects.all()] == ["NEW-1"]


def test_each_purged_screening_is_recorded(settings, screenings):
    settings.SCREENING_RETENTION_DAYS = 30
    purge()
    event = LogEvent.objects.get()
    assert event.action == LogEvent.Action.PURGED
    assert event.user is None
    assert event.reference == "OLD-1"
    assert event.screening_id == screenings[0].pk


def test_a_dry_run_lists_and_deletes_nothing(settings, screenings):
    settings.SCREENING_RETENTION_DAYS = 30
    assert "Would delete 1 saved screening" in purge("--dry-run")
    assert SavedScreening.objects.count() == 2
    assert not LogEvent.objects.exists()


def test_a_negative_retention_period_is_refused(settings, screenings):
    from django.core.management import CommandError

    settings.SCREENING_RETENTION_DAYS = -1
    with pytest.raises(CommandError, match="0 \\(off\\) or more"):
        purge()
