"""Where study records come from: files, folders, the bulk zip, or the live API.

Each source yields one `Study` at a time (a record, or the reason it could not be read),
so memory stays flat however many studies a folder or zip holds.
"""

import json
import lzma
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# One study of the bulk download is a few hundred kilobytes; anything far larger is not a study.
MAX_STUDY_BYTES = 50 * 1024 * 1024
API_PAGE_SIZE = 100
API_TIMEOUT_SECONDS = 30
UNPACK_STEP_BYTES = 1024 * 1024
# What opening a damaged zip, or unpacking an encrypted or oddly compressed member, raises.
UNPACK_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    ValueError,
    RuntimeError,
    NotImplementedError,
    zlib.error,
    lzma.LZMAError,
)


@dataclass(frozen=True, slots=True)
class Study:
    where: str  # "folder/NCT0001.json", "page.json, study 3", "ctg-studies.json.zip:NCT0001.json"
    data: Any = None
    error: str = ""


class SourceError(Exception):
    """A source that cannot be read at all (missing path, unreachable API)."""


def studies_in_document(document: Any, where: str) -> Iterator[Study]:
    """A document is one study, or a page {"studies": [...]} as /api/v2/studies returns."""
    if isinstance(document, dict) and "studies" in document:
        studies = document["studies"]
        if not isinstance(studies, list):
            yield Study(where, error="'studies' must be a list of study objects")
            return
        for number, study in enumerate(studies, start=1):
            yield Study(f"{where}, study {number}", data=study)
    else:
        yield Study(where, data=document)


def _load_json(raw: bytes, where: str) -> Iterator[Study]:
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        yield Study(where, error=f"not UTF-8 text ({error.reason} at byte {error.start})")
    except json.JSONDecodeError as error:
        yield Study(where, error=f"invalid JSON: {error.msg} (line {error.lineno})")
    except RecursionError:
        yield Study(where, error="invalid JSON: nested too deeply to be a study")
    else:
        yield from studies_in_document(document, where)


def studies_in_file(path: Path) -> Iterator[Study]:
    try:
        if path.stat().st_size > MAX_STUDY_BYTES * 20:
            yield Study(str(path), error="file too large to be a study or a page of studies")
            return
        raw = path.read_bytes()
    except OSError as error:
        yield Study(str(path), error=f"cannot be read: {error.strerror or error}")
        return
    yield from _load_json(raw, str(path))


def _unpack(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes | None:
    """The member's bytes, or None past MAX_STUDY_BYTES.

    Read in steps: a member whose header understates its size (a zip bomb) is cut off at the
    limit instead of being inflated whole into memory, as `ZipFile.read` would.
    """
    chunks, size = [], 0
    with archive.open(member) as stream:
        while chunk := stream.read(UNPACK_STEP_BYTES):
            size += len(chunk)
            if size > MAX_STUDY_BYTES:
                return None
            chunks.append(chunk)
    return b"".join(chunks)


def studies_in_zip(path: Path) -> Iterator[Study]:
    try:
        archive = zipfile.ZipFile(path)
    except UNPACK_ERRORS as error:
        yield Study(str(path), error=f"not a readable zip file: {error}")
        return
    with archive:
        for member in archive.infolist():
            if member.is_dir() or not member.filename.endswith(".json"):
                continue
            where = f"{path}:{member.filename}"
            if member.file_size > MAX_STUDY_BYTES:
                yield Study(where, error=f"{member.file_size} bytes unpacked, over the limit")
                continue
            try:
                raw = _unpack(archive, member)
            except UNPACK_ERRORS as error:
                yield Study(where, error=f"cannot be unpacked: {error}")
                continue
            if raw is None:
                yield Study(
                    where, error=f"more than {MAX_STUDY_BYTES} bytes unpacked, over the limit"
                )
                continue
            yield from _load_json(raw, where)


def studies_at(path: Path) -> Iterator[Study]:
    if not path.exists():
        raise SourceError(f"{path}: no such file or folder")
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.suffix in {".json", ".zip"} and child.is_file():
                yield from studies_at(child)
    elif path.suffix == ".zip":
        yield from studies_in_zip(path)
    else:
        yield from studies_in_file(path)


def fetch_page(base_url: str, params: dict[str, str]) -> dict[str, Any]:
    url = f"{base_url.rstrip('/')}/studies?{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=API_TIMEOUT_SECONDS) as response:
            page = json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError, RecursionError) as error:
        raise SourceError(f"{url}: {error}") from None
    if not isinstance(page, dict):
        raise SourceError(f"{url}: the answer is not a page of studies")
    return page


def studies_from_api(base_url: str, params: dict[str, str]) -> Iterator[Study]:
    """Pages through /studies, passing nextPageToken back with the same other parameters."""
    query = {"format": "json", "pageSize": str(API_PAGE_SIZE), **params}
    page_number = 1
    while True:
        page = fetch_page(base_url, query)
        yield from studies_in_document(
            {"studies": page.get("studies", [])}, f"API page {page_number}"
        )
        token = page.get("nextPageToken")
        if not token:
            return
        query["pageToken"] = token
        page_number += 1


def batches(studies: Iterable[Study], size: int) -> Iterator[list[Study]]:
    """The studies in runs of `size`; when a source fails part-way, what it gave comes first."""
    batch: list[Study] = []
    try:
        for study in studies:
            batch.append(study)
            if len(batch) == size:
                yield batch
                batch = []
    except SourceError:
        if batch:
            yield batch
        raise
    if batch:
        yield batch
