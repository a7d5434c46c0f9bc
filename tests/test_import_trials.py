import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import study_json
from trials.models import Criterion, Trial

pytestmark = pytest.mark.django_db


def run_import(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_trials", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write_json(path, document) -> None:
    path.write_text(json.dumps(document), encoding="utf-8")


def test_it_imports_one_study_file(tmp_path):
    write_json(tmp_path / "study.json", study_json())
    out, _ = run_import(tmp_path / "study.json")
    trial = Trial.objects.get(nct_id="NCT01234567")
    assert trial.brief_title == "Study NCT01234567"
    assert [(c.kind, c.text) for c in trial.criteria.all()] == [
        ("inclusion", "FVC ≥ 70%"),
        ("exclusion", "Gastrostomy"),
    ]
    assert "1 created, 0 updated, 0 unchanged, 0 failed" in out


def test_it_structures_the_criteria_the_parser_is_sure_of(tmp_path):
    write_json(tmp_path / "study.json", study_json())
    run_import(tmp_path / "study.json")
    fvc = Criterion.objects.get(text="FVC ≥ 70%")
    assert fvc.rule == "fvc_percent >= 70"
    assert fvc.review_status == Criterion.ReviewStatus.AUTO


def test_it_imports_a_page_of_studies(tmp_path):
    page = {"studies": [study_json("NCT00000001"), study_json("NCT00000002")]}
    write_json(tmp_path / "page.json", page)
    out, _ = run_import(tmp_path / "page.json")
    assert set(Trial.objects.values_list("nct_id", flat=True)) == {"NCT00000001", "NCT00000002"}
    assert "2 created" in out


def test_it_imports_a_folder_and_a_bulk_zip(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    write_json(folder / "a.json", study_json("NCT00000001"))
    with zipfile.ZipFile(tmp_path / "ctg-studies.json.zip", "w") as archive:
        archive.writestr("NCT00000002.json", json.dumps(study_json("NCT00000002")))
        archive.writestr("NCT00000003.json", json.dumps(study_json("NCT00000003")))
    out, _ = run_import(folder, tmp_path / "ctg-studies.json.zip")
    assert Trial.objects.count() == 3
    assert "3 created" in out


def test_importing_the_same_record_twice_changes_nothing(tmp_path):
    write_json(tmp_path / "study.json", study_json())
    run_import(tmp_path / "study.json")
    trial = Trial.objects.get()
    before = (trial.imported_at, trial.history.count(), list(trial.criteria.values()))
    out, _ = run_import(tmp_path / "study.json")
    trial.refresh_from_db()
    assert (trial.imported_at, trial.history.count(), list(trial.criteria.values())) == before
    assert "0 created, 0 updated, 1 unchanged, 0 failed" in out


def test_a_changed_record_with_the_same_criteria_updates_without_flagging(tmp_path):
    write_json(tmp_path / "study.json", study_json())
    run_import(tmp_path / "study.json")
    changed = study_json()
    changed["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"
    write_json(tmp_path / "study.json", changed)
    out, _ = run_import(tmp_path / "study.json")
    trial = Trial.objects.get()
    assert trial.overall_status == "COMPLETED"
    assert trial.criteria_changed is False
    assert "1 updated" in out


def test_changed_criteria_text_flags_the_trial_and_keeps_curated_rules(tmp_path):
    write_json(tmp_path / "study.json", study_json())
    run_import(tmp_path / "study.json")
    curated = Criterion.objects.get(text="Gastrostomy")
    curated.rule, curated.review_status = "gastrostomy == yes", Criterion.ReviewStatus.EDITED
    curated.save()
    new_text = (
        "Inclusion Criteria:\n\n* FVC ≥ 60%\n\nExclusion Criteria:\n\n* Gastrostomy\n* Tracheostomy"
    )
    write_json(tmp_path / "study.json", study_json(criteria=new_text))
    run_import(tmp_path / "study.json")

    trial = Trial.objects.get()
    assert trial.criteria_changed is True
    assert [c.text for c in trial.criteria.all()] == ["FVC ≥ 60%", "Gastrostomy", "Tracheostomy"]
    kept = trial.criteria.get(text="Gastrostomy")
    assert (kept.pk, kept.rule, kept.review_status) == (curated.pk, "gastrostomy == yes", "edited")
    removed = Criterion.history.filter(text="FVC ≥ 70%", history_type="-")
    assert removed.count() == 1


def test_a_re_import_never_overwrites_a_reviewed_rule_on_unchanged_text(tmp_path):
    write_json(tmp_path / "study.json", study_json())
    run_import(tmp_path / "study.json")
    Criterion.objects.filter(text="FVC ≥ 70%").update(
        rule="fvc_percent >= 71", review_status=Criterion.ReviewStatus.REVIEWED
    )
    changed = study_json(criteria="Inclusion Criteria:\n\n* FVC ≥ 70%\n* Age 18 or older")
    write_json(tmp_path / "study.json", changed)
    run_import(tmp_path / "study.json")
    assert Criterion.objects.get(text="FVC ≥ 70%").rule == "fvc_percent >= 71"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"protocolSection": ', "invalid JSON"),
        ("{}".encode("utf-16"), "not UTF-8"),
        (b'{"studies": 5}', "'studies' must be a list"),
        (b'{"protocolSection": {"identificationModule": {}}}', "nctId is missing"),
    ],
)
def test_a_bad_file_is_reported_and_the_others_still_import(tmp_path, content, reason):
    (tmp_path / "a_bad.json").write_bytes(content)
    write_json(tmp_path / "b_good.json", study_json())
    with pytest.raises(CommandError, match="1 record"):
        run_import(tmp_path)
    assert Trial.objects.filter(nct_id="NCT01234567").exists()


def test_a_bad_record_in_a_page_is_reported_with_file_record_and_reason(tmp_path, capsys):
    bad = study_json("NCT00000002", minimumAge="abc Years")
    write_json(tmp_path / "page.json", {"studies": [study_json("NCT00000001"), bad]})
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_trials", str(tmp_path / "page.json"), stdout=io.StringIO(), stderr=err)
    assert f"FAILED {tmp_path / 'page.json'}, study 2 (NCT00000002): " in err.getvalue()
    assert "age 'abc Years'" in err.getvalue()
    assert list(Trial.objects.values_list("nct_id", flat=True)) == ["NCT00000001"]


def test_a_record_refused_by_the_model_is_named_by_its_nct_id_too(tmp_path):
    refused = study_json("NCT00000002")
    refused["protocolSection"]["identificationModule"]["briefTitle"] = "x" * 501
    write_json(tmp_path / "page.json", {"studies": [study_json("NCT00000001"), refused]})
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_trials", str(tmp_path / "page.json"), stdout=io.StringIO(), stderr=err)
    assert f"FAILED {tmp_path / 'page.json'}, study 2 (NCT00000002): " in err.getvalue()


def test_a_record_without_a_valid_nct_id_is_named_by_its_place_alone(tmp_path):
    write_json(tmp_path / "page.json", {"studies": [study_json("<b>NCT1</b>")]})
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_trials", str(tmp_path / "page.json"), stdout=io.StringIO(), stderr=err)
    assert f"FAILED {tmp_path / 'page.json'}, study 1: nctId '<b>NCT1</b>'" in err.getvalue()


def test_a_change_of_whitespace_alone_in_the_criteria_does_not_flag_them(tmp_path):
    text = "Inclusion Criteria:\n\n* FVC ≥ 70%\n\nExclusion Criteria:\n\n* Gastrostomy"
    write_json(tmp_path / "study.json", study_json(criteria=text))
    run_import(tmp_path / "study.json")
    spaced = text.replace("\n\n", "\r\n\r\n  ") + "\n"
    write_json(tmp_path / "study.json", study_json(criteria=spaced))

    out, _ = run_import(tmp_path / "study.json")

    trial = Trial.objects.get()
    assert "1 updated" in out
    assert trial.criteria_changed is False
    assert trial.eligibility_text.endswith("Gastrostomy\n")  # stored as registered


def test_a_change_of_indentation_that_nests_items_differently_flags_the_criteria(tmp_path):
    flat = "Inclusion Criteria:\n\n* One of:\n* FVC ≥ 70%\n* SVC ≥ 70%"
    write_json(tmp_path / "study.json", study_json(criteria=flat))
    run_import(tmp_path / "study.json")
    nested = flat.replace("\n* FVC", "\n  * FVC").replace("\n* SVC", "\n  * SVC")
    write_json(tmp_path / "study.json", study_json(criteria=nested))

    run_import(tmp_path / "study.json")

    trial = Trial.objects.get()
    assert trial.criteria.get(text="FVC ≥ 70%").parent.text == "One of:"
    assert trial.criteria_changed is True
    assert trial.history.first().criteria_changed is True


def test_a_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No such file or folder"):
        run_import(tmp_path / "nope.json")


def test_the_shipped_registry_fixtures_all_import(registry_dir):
    out, err = run_import(registry_dir)
    assert err == ""
    assert "74 created" in out
    assert Trial.objects.filter(criteria_incomplete=True).count() == 39
    seed = Trial.objects.get(nct_id="NCT03828123")
    assert (seed.minimum_age_years, seed.maximum_age_years) == (18, 65)
    assert seed.criteria.filter(kind="inclusion").count() == 4
    assert seed.criteria.filter(kind="exclusion").count() == 12


def test_a_new_trials_criteria_are_written_as_save_would_write_them(tmp_path):
    nested = "Inclusion Criteria:\n\n* One of:\n  * FVC ≥ 70%\n  * SVC ≥ 70%\n* Age 18 or older"
    write_json(tmp_path / "study.json", study_json(criteria=nested))
    run_import(tmp_path / "study.json")

    trial = Trial.objects.get()
    [trial_created] = trial.history.all()
    assert (trial_created.history_type, trial_created.history_user) == ("+", None)
    assert trial_created.record_hash == trial.record_hash
    criteria = list(trial.criteria.all())
    assert [(c.text, c.parent and c.parent.text) for c in criteria] == [
        ("One of:", None),
        ("FVC ≥ 70%", "One of:"),
        ("SVC ≥ 70%", "One of:"),
        ("Age 18 or older", None),
    ]
    assert {c.version for c in criteria} == {1}  # as a first save() sets the lock's version
    assert all(c.updated_at >= trial.imported_at for c in criteria)
    for criterion in criteria:
        [created] = criterion.history.all()
        assert (created.history_type, created.history_user, created.history_change_reason) == (
            "+",
            None,
            None,
        )
        assert (created.parent_id, created.rule, created.version, created.updated_at) == (
            criterion.parent_id,
            criterion.rule,
            1,
            criterion.updated_at,
        )


def test_a_changed_trials_criteria_move_on_their_version_and_time_with_a_history_row(tmp_path):
    write_json(tmp_path / "study.json", study_json())
    run_import(tmp_path / "study.json")
    before = Criterion.objects.get(text="Gastrostomy")
    changed = "Inclusion Criteria:\n\n* FVC ≥ 60%\n\nExclusion Criteria:\n\n* Gastrostomy"
    write_json(tmp_path / "study.json", study_json(criteria=changed))
    run_import(tmp_path / "study.json")

    after = Criterion.objects.get(text="Gastrostomy")
    assert (after.pk, after.version) == (before.pk, before.version + 1)
    assert after.updated_at > before.updated_at
    latest = after.history.first()
    assert (latest.history_type, latest.history_change_reason, latest.version) == ("~", None, 2)


def history_reads_for_notes(queries) -> int:
    # The one query that looks for curators' notes on criteria needing review.
    return sum(
        query["sql"].startswith("SELECT") and "history_user_id" in query["sql"] for query in queries
    )


def test_a_re_import_looks_for_curators_notes_once_per_trial_and_only_then(tmp_path):
    criteria = "Inclusion Criteria:\n\n* Able to give consent\n* Able to swallow"
    write_json(tmp_path / "study.json", study_json(criteria=criteria))
    with CaptureQueriesContext(connection) as first:
        run_import(tmp_path / "study.json")
    statuses = set(Criterion.objects.values_list("review_status", flat=True))
    assert statuses == {Criterion.ReviewStatus.NEEDS_REVIEW}
    write_json(tmp_path / "study.json", study_json(criteria=f"{criteria}\n* FVC ≥ 60%"))
    with CaptureQueriesContext(connection) as again:
        run_import(tmp_path / "study.json")
    assert (history_reads_for_notes(first), history_reads_for_notes(again)) == (0, 1)
