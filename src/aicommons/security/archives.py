"""Members of zip and tar archives as byte sources, read the way loaders read them.

The zip central directory is parsed here rather than with zipfile: member data is located through each member's
own local header and read raw, with no CRC check and no refusal on flag bits, since PyTorch's reader ignores both
and scanners that stopped there were bypassed (shared reference trust.md section 5); and it reads a checkpoint's
directory without building objects it does not need. Stored members are regions of the archive (no copy);
compressed ones inflate on demand.
"""

from __future__ import annotations

import struct
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass

from .findings import Severity
from .sources import BZIP2, DEFLATE, ZIP_LZMA, Inflating, Region, RegionReader

_ZIP_CODECS = {8: DEFLATE, 12: BZIP2, 14: ZIP_LZMA}  # APPNOTE compression method ids


class ArchiveError(Exception):
    """The archive's own structure cannot be read."""


@dataclass(slots=True)
class Member:
    name: str
    source: Region | Inflating | None = None  # None: content unreachable (see problems)
    problems: list[tuple[str, Severity, str]] | None = None

    def problem(self, rule: str, severity: Severity, message: str) -> None:
        if self.problems is None:
            self.problems = []
        self.problems.append((rule, severity, message))


def unsafe_path(name: str) -> bool:
    """Absolute paths and '..' components let an extracting tool write outside its target folder."""
    if name.startswith(("/", "\\")) or name[1:2] == ":":
        return True
    return ".." in name and ".." in name.replace("\\", "/").split("/")


_EOCD = struct.Struct("<4sHHHHIIH")
_ZIP64_LOCATOR = struct.Struct("<4sIQI")
_ZIP64_EOCD = struct.Struct("<4sQHHIIQQQQ")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")


def has_zip_end(region: Region) -> bool:
    """Whether an end-of-central-directory record sits where zip readers look for one."""
    tail_start = max(0, region.size - _EOCD.size - 0xFFFF)
    return region.buf.rfind(b"PK\x05\x06", region.start + tail_start, region.end) >= 0


def zip_members(region: Region) -> Iterator[Member]:
    """Members listed by the central directory (APPNOTE.TXT 4.3.12-4.3.16, with zip64), as PyTorch's reader
    sees them."""
    size = region.size
    tail_start = max(0, size - _EOCD.size - 0xFFFF)
    tail = region.read(tail_start, size - tail_start)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _EOCD.size > len(tail):
        raise ArchiveError("zip end-of-central-directory record not found")
    eocd = tail_start + at
    _, _, _, _, count, cd_size, cd_offset, _ = _EOCD.unpack(tail[at : at + _EOCD.size])
    cd_end = eocd
    locator = region.read(eocd - _ZIP64_LOCATOR.size, _ZIP64_LOCATOR.size) if eocd >= _ZIP64_LOCATOR.size else b""
    if locator[:4] == b"PK\x06\x07":  # zip64 end records (PyTorch always writes them) hold the real values
        cd_end = eocd - _ZIP64_LOCATOR.size - _ZIP64_EOCD.size  # the record, right before the locator
        record = region.read(cd_end, _ZIP64_EOCD.size) if cd_end >= 0 else b""
        if record[:4] != b"PK\x06\x06":
            raise ArchiveError("zip64 end-of-central-directory record missing")
        count, cd_size, cd_offset = _ZIP64_EOCD.unpack(record)[7:10]
    elif count == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        raise ArchiveError("zip64 end-of-central-directory locator missing")
    base = cd_end - cd_size - cd_offset  # bytes prepended to the archive (self-extractors), usually 0
    if base < 0 or cd_end - cd_size < 0:
        raise ArchiveError("zip central directory lies outside the file")
    directory = region.read(cd_end - cd_size, cd_size)
    pos = 0
    for index in range(count):
        if pos + _CENTRAL.size > len(directory) or directory[pos : pos + 4] != b"PK\x01\x02":
            raise ArchiveError(f"zip central directory entry {index} is corrupt")
        (_, _, _, flags, method, _, _, _, csize, usize, name_len, extra_len, comment_len, _, _, _,
         offset) = _CENTRAL.unpack_from(directory, pos)
        pos += _CENTRAL.size
        raw_name = directory[pos : pos + name_len]
        if 0xFFFFFFFF in (usize, csize, offset):
            usize, csize, offset = _zip64_sizes(directory[pos + name_len : pos + name_len + extra_len],
                                                usize, csize, offset)
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", "replace")
        pos += name_len + extra_len + comment_len
        yield _zip_member(region, name, flags, method, csize, usize, base + offset)


def _zip64_sizes(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    """Replace 0xFFFFFFFF placeholders with the values of the zip64 extra field (id 1), in its fixed order."""
    at = 0
    while at + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, at)
        if tag == 1:
            values = iter(struct.unpack_from(f"<{min(length, len(extra) - at - 4) // 8}Q", extra, at + 4))
            usize = next(values, usize) if usize == 0xFFFFFFFF else usize
            csize = next(values, csize) if csize == 0xFFFFFFFF else csize
            offset = next(values, offset) if offset == 0xFFFFFFFF else offset
            return usize, csize, offset
        at += 4 + length
    raise ArchiveError("zip64 sizes missing from a central directory entry")


def _zip_member(region: Region, name: str, flags: int, method: int, compressed_size: int, size: int,
                header_offset: int) -> Member:
    member = Member(name)
    if unsafe_path(name):
        member.problem("archive.unsafe-path", Severity.SUSPICIOUS,
                       "member path escapes the extraction folder (absolute or '..')")
    local = region.read(header_offset, 30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        member.problem("archive.corrupt", Severity.INVALID, "member's local header is missing")
        return member
    name_len, extra_len = struct.unpack_from("<HH", local, 26)
    start = header_offset + 30 + name_len + extra_len
    if start + compressed_size > region.size:
        member.problem("archive.corrupt", Severity.INVALID, "member data runs past the end of the archive")
        return member
    raw = region.sub(start, compressed_size)
    encrypted = flags & 0x1
    if encrypted:
        member.problem("archive.encrypted", Severity.SUSPICIOUS,
                       "member is flagged as encrypted: its real content cannot be verified")
    if method == 0:
        member.source = raw
    elif method in _ZIP_CODECS and not encrypted:
        member.source = Inflating(_ZIP_CODECS[method], raw, size)
    elif not encrypted:
        member.problem("archive.unsupported", Severity.SUSPICIOUS,
                       f"member uses compression method {method}, which cannot be verified")
    return member


def tar_members(region: Region) -> Iterator[Member]:
    try:
        archive = tarfile.open(fileobj=RegionReader(region), mode="r:")
        for info in archive:
            member = Member(info.name, None)
            if unsafe_path(info.name):
                member.problem("archive.unsafe-path", Severity.SUSPICIOUS,
                               "member path escapes the extraction folder (absolute or '..')")
            if info.issym() or info.islnk():
                if unsafe_path(info.linkname):
                    member.problem("archive.unsafe-link", Severity.SUSPICIOUS,
                                   f"link points outside the extraction folder: {info.linkname}")
            elif info.ischr() or info.isblk() or info.isfifo():
                member.problem("archive.special-file", Severity.SUSPICIOUS,
                               "device or FIFO entry, which extraction would create")
            elif info.isreg():
                if info.offset_data + info.size > region.size:
                    member.problem("archive.corrupt", Severity.INVALID,
                                   "member data runs past the end of the archive")
                else:
                    member.source = region.sub(info.offset_data, info.size)
            yield member
    except (tarfile.TarError, OSError, EOFError, ValueError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"tar archive cannot be read: {exc}") from None
