"""Faults during an import: a failure part-way leaves no half-imported trial and a rerun
completes; curated rules survive every way a record can be imported again."""

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

import trials.importing
from screening.catalogue import trial_spec
from screening.engine import read_patient, screen_trial
from tests.factories import study_json
from trials.importing import BATCH_SIZE
from trials.models import Criterion, Trial

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
REGISTRY = BASE_DIR / "fixtures" / "registry"
RECORDS = 20


@pytest.fixture
def registry(tmp_path) -> Path:
    """A folder of the first 20 registry records: enough to fail part-way through."""
    folder = tmp_path / "registry"
    folder.mkdir()
    for record in sorted(REGISTRY.glob("*.json"))[:RECORDS]:
        (folder / record.name).write_bytes(record.read_bytes())
    return folder


def run_import(*paths) -> str:
    out = io.StringIO()
    call_command("import_trials", *map(str, paths), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def assert_no_half_imported_trial() -> None:
    """Every trial with eligibility text has its criteria, and nothing points nowhere."""
    for trial in Trial.objects.all():
        if trial.eligibility_text.strip():
            assert trial.criteria.exists(), f"{trial.nct_id} has no criteria"
    assert not Criterion.objects.filter(trial__isnull=True).exists()


class Interrupted(Exception):
    pass


def fail_on_the_nth_study(monkeypatch, n: int) -> list[str]:
    """Make writing the criteria of the nth study raise, after its trial row was saved."""
    seen: list[str] = []
    real = trials.importing.replace_criteria

    def replace_criteria(trial, drafts, **options):
        seen.append(trial.nct_id)
        if len(seen) == n:
            # half the criteria written, then the fault
            real(trial, drafts[: len(drafts) // 2], **options)
            raise Interrupted(f"fault injected while importing {trial.nct_id}")
        return real(trial, drafts, **options)

    monkeypatch.setattr(trials.importing, "replace_criteria", replace_criteria)
    return seen


def test_an_import_failing_part_way_leaves_no_half_imported_trial_and_a_rerun_completes(
    monkeypatch, registry
):
    seen = fail_on_the_nth_study(monkeypatch, 10)

    with pytest.raises(Interrupted):
        run_import(registry)

    assert Trial.objects.count() == 9
    assert not Trial.objects.filter(nct_id=seen[-1]).exists()
    assert_no_half_imported_trial()
    # The studies before the fault commit with their history rows, and only they.
    assert Trial.history.count() == 9
    assert Criterion.history.count() == Criterion.objects.count()

    monkeypatch.undo()
    out = run_import(registry)

    assert f"{RECORDS - 9} created, 0 updated, 9 unchanged, 0 failed" in out
    assert Trial.objects.count() == RECORDS
    assert_no_half_imported_trial()


def test_a_failing_update_leaves_the_previous_criteria_in_place(monkeypatch, tmp_path):
    (tmp_path / "study.json").write_text(json.dumps(study_json()))
    run_import(tmp_path)
    before = list(Criterion.objects.values_list("pk", "text", "rule"))
    changed = study_json(criteria="Inclusion Criteria:\n\n* FVC ≥ 60%\n* Age 18 or older")
    (tmp_path / "study.json").write_text(json.dumps(changed))
    fail_on_the_nth_study(monkeypatch, 1)

    with pytest.raises(Interrupted):
        run_import(tmp_path)

    trial = Trial.objects.get()
    assert list(Criterion.objects.values_list("pk", "text", "rule")) == before
    assert "FVC ≥ 70%" in trial.eligibility_text  # the trial row rolled back with them
    assert trial.criteria_changed is False


KILL_AFTER = """
import os, signal, sys
import django
django.setup()
import trials.importing
from django.core.management import call_command

call_command("migrate", "--no-input", verbosity=0)
real, count = trials.importing.replace_criteria, 0

def replace_criteria(trial, drafts, **options):
    global count
    count += 1
    if count == int(sys.argv[2]):
        real(trial, drafts[: len(drafts) // 2], **options)
        os.kill(os.getpid(), signal.SIGKILL)  # no rollback, no cleanup: the process just dies
    real(trial, drafts, **options)

trials.importing.replace_criteria = replace_criteria
call_command("import_trials", sys.argv[1])
"""


def manage(database: Path, *args: str, script: str | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    command = (
        [sys.executable, "-c", script, *args] if script else [sys.executable, "manage.py", *args]
    )
    return subprocess.run(
        command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )


def test_an_import_killed_mid_batch_loses_only_that_batch_and_no_trial_is_half_imported(
    tmp_path,
):
    # Studies commit a batch at a time: killed in the second batch, the first stays whole.
    studies = [study_json(f"NCT{number:08d}") for number in range(1, BATCH_SIZE + 51)]
    (tmp_path / "page.json").write_text(json.dumps({"studies": studies}))
    database = tmp_path / "killed.sqlite3"

    killed = manage(database, str(tmp_path / "page.json"), str(BATCH_SIZE + 30), script=KILL_AFTER)

    assert killed.returncode == -signal.SIGKILL
    with sqlite3.connect(database) as connection:
        trials_left = connection.execute("select count(*) from trials_trial").fetchone()[0]
        orphans = connection.execute(
            "select count(*) from trials_trial t where t.eligibility_text != '' and not exists "
            "(select 1 from trials_criterion c where c.trial_id = t.id)"
        ).fetchone()[0]
    assert trials_left == BATCH_SIZE
    assert orphans == 0

    rerun = manage(database, "import_trials", str(tmp_path / "page.json"))

    assert rerun.returncode == 0, rerun.stderr
    assert f"50 created, 0 updated, {BATCH_SIZE} unchanged, 0 failed" in rerun.stdout


# --- Curated rules across re-imports --------------------------------------------------------

TEXT_A = (
    "Inclusion Criteria:\n\n* FVC ≥ 70%\n* Age 18 to 80\n\nExclusion Criteria:\n\n* Gastrostomy"
)
TEXT_B = (
    "Inclusion Criteria:\n\n* FVC ≥ 70%\n* Age 18 to 85\n\nExclusion Criteria:\n\n* Gastrostomy"
)


def import_text(tmp_path: Path, text: str, status: str = "RECRUITING") -> str:
    study = study_json(criteria=text)
    study["protocolSection"]["statusModule"]["overallStatus"] = status
    (tmp_path / "study.json").write_text(json.dumps(study))
    return run_import(tmp_path / "study.json")


def curate(text: str, rule: str, status=Criterion.ReviewStatus.EDITED) -> Criterion:
    criterion = Criterion.objects.get(text=text)
    criterion.rule, criterion.review_status = rule, status
    criterion.save()
    return criterion


def curated_rule(text: str) -> tuple[str, str]:
    criterion = Criterion.objects.get(text=text)
    return criterion.rule, criterion.review_status


def test_a_curated_rule_survives_importing_the_same_record_again(tmp_path):
    import_text(tmp_path, TEXT_A)
    curate("FVC ≥ 70%", "fvc_percent >= 71")

    assert "1 unchanged" in import_text(tmp_path, TEXT_A)
    assert curated_rule("FVC ≥ 70%") == ("fvc_percent >= 71", "edited")


def test_a_curated_rule_survives_a_changed_record_with_the_same_text(tmp_path):
    import_text(tmp_path, TEXT_A)
    curate("FVC ≥ 70%", "fvc_percent >= 71", Criterion.ReviewStatus.REVIEWED)

    assert "1 updated" in import_text(tmp_path, TEXT_A, status="COMPLETED")
    assert curated_rule("FVC ≥ 70%") == ("fvc_percent >= 71", "reviewed")
    assert Trial.objects.get().criteria_changed is False


def test_a_curated_rule_survives_a_change_to_other_criteria_and_the_change_back(tmp_path):
    import_text(tmp_path, TEXT_A)
    kept = curate("FVC ≥ 70%", "fvc_percent >= 71")

    import_text(tmp_path, TEXT_B)
    assert curated_rule("FVC ≥ 70%") == ("fvc_percent >= 71", "edited")
    import_text(tmp_path, TEXT_A)

    assert curated_rule("FVC ≥ 70%") == ("fvc_percent >= 71", "edited")
    assert Criterion.objects.get(text="FVC ≥ 70%").pk == kept.pk
    assert [c.text for c in Trial.objects.get().criteria.all()] == [
        "FVC ≥ 70%",
        "Age 18 to 80",
        "Gastrostomy",
    ]


def test_a_curated_rule_survives_whitespace_and_case_changes_in_its_text(tmp_path):
    import_text(tmp_path, TEXT_A)
    kept = curate("Gastrostomy", "gastrostomy == yes")

    import_text(tmp_path, TEXT_A.replace("* Gastrostomy", "*   GASTROSTOMY  "))

    criterion = Criterion.objects.get(pk=kept.pk)
    assert (criterion.rule, criterion.review_status) == ("gastrostomy == yes", "edited")


def test_a_curated_rule_comes_back_when_its_text_is_changed_and_changed_back(tmp_path):
    import_text(tmp_path, TEXT_A)
    curate("Age 18 to 80", "age between 18 and 79")

    import_text(tmp_path, TEXT_B)  # the curated item's own text changes: it is removed
    assert not Criterion.objects.filter(text="Age 18 to 80").exists()
    assert Criterion.history.filter(text="Age 18 to 80", history_type="-").exists()
    import_text(tmp_path, TEXT_A)  # and the registry changes it back

    assert curated_rule("Age 18 to 80") == ("age between 18 and 79", "edited")


def test_a_curated_criterion_whose_kind_was_corrected_survives_a_text_change(tmp_path):
    text = "FVC ≥ 70%\n\nExclusion Criteria:\n\n* Gastrostomy"
    import_text(tmp_path, text)
    corrected = Criterion.objects.get(text="FVC ≥ 70%")
    assert corrected.kind == Criterion.Kind.UNCLASSIFIED  # under no heading
    corrected.kind = Criterion.Kind.INCLUSION
    corrected.rule, corrected.review_status = "fvc_percent >= 70", Criterion.ReviewStatus.REVIEWED
    corrected.save()

    import_text(tmp_path, text + "\n* Tracheostomy")

    criterion = Criterion.objects.get(text="FVC ≥ 70%")
    assert (criterion.kind, criterion.rule, criterion.review_status) == (
        "inclusion",
        "fvc_percent >= 70",
        "reviewed",
    )


def test_a_curated_rule_survives_the_registry_dropping_its_section_heading(tmp_path):
    import_text(tmp_path, TEXT_A)
    kept = curate("FVC ≥ 70%", "fvc_percent >= 71")

    # Without headings the splitter files every item as unclassified.
    import_text(tmp_path, "* FVC ≥ 70%\n* Age 18 to 80\n* Gastrostomy")

    criterion = Criterion.objects.get(text="FVC ≥ 70%")
    assert (criterion.pk, criterion.kind) == (kept.pk, "inclusion")
    assert curated_rule("FVC ≥ 70%") == ("fvc_percent >= 71", "edited")


def test_when_the_registry_drops_one_of_two_identical_items_the_curated_copy_is_kept(tmp_path):
    twice = "Inclusion Criteria:\n\n* Age 18 to 80\n* FVC ≥ 70%\n* Age 18 to 80"
    import_text(tmp_path, twice)
    second = Trial.objects.get().criteria.get(position=3)
    second.rule, second.review_status = "age >= 18", Criterion.ReviewStatus.REVIEWED
    second.save()

    import_text(tmp_path, "Inclusion Criteria:\n\n* FVC ≥ 70%\n* Age 18 to 80")

    kept = Criterion.objects.get(text="Age 18 to 80")
    assert (kept.pk, kept.rule, kept.review_status) == (second.pk, "age >= 18", "reviewed")


def test_a_curated_rule_comes_back_when_a_deleted_trial_is_imported_again(tmp_path):
    import_text(tmp_path, TEXT_A)
    curate("Age 18 to 80", "age between 18 and 79", Criterion.ReviewStatus.REVIEWED)
    Trial.objects.get().delete()

    assert "1 created" in import_text(tmp_path, TEXT_A)

    assert curated_rule("Age 18 to 80") == ("age between 18 and 79", "reviewed")
    assert curated_rule("FVC ≥ 70%") == ("fvc_percent >= 70", "auto")


def test_a_criterion_a_curator_handed_back_to_the_parser_is_not_restored_from_an_older_edit(
    tmp_path,
):
    import_text(tmp_path, TEXT_A)
    curate("Age 18 to 80", "age between 18 and 79")
    import_text(tmp_path, TEXT_B)
    import_text(tmp_path, TEXT_A)
    curate("Age 18 to 80", "", Criterion.ReviewStatus.NEEDS_REVIEW)  # the curator's last word

    import_text(tmp_path, TEXT_B)
    import_text(tmp_path, TEXT_A)

    assert curated_rule("Age 18 to 80") == ("age between 18 and 80", "auto")  # the parser's


def test_a_failed_re_import_leaves_curated_rules_as_they_were(monkeypatch, tmp_path):
    import_text(tmp_path, TEXT_A)
    curate("FVC ≥ 70%", "fvc_percent >= 71")
    fail_on_the_nth_study(monkeypatch, 1)

    with pytest.raises(Interrupted):
        import_text(tmp_path, TEXT_B)

    assert curated_rule("FVC ≥ 70%") == ("fvc_percent >= 71", "edited")
    assert Criterion.objects.filter(text="Age 18 to 80").exists()


def test_a_bad_record_does_not_touch_the_trial_it_names(tmp_path):
    import_text(tmp_path, TEXT_A)
    curate("FVC ≥ 70%", "fvc_percent >= 71")
    bad = study_json(criteria=TEXT_B, minimumAge="eighteen")
    (tmp_path / "study.json").write_text(json.dumps(bad))

    with pytest.raises(CommandError):
        run_import(tmp_path / "study.json")

    assert Trial.objects.get().eligibility_text == TEXT_A
    assert curated_rule("FVC ≥ 70%") == ("fvc_percent >= 71", "edited")


# --- A curated item the registry moves to the other kind -----------------------------------

GASTROSTOMY_INCLUDED = "Inclusion Criteria:\n\n* FVC ≥ 70%\n* Gastrostomy"
GASTROSTOMY_EXCLUDED = "Inclusion Criteria:\n\n* FVC ≥ 70%\n\nExclusion Criteria:\n\n* Gastrostomy"


def verdict_without_gastrostomy() -> str:
    trial = Trial.objects.get()
    spec = trial_spec(trial, trial.criteria.all())
    patient = read_patient({"fvc_percent": 80, "gastrostomy": False}, as_of=date(2025, 6, 1))
    return screen_trial(spec, patient).verdict


def test_a_reviewed_rule_the_registry_moves_to_exclusion_is_held_for_review_not_judged_as_inclusion(
    tmp_path,
):
    import_text(tmp_path, GASTROSTOMY_INCLUDED)
    kept = curate("Gastrostomy", "gastrostomy", Criterion.ReviewStatus.REVIEWED)

    import_text(tmp_path, GASTROSTOMY_EXCLUDED)

    moved = Criterion.objects.get(text="Gastrostomy")
    assert (moved.pk, moved.kind, moved.rule, moved.review_status) == (
        kept.pk,
        "exclusion",
        "gastrostomy",
        "needs_review",
    )
    assert "moved this item from inclusion to exclusion" in moved.rule_note
    # Still an inclusion, the rule would turn away every patient without a gastrostomy.
    assert verdict_without_gastrostomy() != "ineligible"


def test_a_kind_a_curator_corrected_stands_while_the_registry_keeps_the_kind_it_gave(tmp_path):
    import_text(tmp_path, GASTROSTOMY_INCLUDED)
    corrected = curate("Gastrostomy", "gastrostomy", Criterion.ReviewStatus.REVIEWED)
    corrected.kind = Criterion.Kind.EXCLUSION  # the registry filed it wrongly
    corrected.save()

    import_text(tmp_path, GASTROSTOMY_INCLUDED.replace("70%", "60%"))

    criterion = Criterion.objects.get(text="Gastrostomy")
    assert (criterion.pk, criterion.kind, criterion.review_status) == (
        corrected.pk,
        "exclusion",
        "reviewed",
    )


def test_a_deleted_reviewed_rule_that_returns_under_the_other_kind_is_held_for_review(tmp_path):
    import_text(tmp_path, GASTROSTOMY_INCLUDED)
    curate("Gastrostomy", "gastrostomy", Criterion.ReviewStatus.REVIEWED)
    import_text(tmp_path, "Inclusion Criteria:\n\n* FVC ≥ 70%")  # the item is deleted

    import_text(tmp_path, GASTROSTOMY_EXCLUDED)  # and comes back as an exclusion

    restored = Criterion.objects.get(text="Gastrostomy")
    assert (restored.kind, restored.rule, restored.review_status) == (
        "exclusion",
        "gastrostomy",
        "needs_review",
    )
    assert "moved this item from inclusion to exclusion" in restored.rule_note
    assert verdict_without_gastrostomy() != "ineligible"


def test_a_kind_correction_restored_with_its_item_stands_at_the_next_import(tmp_path):
    import_text(tmp_path, GASTROSTOMY_INCLUDED)
    corrected = curate("Gastrostomy", "gastrostomy", Criterion.ReviewStatus.REVIEWED)
    corrected.kind = Criterion.Kind.EXCLUSION  # the curator's correction
    corrected.save()
    import_text(tmp_path, "Inclusion Criteria:\n\n* FVC ≥ 70%")  # the item is deleted
    import_text(tmp_path, GASTROSTOMY_INCLUDED)  # and returns, the registry unchanged

    import_text(tmp_path, GASTROSTOMY_INCLUDED.replace("70%", "60%"))  # another item changes

    criterion = Criterion.objects.get(text="Gastrostomy")
    assert (criterion.kind, criterion.review_status) == ("exclusion", "reviewed")
    assert "moved this item" not in criterion.rule_note
