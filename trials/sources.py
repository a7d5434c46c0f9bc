"""Where study records come from: files, folders, the bulk zip, or the live API.

Each source yields one `Study` at a time (a record, or the reason it could not be read),
so memory stays flat however many studies a folder, a zip or a page holds: a page's studies
are built one by one as ijson reads them.
"""

import io
import json
import lzma
import re
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

import ijson

# One study of the bulk download is a few hundred kilobytes; anything far larger is not a study.
MAX_STUDY_BYTES = 50 * 1024 * 1024
# Registry records nest a handful of levels. ijson's event prefixes grow with depth, so memory
# grows with its square: a few hundred kilobytes of "[[[[" would take gigabytes.
MAX_NESTING = 500
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
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


class _Layout(StrEnum):
    PAGE = "page"
    STUDIES_NOT_A_LIST = "studies not a list"
    DOCUMENT = "document"  # anything else: one study, or not a study at all


@dataclass(frozen=True, slots=True)
class _Scan:
    layout: _Layout | None  # None: the streaming reader could not tell, see `problem`
    problem: str = ""
    surrogate_escapes: bool = False


class _EscapeWatch:
    """A stream that notes, as ijson reads it, whether the text spells a surrogate ("\\udc00").

    yajl, ijson's fast backend, pairs a high surrogate with whatever escape follows it and turns
    a lone one into "?": a record would be silently altered instead of refused as json.loads
    refuses it. Seen rarely (paired, they spell an emoji in ASCII-only JSON).
    """

    def __init__(self, stream: BinaryIO) -> None:
        self.stream, self.tail, self.seen = stream, b"", False

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        if not self.seen and SURROGATE_ESCAPE.search(self.tail + chunk):
            self.seen = True
        self.tail = chunk[-5:]
        return chunk


def _ijson_reason(error: Exception) -> str:
    # yajl's messages run over several lines, pointing at the place; the first says what.
    message = error.args[0] if error.args else error
    if isinstance(message, bytes):
        message = message.decode("utf-8", errors="replace")
    return (str(message).splitlines() or [type(error).__name__])[0].strip()


def _scan(stream: BinaryIO) -> _Scan:
    """What the document is, read as a stream of parser events: nothing is built in memory."""
    watch = _EscapeWatch(stream)
    depth, top_is_map, studies_values, after_studies_key = 0, False, [], False
    try:
        for event, value in ijson.basic_parse(watch, use_float=True):
            if after_studies_key:
                studies_values.append(event)
                after_studies_key = False
            if event in ("start_map", "start_array"):
                top_is_map = top_is_map or (depth == 0 and event == "start_map")
                depth += 1
                if depth > MAX_NESTING:
                    return _Scan(None, "nested too deeply to be a study")
            elif event in ("end_map", "end_array"):
                depth -= 1
            elif event == "map_key" and depth == 1:
                # "studies.item" is also how ijson names the studies' items: not to be confused.
                if value == "studies.item":
                    return _Scan(None, "a page with a key named 'studies.item'")
                after_studies_key = value == "studies"
    except (ijson.JSONError, ValueError, OverflowError) as error:
        return _Scan(None, _ijson_reason(error))
    if not top_is_map or not studies_values:
        return _Scan(_Layout.DOCUMENT)
    if len(studies_values) > 1:
        return _Scan(None, "'studies' given more than once")
    if studies_values[0] != "start_array":
        return _Scan(_Layout.STUDIES_NOT_A_LIST)
    return _Scan(_Layout.PAGE, surrogate_escapes=watch.seen)


def _page_studies(stream: BinaryIO, where: str, *, surrogate_escapes: bool) -> Iterator[Study]:
    """The studies of a page one at a time, built as they are read."""
    # The pure-Python backend reads surrogate escapes as json.loads does, at a tenth the speed.
    items = ijson.get_backend("python").items if surrogate_escapes else ijson.items
    number = 0
    try:
        for number, study in enumerate(items(stream, "studies.item", use_float=True), start=1):
            yield Study(f"{where}, study {number}", data=study)
    except (ijson.JSONError, ValueError, OverflowError) as error:
        # The scan found the page well formed: this is a number or escape the backends read
        # differently, or a file changed while it was read.
        yield Study(where, error=f"invalid JSON after study {number}: {_ijson_reason(error)}")


def _studies_in_json(
    open_stream: Callable[[], BinaryIO], read_all: Callable[[], bytes], size: int, where: str
) -> Iterator[Study]:
    """The studies of a JSON file or zip member: a page is streamed, a single study read whole.

    Anything the streaming scan cannot settle is read whole, when small enough, so its reason
    is the one json.loads gives.
    """
    with open_stream() as stream:
        scan = _scan(stream)
    if scan.layout is _Layout.PAGE:
        with open_stream() as stream:
            yield from _page_studies(stream, where, surrogate_escapes=scan.surrogate_escapes)
    elif scan.layout is _Layout.STUDIES_NOT_A_LIST:
        yield Study(where, error="'studies' must be a list of study objects")
    elif size > MAX_STUDY_BYTES:
        reason = f"invalid JSON: {scan.problem}" if scan.problem else "too large to be one study"
        yield Study(where, error=f"{reason} ({size} bytes, over the limit of {MAX_STUDY_BYTES})")
    else:
        yield from _load_json(read_all(), where)


def studies_in_file(path: Path) -> Iterator[Study]:
    try:
        size = path.stat().st_size
        if size > MAX_STUDY_BYTES * 20:
            yield Study(str(path), error="file too large to be a study or a page of studies")
            return
        yield from _studies_in_json(lambda: path.open("rb"), path.read_bytes, size, str(path))
    except OSError as error:
        yield Study(str(path), error=f"cannot be read: {error.strerror or error}")


def _unpack(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes | None:
    """The member's bytes, or None past MAX_STUDY_BYTES.

    Read in steps: a member whose header understates its size (a zip bomb) is cut off at the
    limit instead of being inflated whole into memory, as `ZipFile.read` would.
    """
    # Gathered in a BytesIO, whose value is its own buffer: joining a list of chunks would hold
    # the member twice at the end.
    buffer = io.BytesIO()
    with archive.open(member) as stream:
        while chunk := stream.read(UNPACK_STEP_BYTES):
            if buffer.tell() + len(chunk) > MAX_STUDY_BYTES:
                return None
            buffer.write(chunk)
    return buffer.getvalue()


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
            # Unpacked once, at most MAX_STUDY_BYTES; a page's studies are still built one by one.
            yield from _studies_in_json(
                partial(io.BytesIO, raw), lambda data=raw: data, len(raw), where
            )


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
    page_number, tokens_seen = 1, set[str]()
    while True:
        page = fetch_page(base_url, query)
        yield from studies_in_document(
            {"studies": page.get("studies", [])}, f"API page {page_number}"
        )
        token = page.get("nextPageToken")
        if not token:
            return
        if str(token) in tokens_seen:
            # Asking again would give the same pages again, for ever.
            raise SourceError(
                f"{base_url}: page {page_number} gave the page token {str(token)[:80]!r} "
                "that an earlier page gave; stopped instead of reading the same pages again"
            )
        tokens_seen.add(str(token))
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
