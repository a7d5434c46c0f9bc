"""Hostile zip files, made cheaply: a few kilobytes on disk whatever size they claim."""

import io
import struct
import zipfile
import zlib
from pathlib import Path

LOCAL_HEADER, CENTRAL_HEADER = b"PK\x03\x04", b"PK\x01\x02"


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def patch_member(
    data: bytes,
    name: str,
    *,
    flags: int | None = None,
    method: int | None = None,
    size: int | None = None,
) -> bytes:
    """Rewrite the named member's general-purpose flags, compression method or unpacked size,
    in both its local header and its central directory entry."""
    patched = bytearray(data)
    encoded = name.encode()
    for signature, name_at, flags_at, method_at, size_at in (
        (LOCAL_HEADER, 30, 6, 8, 22),
        (CENTRAL_HEADER, 46, 8, 10, 24),
    ):
        start = 0
        while (start := patched.find(signature, start)) != -1:
            if patched[start + name_at : start + name_at + len(encoded)] == encoded:
                if flags is not None:
                    struct.pack_into("<H", patched, start + flags_at, flags)
                if method is not None:
                    struct.pack_into("<H", patched, start + method_at, method)
                if size is not None:
                    struct.pack_into("<I", patched, start + size_at, size)
            start += 4
    return bytes(patched)


def deflated_spaces(megabytes: int) -> bytes:
    """A raw deflate stream of that many megabytes of spaces: about 1 KB per megabyte."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = b" " * (1 << 20)
    return b"".join(compressor.compress(block) for _ in range(megabytes)) + compressor.flush()


def bomb_zip(name: str, megabytes: int, *, claimed_size: int = 100) -> bytes:
    """A member whose header says `claimed_size` bytes but which inflates to `megabytes` MB."""
    stream = deflated_spaces(megabytes)
    data = zip_bytes({name: stream}, method=zipfile.ZIP_STORED)
    return patch_member(data, name, method=zipfile.ZIP_DEFLATED, size=claimed_size)


def sparse_file(path: Path, size: int, tail: bytes = b"") -> Path:
    """A file of `size` bytes that takes no disk space, ending with `tail`."""
    with path.open("wb") as handle:
        handle.truncate(size)
        if tail:
            handle.seek(size)
            handle.write(tail)
    return path
