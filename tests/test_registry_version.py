"""Every write to the trials or their criteria moves the registry version on (issue 8).

Each worker keeps its compiled rules until the version moves. The rows' `updated_at` could not
tell it: a transaction stamps it when a row is saved and may commit after a later-stamped one.
"""

import io
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from screening import benchmark
from screening.catalogue import current_catalogue
from tests.admin.factories import make_curator
from tests.admin.support import edit_trial, form_data, row
from tests.factories import CriterionFactory, TrialFactory, study_json
from trials.curation import apply_curation
from trials.importing import trial_import
from trials.models import Criterion, OverallStatus, RegistryVersion, Trial, registry_version
from trials.registry import read_study
from trials.reparse import trial_reparse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cold_catalogue")]

NCT_ID = "NCT00000801"
CRITERIA = "Inclusion Criteria:\n\n* FVC ≥ 70%\n\nExclusion Criteria:\n\n* Gastrostomy"


@pytest.fixture
def trial() -> Trial:
    """An imported trial: its criteria came from the registry text, with their history."""
    trial_import(record=read_study(study_json(NCT_ID, criteria=CRITERIA)))
    return Trial.objects.get(nct_id=NCT_ID)


def number() -> int:
    version = registry_version()
    return 0 if version is None else version[0]


def fvc_rule() -> str:
    """The FVC rule as the catalogue compiled it."""
    [spec] = [spec for spec in current_catalogue().trials if spec.nct_id == NCT_ID]
    return next(c.rule.source for c in spec.criteria if c.rule and "fvc" in c.rule.source)


def fvc(trial: Trial) -> Criterion:
    return trial.criteria.get(rule__contains="fvc")


def an_hour_before_the_newest_change() -> datetime:
    newest = max(Criterion.objects.latest("updated_at").updated_at, timezone.now())
    return newest - timedelta(hours=1)


def test_a_rule_saved_with_a_clock_behind_the_newest_change_reaches_the_next_screening(trial):
    assert fvc_rule() == "fvc_percent >= 70"
    # As in an import batch stamped at its start that commits after a curator's later save.
    criterion = fvc(trial)
    criterion.rule = "fvc_percent >= 90"
    with mock.patch("django.utils.timezone.now", return_value=an_hour_before_the_newest_change()):
        criterion.save()
    assert fvc_rule() == "fvc_percent >= 90"


def test_a_bulk_update_stamped_before_the_newest_change_reaches_the_next_screening(trial):
    assert fvc_rule() == "fvc_percent >= 70"
    # The importer's updates name the `updated_at` its transaction took at the start.
    earlier = an_hour_before_the_newest_change()
    trial.criteria.filter(rule__contains="fvc").update(rule="fvc_percent >= 90", updated_at=earlier)
    assert fvc_rule() == "fvc_percent >= 90"


def test_a_screening_read_inside_a_rolled_back_write_is_not_taken_for_the_next_write(trial):
    current_catalogue()
    with transaction.atomic():
        Criterion.objects.filter(rule__contains="fvc").update(rule="fvc_percent >= 90")
        assert fvc_rule() == "fvc_percent >= 90"  # compiled from the uncommitted write
        transaction.set_rollback(True)  # the write fails after all
    # The next write takes the same number again; the catalogue must still read it afresh.
    Trial.objects.filter(pk=trial.pk).update(overall_status=OverallStatus.COMPLETED)
    assert fvc_rule() == "fvc_percent >= 70"
    assert not current_catalogue().open_trials


@pytest.mark.django_db(transaction=True)
def test_a_failed_write_outside_a_transaction_leaves_the_version_as_it_was(trial):
    before = registry_version()
    taken = fvc(trial).position
    with pytest.raises(IntegrityError):
        Criterion(trial=trial, kind="inclusion", position=taken, text="Age 18 or over").save()
    assert registry_version() == before


def test_reading_the_version_is_one_query(trial, django_assert_num_queries):
    current_catalogue()
    with django_assert_num_queries(1):
        current_catalogue()


def test_a_database_emptied_without_its_version_row_gets_one_back_at_the_next_write(trial):
    current_catalogue()
    RegistryVersion.objects.all().delete()  # as a transactional test's flush does
    assert registry_version() is None
    assert fvc_rule() == "fvc_percent >= 70"
    Criterion.objects.filter(rule__contains="fvc").update(rule="fvc_percent >= 90")
    assert number() == 1
    assert fvc_rule() == "fvc_percent >= 90"


def test_the_version_is_a_single_row():
    with pytest.raises(IntegrityError), transaction.atomic():
        RegistryVersion.objects.create(id=2)


# Each write path: what it does to the imported trial, and what it needs done before (not counted).
def create_a_trial(trial: Trial) -> None:
    TrialFactory()


def save_a_trial(trial: Trial) -> None:
    trial.overall_status = OverallStatus.COMPLETED
    trial.save()


def save_named_fields_of_a_trial(trial: Trial) -> None:
    trial.criteria_changed = False
    trial.save(update_fields=["criteria_changed", "updated_at"])


def delete_a_trial_and_so_its_criteria(trial: Trial) -> None:
    trial.delete()


def create_a_criterion_through_its_trial(trial: Trial) -> None:
    trial.criteria.create(kind="inclusion", position=99, text="Age 18 or over")


def save_a_criterion(trial: Trial) -> None:
    criterion = fvc(trial)
    criterion.rule = "fvc_percent >= 60"
    criterion.save()


def delete_a_criterion(trial: Trial) -> None:
    fvc(trial).delete()


def update_trials_in_bulk(trial: Trial) -> None:
    Trial.objects.update(overall_status=OverallStatus.COMPLETED)


def update_criteria_through_their_trial(trial: Trial) -> None:
    trial.criteria.update(rule="")


def bulk_update_criteria(trial: Trial) -> None:
    criterion = fvc(trial)
    criterion.rule = "fvc_percent >= 60"
    Criterion.objects.bulk_update([criterion], ["rule"])


def bulk_update_criteria_with_history(trial: Trial) -> None:
    criterion = fvc(trial)
    criterion.rule = "fvc_percent >= 60"
    bulk_update_with_history([criterion], Criterion, ["rule"])


def bulk_create_trials(trial: Trial) -> None:
    Trial.objects.bulk_create([TrialFactory.build()])


def bulk_create_criteria_with_history(trial: Trial) -> None:
    criterion = CriterionFactory.build(trial=trial, position=99, text="Age 18 or over")
    bulk_create_with_history([criterion], Criterion)


def delete_trials_in_bulk(trial: Trial) -> None:
    Trial.objects.filter(pk=trial.pk).delete()


def delete_criteria_in_bulk(trial: Trial) -> None:
    trial.criteria.all().delete()


def update_or_create_a_criterion(trial: Trial) -> None:
    Criterion.objects.update_or_create(
        trial=trial, position=99, defaults={"kind": "inclusion", "text": "Age 18 or over"}
    )


def reimport_changed_criteria(trial: Trial) -> None:
    trial_import(record=read_study(study_json(NCT_ID, criteria=CRITERIA.replace("70%", "60%"))))


def import_trials_command(trial: Trial) -> None:
    with tempfile.TemporaryDirectory() as folder:
        study = Path(folder) / "NCT00000802.json"
        study.write_text(json.dumps(study_json("NCT00000802")), encoding="utf-8")
        call_command("import_trials", study, stdout=io.StringIO())


def edit_the_fvc_rule_by_hand(trial: Trial) -> None:
    Criterion.objects.filter(rule__contains="fvc").update(
        rule="fvc_percent >= 50", review_status=Criterion.ReviewStatus.EDITED
    )


def reparse_overwriting_a_curated_rule(trial: Trial) -> None:
    trial_reparse(trial=trial, force=True)


def parse_criteria_command(trial: Trial) -> None:
    call_command("parse_criteria", "--trial", NCT_ID, "--force", stdout=io.StringIO())


def apply_hand_checked_rules(trial: Trial) -> None:
    criterion = fvc(trial)
    entry = {"nct_id": NCT_ID, "kind": criterion.kind, "text": criterion.text}
    apply_curation([{**entry, "rule": "fvc_percent >= 60"}])


def clone_the_registry_for_the_benchmark(trial: Trial) -> None:
    template = benchmark.Template(
        trial={"brief_title": "Clone", "overall_status": OverallStatus.RECRUITING},
        criteria=[
            {"kind": "inclusion", "position": 1, "text": "FVC", "parent": None},
            {"kind": "inclusion", "position": 2, "text": "Age", "parent": 0},
        ],
    )
    benchmark.clone_registry([template], 2)


def curator() -> Client:
    client = Client()
    client.force_login(make_curator())
    return client


def edit_a_rule_on_the_trials_admin_page(trial: Trial) -> None:
    changes = {f"{row(trial, fvc(trial))}-rule": "fvc_percent >= 60"}
    assert edit_trial(curator(), trial, **changes).status_code == 302


def change_a_rule_after_its_import(trial: Trial) -> None:
    Criterion.objects.filter(rule__contains="fvc").update(rule="fvc_percent >= 60")


def revert_a_rule_from_its_history_in_the_admin(trial: Trial) -> None:
    criterion = fvc(trial)
    imported = criterion.history.order_by("history_date").first()
    url = reverse("admin:trials_criterion_simple_history", args=[criterion.pk, imported.history_id])
    client = curator()
    assert client.post(url, {**form_data(client.get(url)), "_save": "Save"}).status_code == 302


@dataclass(frozen=True)
class Write:
    run: Callable[[Trial], None]
    prepare: Callable[[Trial], None] | None = None

    def __str__(self) -> str:
        return self.run.__name__


WRITES = [
    Write(create_a_trial),
    Write(save_a_trial),
    Write(save_named_fields_of_a_trial),
    Write(delete_a_trial_and_so_its_criteria),
    Write(create_a_criterion_through_its_trial),
    Write(save_a_criterion),
    Write(delete_a_criterion),
    Write(update_trials_in_bulk),
    Write(update_criteria_through_their_trial),
    Write(bulk_update_criteria),
    Write(bulk_update_criteria_with_history),
    Write(bulk_create_trials),
    Write(bulk_create_criteria_with_history),
    Write(delete_trials_in_bulk),
    Write(delete_criteria_in_bulk),
    Write(update_or_create_a_criterion),
    Write(reimport_changed_criteria),
    Write(import_trials_command),
    Write(reparse_overwriting_a_curated_rule, prepare=edit_the_fvc_rule_by_hand),
    Write(parse_criteria_command, prepare=edit_the_fvc_rule_by_hand),
    Write(apply_hand_checked_rules),
    Write(clone_the_registry_for_the_benchmark),
    Write(edit_a_rule_on_the_trials_admin_page),
    Write(revert_a_rule_from_its_history_in_the_admin, prepare=change_a_rule_after_its_import),
]


@pytest.mark.parametrize("write", WRITES, ids=str)
def test_every_write_to_the_registry_moves_the_version_on(trial, write):
    if write.prepare:
        write.prepare(trial)
    before = number()
    write.run(trial)
    assert number() > before


@pytest.mark.parametrize("write", WRITES, ids=str)
def test_after_every_write_to_the_registry_the_next_screening_reads_it_again(trial, write):
    if write.prepare:
        write.prepare(trial)
    compiled = current_catalogue()
    write.run(trial)
    assert current_catalogue() is not compiled
