"""import_trials reports every bad file or record with where and why, imports the rest, and
never crashes, hangs or fills memory."""

import io
import json
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

import trials.sources
from tests.factories import study_json
from tests.robustness.zips import bomb_zip, patch_member, sparse_file, zip_bytes
from trials.models import Criterion, Trial
from trials.registry import MAX_ELIGIBILITY_CHARACTERS
from trials.splitter import split_criteria

pytestmark = pytest.mark.django_db

GOOD = "NCT09999999"


def run_import(*paths) -> tuple[str, str, bool]:
    """stdout, stderr, and whether the command said some records failed."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_trials", *map(str, paths), stdout=out, stderr=err)
        failed = False
    except CommandError as error:
        failed = "record(s) failed" in str(error)
        if not failed:
            raise
    return out.getvalue(), err.getvalue(), failed


def document(**changes) -> dict:
    """A good study with some of its modules replaced."""
    study = study_json("NCT01234567")
    study["protocolSection"].update(changes)
    return study


def good_file(folder: Path) -> None:
    (folder / "zz_good.json").write_text(json.dumps(study_json(GOOD)), encoding="utf-8")


def assert_reported(err: str, where: str, reason: str) -> None:
    lines = [line for line in err.splitlines() if line.startswith("FAILED ")]
    assert any(where in line and reason in line for line in lines), err


REAL = (
    Path(__file__).resolve().parents[2] / "fixtures" / "registry" / "NCT03828123.json"
).read_text()

BAD_FILES: dict[str, tuple[bytes, str]] = {
    # name: (file content, the reason the report must give)
    "truncated": (REAL[: len(REAL) // 2].encode(), "invalid JSON"),
    "empty": (b"", "invalid JSON"),
    "utf-8-bom": (b"\xef\xbb\xbf" + json.dumps(study_json()).encode(), "invalid JSON"),
    "latin-1": ('{"protocolSection": "café"}'.encode("latin-1"), "not UTF-8"),
    "utf-16": (json.dumps(study_json()).encode("utf-16"), "not UTF-8"),
    "binary": (bytes(range(256)), "not UTF-8"),
    "nested-100000": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "top-level-list": (b"[1, 2, 3]", "must be a JSON object, not list"),
    "top-level-string": (b'"NCT01234567"', "must be a JSON object, not str"),
    "top-level-null": (b"null", "must be a JSON object, not NoneType"),
    "studies-not-a-list": (b'{"studies": {"a": 1}}', "'studies' must be a list"),
    "no-protocol": (b"{}", "protocolSection is missing"),
    "protocol-a-list": (b'{"protocolSection": []}', "protocolSection is missing"),
    "module-a-list": (
        json.dumps(document(statusModule=[])).encode(),
        "protocolSection.statusModule must be an object",
    ),
    "conditions-a-string": (
        json.dumps(document(conditionsModule={"conditions": "ALS"})).encode(),
        "conditionsModule.conditions must be list",
    ),
    "interventions-of-strings": (
        json.dumps(document(armsInterventionsModule={"interventions": ["drug"]})).encode(),
        "must be a list of objects",
    ),
    "enrollment-a-string": (
        json.dumps(document(designModule={"enrollmentInfo": {"count": "120"}})).encode(),
        "enrollmentInfo.count must be int",
    ),
    "enrollment-negative": (
        json.dumps(document(designModule={"enrollmentInfo": {"count": -5}})).encode(),
        "whole number of participants",
    ),
    "criteria-a-number": (
        json.dumps(document(eligibilityModule={"eligibilityCriteria": 5})).encode(),
        "eligibilityCriteria must be str",
    ),
    "nct-id-wrong": (json.dumps(study_json("NCT1234")).encode(), "is not 'NCT' followed by"),
    "nct-id-script": (json.dumps(study_json("<script>")).encode(), "is not 'NCT' followed by"),
    "age-too-large": (
        json.dumps(study_json(minimumAge="1" + "0" * 400 + " Years")).encode(),
        "too large to be an age",
    ),
    "age-words": (json.dumps(study_json(maximumAge="eighty")).encode(), "age 'eighty'"),
    "date-nonsense": (
        json.dumps(study_json()).replace("2025-06-01", "2025-02-31").encode(),
        "date '2025-02-31'",
    ),
    "unpaired-surrogate": (
        json.dumps(study_json()).replace("Sponsor", "Spon\\ud800sor").encode(),
        "not valid Unicode",
    ),
    "title-too-long": (
        json.dumps(study_json()).replace("Study NCT01234567", "x" * 501).encode(),
        "at most 500 characters",
    ),
    "truncated-page": (
        json.dumps({"studies": [study_json("NCT00000001"), study_json("NCT00000002")]})[
            :-300
        ].encode(),
        "invalid JSON",
    ),
    "page-nested-100000": (
        b'{"studies": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}",
        "nested too deeply",
    ),
    "criteria-too-long": (
        json.dumps(study_json(criteria="x " * (MAX_ELIGIBILITY_CHARACTERS // 2 + 1))).encode(),
        "over the limit of 100,000",
    ),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_file_is_reported_with_its_reason_and_the_good_one_still_imports(tmp_path, name):
    content, reason = BAD_FILES[name]
    (tmp_path / "a_bad.json").write_bytes(content)
    good_file(tmp_path)

    out, err, failed = run_import(tmp_path)

    assert failed
    assert_reported(err, str(tmp_path / "a_bad.json"), reason)
    assert "1 created, 0 updated, 0 unchanged, 1 failed" in out
    assert list(Trial.objects.values_list("nct_id", flat=True)) == [GOOD]


def test_a_bad_record_in_a_page_names_its_number_and_the_others_import(tmp_path):
    page = {"studies": [study_json("NCT00000001"), None, "x", [], study_json("NCT00000005")]}
    (tmp_path / "page.json").write_text(json.dumps(page))

    out, err, failed = run_import(tmp_path / "page.json")

    assert failed
    for number in (2, 3, 4):
        assert_reported(err, f"page.json, study {number}", "must be a JSON object")
    assert "2 created, 0 updated, 0 unchanged, 3 failed" in out


def test_a_large_page_is_read_a_study_at_a_time_not_whole(tmp_path):
    studies = []
    for number in range(1, 1001):
        study = study_json(f"NCT{number:08d}", criteria="")
        study["protocolSection"]["descriptionModule"] = {"detailedDescription": "ALS " * 4000}
        studies.append(study)
    (tmp_path / "page.json").write_text(json.dumps({"studies": studies}))
    del studies
    size = (tmp_path / "page.json").stat().st_size

    tracemalloc.start()
    try:
        out, err, failed = run_import(tmp_path / "page.json")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert not failed, err
    assert "1000 created" in out
    # Read whole, the page took over three times its size.
    assert peak < size / 3, f"peak {peak / 1024**2:.1f} MB for a {size / 1024**2:.1f} MB page"


def test_a_study_read_from_a_page_is_the_same_record_as_read_from_its_own_file(tmp_path):
    study = study_json(criteria="Inclusion Criteria:\n\n* FVC ≥ 70% 😀")
    study["derivedSection"] = {"scores": [1.1, 1e5, -0.0, 12345678901234567890]}
    (tmp_path / "study.json").write_text(json.dumps(study))  # the emoji escaped as \ud83d\ude00
    (tmp_path / "page.json").write_text(json.dumps({"studies": [study]}, ensure_ascii=False))
    run_import(tmp_path / "study.json")

    out, _err, _failed = run_import(tmp_path / "page.json")

    assert "0 created, 0 updated, 1 unchanged, 0 failed" in out
    assert Criterion.objects.get().text == "FVC ≥ 70% 😀"


@pytest.mark.parametrize("escape", ["\\ud800", "\\udc00", "\\ud800\\u0041"])
def test_a_broken_surrogate_in_a_page_is_refused_not_altered(tmp_path, escape):
    broken = json.dumps(study_json("NCT00000002")).replace("Sponsor", f"Spon{escape}sor")
    page = f'{{"studies": [{json.dumps(study_json("NCT00000001"))}, {broken}]}}'
    (tmp_path / "page.json").write_text(page)

    _out, err, failed = run_import(tmp_path / "page.json")

    assert failed
    assert_reported(err, "page.json, study 2", "not valid Unicode")
    assert list(Trial.objects.values_list("nct_id", flat=True)) == ["NCT00000001"]


def test_a_page_over_the_size_of_one_study_is_still_imported(tmp_path, monkeypatch):
    page = {"studies": [study_json(f"NCT0000000{number}") for number in range(1, 4)]}
    (tmp_path / "page.json").write_text(json.dumps(page))
    monkeypatch.setattr(trials.sources, "MAX_STUDY_BYTES", 2000)

    out, err, failed = run_import(tmp_path / "page.json")

    assert not failed, err
    assert "3 created" in out


def test_a_single_study_over_its_size_limit_is_refused_unread(tmp_path, monkeypatch):
    big = tmp_path / "a_big.json"
    big.write_text(json.dumps(study_json(criteria="Inclusion " * 300)))
    good_file(tmp_path)
    monkeypatch.setattr(trials.sources, "MAX_STUDY_BYTES", 2000)
    real_read_bytes = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        assert path != big, "read whole"
        return real_read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)

    _out, err, failed = run_import(tmp_path)

    assert failed
    assert_reported(err, "a_big.json", "too large to be one study")
    assert list(Trial.objects.values_list("nct_id", flat=True)) == [GOOD]


def test_a_broken_page_over_the_size_of_one_study_is_reported_unread(tmp_path, monkeypatch):
    page = json.dumps({"studies": [study_json(f"NCT0000000{number}") for number in range(1, 4)]})
    (tmp_path / "a_broken.json").write_text(page[:-100])
    good_file(tmp_path)
    monkeypatch.setattr(trials.sources, "MAX_STUDY_BYTES", 2000)

    _out, err, failed = run_import(tmp_path)

    assert failed
    assert_reported(err, "a_broken.json", "invalid JSON: parse error: premature EOF")
    assert list(Trial.objects.values_list("nct_id", flat=True)) == [GOOD]


def test_a_nul_character_is_stored_or_reported_but_never_stops_the_run(tmp_path):
    study = study_json(criteria="Inclusion Criteria:\n\n* FVC \x00 70%")
    (tmp_path / "a_nul.json").write_text(json.dumps(study))
    good_file(tmp_path)

    _out, err, failed = run_import(tmp_path)

    assert Trial.objects.filter(nct_id=GOOD).exists()
    if connection.vendor == "postgresql":  # PostgreSQL text cannot hold a NUL
        assert failed
        assert_reported(err, "a_nul.json", "cannot contain NUL")
    else:
        assert not failed
        assert Criterion.objects.filter(text__contains="\x00").exists()


def test_merged_headings_longer_than_the_section_column_are_shortened_not_refused(tmp_path):
    text = "Inclusion Criteria:\n" * 40 + "* FVC ≥ 70%"
    (tmp_path / "study.json").write_text(json.dumps(study_json(criteria=text)))

    _out, err, failed = run_import(tmp_path)

    assert not failed, err
    criterion = Criterion.objects.get(text="FVC ≥ 70%")
    assert len(criterion.section) == Criterion._meta.get_field("section").max_length
    assert criterion.section.endswith("…")
    assert Trial.objects.get().eligibility_text == text  # the whole heading is still kept


# Runs that made the splitter quadratic or worse before it was fixed: 20 KB of "① " took over
# a minute, and with 50 MB allowed per study an import could hang for days.
PATHOLOGICAL = ["① ", "❶ ", "1.\n", "a.\n", "(1)\n", "Inclusion ", "\f Inclusion Criteria: -\n"]


@pytest.mark.parametrize("unit", PATHOLOGICAL)
def test_a_pathological_criteria_text_is_split_in_seconds(unit):
    text = unit * (20_000 // len(unit))
    started = time.perf_counter()
    items = split_criteria(text)
    assert time.perf_counter() - started < 5
    assert items


def test_a_record_with_criteria_text_at_the_limit_imports(tmp_path):
    text = "Inclusion " * (MAX_ELIGIBILITY_CHARACTERS // 10)
    (tmp_path / "study.json").write_text(json.dumps(study_json(criteria=text)))

    started = time.perf_counter()
    _, err, failed = run_import(tmp_path)

    assert not failed, err
    assert time.perf_counter() - started < 30
    assert Trial.objects.get().eligibility_text == text


def test_a_file_that_cannot_be_read_is_reported_and_the_others_import(tmp_path, monkeypatch):
    unreadable = tmp_path / "a_locked.json"
    unreadable.write_text(json.dumps(study_json()))
    good_file(tmp_path)
    real_read_bytes = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path == unreadable:
            raise PermissionError(13, "Permission denied", str(path))
        return real_read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)

    _out, err, failed = run_import(tmp_path)

    assert failed
    assert_reported(err, "a_locked.json", "cannot be read: Permission denied")
    assert list(Trial.objects.values_list("nct_id", flat=True)) == [GOOD]


def test_a_two_gigabyte_file_is_refused_without_being_read(tmp_path):
    sparse_file(tmp_path / "a_huge.json", 2 * 1024**3)
    good_file(tmp_path)

    _out, err, failed = run_import(tmp_path)

    assert failed
    assert_reported(err, "a_huge.json", "file too large")
    assert Trial.objects.filter(nct_id=GOOD).exists()


# --- Duplicates -----------------------------------------------------------------------------


def test_the_same_record_twice_in_one_batch_is_created_then_unchanged(tmp_path):
    page = {"studies": [study_json(), study_json()]}
    (tmp_path / "page.json").write_text(json.dumps(page))

    out, _err, failed = run_import(tmp_path / "page.json")

    assert not failed
    assert "1 created, 0 updated, 1 unchanged, 0 failed" in out
    assert Trial.objects.count() == 1


def test_a_second_differing_record_with_the_same_nct_id_updates_the_first(tmp_path):
    # Decided: records are matched by NCT ID wherever they come from, so a later copy in the
    # same batch is an update, and the last one read wins (docs/reliability.md).
    later = study_json(criteria="Inclusion Criteria:\n\n* FVC ≥ 60%")
    later["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"
    (tmp_path / "page.json").write_text(json.dumps({"studies": [study_json(), later]}))

    out, _err, failed = run_import(tmp_path / "page.json")

    assert not failed
    assert "1 created, 1 updated, 0 unchanged, 0 failed" in out
    trial = Trial.objects.get()
    assert trial.overall_status == "COMPLETED"
    assert [c.text for c in trial.criteria.all()] == ["FVC ≥ 60%"]
    assert trial.criteria_changed is True


def test_a_refused_copy_does_not_change_how_a_later_copy_in_the_same_batch_is_imported(tmp_path):
    (tmp_path / "study.json").write_text(json.dumps(study_json()))
    run_import(tmp_path / "study.json")
    # Refused by the model, after the trial row we hold was given its values.
    refused = study_json(criteria="Inclusion Criteria:\n\n* FVC ≥ 60%")
    refused["protocolSection"]["identificationModule"]["briefTitle"] = "x" * 501
    (tmp_path / "page.json").write_text(json.dumps({"studies": [refused, study_json()]}))

    out, err, failed = run_import(tmp_path / "page.json")

    assert failed
    assert_reported(err, "page.json, study 1", "at most 500 characters")
    assert "0 created, 0 updated, 1 unchanged, 1 failed" in out
    trial = Trial.objects.get()
    assert trial.criteria_changed is False
    assert [c.text for c in trial.criteria.all()] == ["FVC ≥ 70%", "Gastrostomy"]


# --- Zips -----------------------------------------------------------------------------------

GOOD_MEMBER = {f"{GOOD}.json": json.dumps(study_json(GOOD)).encode()}
SMALL = json.dumps(study_json()).encode()


def write_zip(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "ctg-studies.json.zip"
    path.write_bytes(data)
    return path


def test_a_member_claiming_a_gigabyte_is_refused_unread(tmp_path):
    data = zip_bytes({"NCT01234567.json": SMALL, **GOOD_MEMBER})
    path = write_zip(tmp_path, patch_member(data, "NCT01234567.json", size=1024**3))

    _out, err, failed = run_import(path)

    assert failed
    assert_reported(err, "NCT01234567.json", "1073741824 bytes unpacked, over the limit")
    assert list(Trial.objects.values_list("nct_id", flat=True)) == [GOOD]


def test_a_zip_bomb_is_cut_off_without_filling_memory(tmp_path):
    # 64 MB of spaces in a 64 KB member whose header claims 100 bytes: ZipFile.read used to
    # inflate all of it at once.
    zipped = bomb_zip("NCT01234567.json", megabytes=64)
    path = write_zip(tmp_path, zipped)

    tracemalloc.start()
    try:
        _out, err, failed = run_import(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert failed
    assert_reported(err, "NCT01234567.json", "cannot be unpacked")
    assert peak < 16 * 1024**2, f"peak {peak / 1024**2:.0f} MB"


def test_a_one_gigabyte_zip_with_small_members_imports_without_reading_it_all(tmp_path):
    path = sparse_file(tmp_path / "ctg-studies.json.zip", 1024**3, zip_bytes(GOOD_MEMBER))

    _out, err, failed = run_import(path)

    assert not failed, err
    assert list(Trial.objects.values_list("nct_id", flat=True)) == [GOOD]


@pytest.mark.parametrize(
    ("patch", "reason"),
    [
        ({"flags": 1}, "is encrypted, password required"),
        ({"method": 99}, "compression method is not supported"),
    ],
    ids=["encrypted", "unknown-compression"],
)
def test_a_member_that_cannot_be_unpacked_is_reported_and_the_rest_import(tmp_path, patch, reason):
    data = zip_bytes({"NCT01234567.json": SMALL, **GOOD_MEMBER})
    path = write_zip(tmp_path, patch_member(data, "NCT01234567.json", **patch))

    _out, err, failed = run_import(path)

    assert failed
    assert_reported(err, "NCT01234567.json", reason)
    assert list(Trial.objects.values_list("nct_id", flat=True)) == [GOOD]


@pytest.mark.parametrize(
    "method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA], ids=str
)
def test_a_corrupted_member_is_reported_and_the_rest_import(tmp_path, method):
    data = bytearray(zip_bytes({"NCT01234567.json": SMALL * 20, **GOOD_MEMBER}, method))
    start = data.index(b"NCT01234567.json") + len("NCT01234567.json")
    for offset in range(start + 2, start + 40):
        data[offset] ^= 0x5A
    path = write_zip(tmp_path, bytes(data))

    _out, err, failed = run_import(path)

    assert failed
    assert_reported(err, "NCT01234567.json", "cannot be unpacked")
    assert list(Trial.objects.values_list("nct_id", flat=True)) == [GOOD]


@pytest.mark.parametrize(
    "content",
    [b"", b"PK\x03\x04garbage", zip_bytes(GOOD_MEMBER)[:200], b"\x00" * 1000],
    ids=["empty", "garbage", "truncated", "zeros"],
)
def test_a_file_that_is_not_a_zip_is_reported(tmp_path, content):
    path = write_zip(tmp_path, content)

    _out, err, failed = run_import(path)

    assert failed
    assert_reported(err, str(path), "not a readable zip file")


def test_a_page_in_a_zip_is_read_a_study_at_a_time(tmp_path):
    studies = []
    for number in range(1, 401):
        study = study_json(f"NCT{number:08d}", criteria="")
        study["protocolSection"]["descriptionModule"] = {"detailedDescription": "ALS " * 10_000}
        studies.append(study)
    member = json.dumps({"studies": studies}).encode()
    path = write_zip(tmp_path, zip_bytes({"page.json": member}))
    del studies

    tracemalloc.start()
    try:
        out, err, failed = run_import(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert not failed, err
    assert "400 created" in out
    # The unpacked member is held (at most MAX_STUDY_BYTES), its studies are built a batch at a
    # time: read whole, it took over three times its size.
    assert peak < 2 * len(member), (
        f"peak {peak / 1024**2:.1f} MB, member {len(member) / 1024**2:.1f} MB"
    )


def test_member_names_are_only_labels_never_paths_written_to(tmp_path):
    members = {"../../escaped.json": SMALL, "/absolute.json": GOOD_MEMBER[f"{GOOD}.json"]}
    path = write_zip(tmp_path, zip_bytes(members))

    _out, err, failed = run_import(path)

    assert not failed, err
    assert Trial.objects.count() == 2
    for where in (Path.cwd(), tmp_path, Path("/")):
        assert not (where / "../../escaped.json").resolve().exists()
        assert not (where / "absolute.json").exists()
