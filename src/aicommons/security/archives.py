"""Members of zip and tar archives as byte sources, read the way loaders read them.

Zip member data is located through the member's own local header, and read raw: no CRC check and no refusal on
flag bits, since PyTorch's reader ignores both and scanners that stopped there were bypassed (shared reference
trust.md section 5). Stored members are regions of the archive (no copy); compressed ones inflate on demand.
"""

from __future__ import annotations

import struct
import tarfile
import zipfile
from dataclasses import dataclass, field
from typing import Iterator

from .findings import Severity
from .sources import BZIP2, DEFLATE, ZIP_LZMA, Inflating, Region, RegionReader

_ZIP_CODECS = {zipfile.ZIP_DEFLATED: DEFLATE, zipfile.ZIP_BZIP2: BZIP2, zipfile.ZIP_LZMA: ZIP_LZMA}


class ArchiveError(Exception):
    """The archive's own structure cannot be read."""


@dataclass
class Member:
    name: str
    source: Region | Inflating | None  # None: content unreachable (see problems)
    problems: list[tuple[str, Severity, str]] = field(default_factory=list)


def unsafe_path(name: str) -> bool:
    """Absolute paths and '..' components let an extracting tool write outside its target folder."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in parts


def zip_members(region: Region) -> Iterator[Member]:
    try:
        with zipfile.ZipFile(RegionReader(region)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, struct.error) as exc:
        raise ArchiveError(f"zip central directory cannot be read: {exc}") from None
    for info in infos:
        yield _zip_member(region, info)


def _zip_member(region: Region, info: zipfile.ZipInfo) -> Member:
    member = Member(info.filename, None)
    if unsafe_path(info.filename):
        member.problems.append(("archive.unsafe-path", Severity.SUSPICIOUS,
                                "member path escapes the extraction folder (absolute or '..')"))
    local = region.read(info.header_offset, 30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        member.problems.append(("archive.corrupt", Severity.INVALID, "member's local header is missing"))
        return member
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    if start + info.compress_size > region.size:
        member.problems.append(("archive.corrupt", Severity.INVALID, "member data runs past the end of the archive"))
        return member
    raw = region.sub(start, info.compress_size)
    encrypted = info.flag_bits & 0x1
    if encrypted:
        member.problems.append(("archive.encrypted", Severity.SUSPICIOUS,
                                "member is flagged as encrypted: its real content cannot be verified"))
    if info.compress_type == zipfile.ZIP_STORED:
        member.source = raw
    elif info.compress_type in _ZIP_CODECS and not encrypted:
        member.source = Inflating(_ZIP_CODECS[info.compress_type], raw, info.file_size)
    elif not encrypted:
        member.problems.append(("archive.unsupported", Severity.SUSPICIOUS,
                                f"member uses compression method {info.compress_type}, which cannot be verified"))
    return member


def tar_members(region: Region) -> Iterator[Member]:
    try:
        archive = tarfile.open(fileobj=RegionReader(region), mode="r:")
        for info in archive:
            member = Member(info.name, None)
            if unsafe_path(info.name):
                member.problems.append(("archive.unsafe-path", Severity.SUSPICIOUS,
                                        "member path escapes the extraction folder (absolute or '..')"))
            if info.issym() or info.islnk():
                if unsafe_path(info.linkname):
                    member.problems.append(("archive.unsafe-link", Severity.SUSPICIOUS,
                                            f"link points outside the extraction folder: {info.linkname}"))
            elif info.ischr() or info.isblk() or info.isfifo():
                member.problems.append(("archive.special-file", Severity.SUSPICIOUS,
                                        "device or FIFO entry, which extraction would create"))
            elif info.isreg():
                if info.offset_data + info.size > region.size:
                    member.problems.append(("archive.corrupt", Severity.INVALID,
                                            "member data runs past the end of the archive"))
                else:
                    member.source = region.sub(info.offset_data, info.size)
            yield member
    except (tarfile.TarError, OSError, EOFError, ValueError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"tar archive cannot be read: {exc}") from None
