"""Scan files by content: recognise each layer by its magic bytes, descend into archives and compressed
streams within the limits, and rate every pickle, safetensors header, GGUF header and chat template found."""

from __future__ import annotations

import json
import mmap
import os
from dataclasses import dataclass
from pathlib import Path

from . import archives
from .findings import Finding, ScanResult, Severity, verdict_of
from .gguf_check import check_gguf
from .npy_check import NpyError, header_length, parse_header
from .pickle_walker import FIRST_OPCODES, PickleWalker
from .rules import Rules, load_rules
from .safetensors_check import check_safetensors
from .sniff import KINDS, SNIFF_BYTES, sniff
from .sources import (
    BZIP2,
    GZIP,
    LZMA_ALONE,
    XZ,
    ZLIB,
    Budget,
    CorruptStream,
    Inflating,
    LimitExceeded,
    Region,
    lz4_codec,
)
from .templates import check_chat_template

SMALL_FILE = 1 << 16  # read with a single call
READ_WHOLE_BELOW = 1 << 20  # smaller files are read; larger ones are memory-mapped
FILE, MEMBER, LOADER = "file", "member", "loader"  # what a layer is to its loader (see _Scan.scan)
TORCH_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C  # first pickle of a legacy (non-zip) torch.save file
MAX_TEMPLATE_TEXT = 1 << 20
MAX_JSON_TEXT = 64 << 20


@dataclass(frozen=True)
class ScanLimits:
    max_depth: int = 8  # nested archive and compression layers
    max_inflated_bytes: int = 8 << 30  # everything inflated while scanning one file
    max_ratio: int = 200  # inflated : compressed, checked once a stream passes ratio_floor
    ratio_floor: int = 64 << 20
    max_members: int = 200_000  # archive members examined per file, all levels together
    spool_threshold: int = 64 << 20  # inflated data beyond this goes to a temporary memory-mapped file


def join(parent: str | None, name: str) -> str:
    return f"{parent}::{name}" if parent else name


class _Scan:
    """One file's scan: its findings, and the budgets its nested layers share."""

    def __init__(self, rules: Rules, limits: ScanLimits):
        self.rules = rules
        self.limits = limits
        self.findings: list[Finding] = []
        self.members_left = limits.max_members
        self._budget: Budget | None = None

    @property
    def budget(self) -> Budget:
        """Created on first use: most files inflate nothing."""
        if self._budget is None:
            limits = self.limits
            self._budget = Budget(limits.max_inflated_bytes, limits.max_ratio, limits.ratio_floor,
                                  limits.spool_threshold)
        return self._budget

    def close(self) -> None:
        if self._budget is not None:
            self._budget.close()

    def add(self, rule: str, severity: Severity, message: str, member: str | None,
            offset: int | None = None, name: str | None = None) -> None:
        self.findings.append(Finding(rule, severity, message, name, member, offset))

    # -- dispatch ----------------------------------------------------------------------------------------------

    def scan(self, src: Region | Inflating, member: str | None, depth: int, mode: str = FILE) -> str:
        """Scan one layer; returns the format it was recognised as.

        mode FILE: a whole file or stream, where a pickle header means a pickle (whose parse errors matter).
        MEMBER: an archive member that a loader does not unpickle (tensor bytes may start like a pickle).
        LOADER: the member a loader unpickles (torch's data.pkl), which must parse whatever it starts with."""
        kind = sniff(src.head(SNIFF_BYTES))
        if kind == "pickle" and mode == MEMBER:
            kind = "other"
        try:
            return _HANDLERS[kind](self, src, member, depth, mode)
        except Exception as exc:  # a scanner bug or an input nobody foresaw must not pass as safe
            self.add("scanner.error", Severity.INVALID, f"could not be scanned: {type(exc).__name__}: {exc}", member)
            return kind

    def _region(self, src: Region | Inflating, member: str | None) -> Region:
        if type(src) is Region:
            return src
        try:
            return src.materialize(self.budget)
        except LimitExceeded as exc:
            self.add("archive.decompression-limit", Severity.INVALID, f"{exc}; the rest is not verified", member)
            return exc.partial
        except CorruptStream as exc:
            self.add("archive.corrupt-stream", Severity.INVALID, str(exc), member)
            return exc.partial

    def _descend(self, depth: int, member: str | None) -> bool:
        if depth >= self.limits.max_depth:
            self.add("archive.too-deep", Severity.INVALID,
                     f"archives nested more than {self.limits.max_depth} levels deep are not verified", member)
            return False
        return True

    # -- pickles -----------------------------------------------------------------------------------------------

    def _walk(self, region: Region, member: str | None, depth: int, strict: bool):
        def nested(start: int, end: int, at: int) -> None:
            if self._descend(depth, member):
                self.scan(Region(region.buf, start, end), join(member, f"[bytes@{at - region.start}]"), depth + 1)

        result = PickleWalker(region.buf, region.start, region.end, self.rules.globals, member, nested).walk(strict)
        self.findings.extend(result.findings)
        if result.error is not None:
            self.add("pickle.parse-error", Severity.INVALID,
                     f"pickle stops parsing: {result.error.message}; a loader fails here, after running what "
                     "came before", member, result.error.offset - region.start)
        return result

    def _pickle(self, src, member, depth, mode) -> str:
        result = self._walk(self._region(src, member), member, depth, strict=True)
        if result.first_value == TORCH_MAGIC_NUMBER:
            return "pytorch-legacy"
        return "joblib" if result.saw_joblib else "pickle"

    def _other(self, src, member, depth, mode) -> str:
        region = self._region(src, member)
        if region.size and region.buf[region.start] in FIRST_OPCODES:  # else the unpickler fails at once
            result = self._walk(region, member, depth, strict=mode == LOADER)
            if result.pickles or result.error is not None:
                return "joblib" if result.saw_joblib else "pickle"
        if mode == FILE and depth < self.limits.max_depth and archives.has_zip_end(region):
            # zip readers start from the end, so bytes in front (a self-extractor stub, a polyglot) hide nothing
            try:
                entries = list(archives.zip_members(region))
            except archives.ArchiveError:
                entries = []  # a stray signature, not a zip
            if entries:
                return "prefixed-" + self._zip_entries(entries, member, depth)
        if b"\x00" in region.head(512):  # most binary data shows a NUL early: spare reading more
            return "data"
        head = region.head(8192)
        if b"\x00" in head or not _is_utf8_prefix(head):
            return "data"
        if b"{" in head or region.size > len(head):  # JSON and Jinja both need braces
            self._check_text_templates(region, member)
        return "text"

    # -- text carrying chat templates ----------------------------------------------------------------------------

    def _check_text_templates(self, region: Region, member: str | None) -> None:
        """tokenizer_config.json-style chat_template keys, or a standalone chat template."""
        if region.size <= MAX_JSON_TEXT and region.head(64).lstrip().startswith(b"{"):
            if region.buf.find(b"chat_template", region.start, region.end) >= 0:
                try:
                    document = json.loads(region.bytes())
                except (ValueError, RecursionError):
                    document = None
                if document is not None:
                    for where, template in _json_chat_templates(document):
                        self.findings.extend(check_chat_template(template, self.rules.templates, where, member, None))
                    return
        if region.size <= MAX_TEMPLATE_TEXT:
            data = region.bytes()
            if (b"{{" in data or b"{%" in data) and b"messages" in data:
                text = data.decode("utf-8", "replace")
                self.findings.extend(check_chat_template(text, self.rules.templates, "chat template", member, None))

    # -- archives ------------------------------------------------------------------------------------------------

    def _members(self, members, member, depth, container: str) -> None:
        for entry in members:
            path = join(member, entry.name)
            if self.members_left <= 0:
                self.add("archive.member-limit", Severity.INVALID,
                         f"more than {self.limits.max_members} archive members: the rest are not verified", member)
                return
            self.members_left -= 1
            for rule, severity, message in entry.problems or ():
                self.add(rule, severity, message, path)
            if entry.source is not None:
                self.scan(entry.source, path, depth + 1,
                          LOADER if self._is_loader_pickle(container, entry.name) else MEMBER)

    @staticmethod
    def _is_loader_pickle(container: str, name: str) -> bool:
        """The member torch.load unpickles (<archive>/data.pkl); other members only matter if they hold code."""
        return container == "pytorch-zip" and (name == "data.pkl" or name.endswith("/data.pkl"))

    def _zip(self, src, member, depth, mode) -> str:
        if not self._descend(depth, member):
            return "zip"
        region = self._region(src, member)
        try:
            entries = list(archives.zip_members(region))
        except archives.ArchiveError as exc:
            self.add("archive.corrupt", Severity.INVALID, str(exc), member)
            return "zip"
        return self._zip_entries(entries, member, depth)

    def _zip_entries(self, entries: list, member: str | None, depth: int) -> str:
        names = [e.name for e in entries]
        kind = "zip"
        if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
            kind = "pytorch-zip"
        elif names and all(n.endswith(".npy") for n in names):
            kind = "npz"
        self._members(entries, member, depth, kind)
        return kind

    def _tar(self, src, member, depth, mode) -> str:
        if not self._descend(depth, member):
            return "tar"
        try:
            self._members(archives.tar_members(self._region(src, member)), member, depth, "tar")
        except archives.ArchiveError as exc:
            self.add("archive.corrupt", Severity.INVALID, str(exc), member)
        return "tar"

    def _compressed(self, codec, src, member, depth) -> str:
        """A single compressed stream: what it inflates to is a whole file of its own."""
        if self._descend(depth, member):
            path = join(member, f"[{codec.name}]")
            inflated = self._region(Inflating(codec, self._region(src, member)), path)
            return f"{codec.name}/{self.scan(inflated, path, depth + 1)}"
        return codec.name

    def _gzip(self, src, member, depth, mode) -> str:
        return self._compressed(GZIP, src, member, depth)

    def _bzip2(self, src, member, depth, mode) -> str:
        return self._compressed(BZIP2, src, member, depth)

    def _xz(self, src, member, depth, mode) -> str:
        return self._compressed(XZ, src, member, depth)

    def _maybe_lzma(self, src, member, depth, mode) -> str:
        return self._maybe_compressed(LZMA_ALONE, src, member, depth, mode)

    def _maybe_zlib(self, src, member, depth, mode) -> str:
        return self._maybe_compressed(ZLIB, src, member, depth, mode)

    def _maybe_compressed(self, codec, src, member, depth, mode) -> str:
        """Formats recognised on weak evidence count only if their first bytes actually inflate."""
        if Inflating(codec, self._region(src, member)).head(1):
            return self._compressed(codec, src, member, depth)
        return self._other(src, member, depth, mode)

    def _lz4(self, src, member, depth, mode) -> str:
        codec = lz4_codec()
        if codec is None:
            self.add("archive.unsupported", Severity.SUSPICIOUS,
                     "lz4 stream (joblib lz4 compression) not verified: the lz4 package is not installed", member)
            return "lz4"
        return self._compressed(codec, src, member, depth)

    def _unsupported(self, label: str, member: str | None) -> str:
        self.add("archive.unsupported", Severity.SUSPICIOUS,
                 f"{label} content cannot be opened by the scanner, so it is not verified", member)
        return label

    def _zstd(self, src, member, depth, mode) -> str:
        return self._unsupported("zstd", member)

    def _seven_zip(self, src, member, depth, mode) -> str:
        return self._unsupported("7z", member)

    def _rar(self, src, member, depth, mode) -> str:
        return self._unsupported("rar", member)

    # -- tensor formats ------------------------------------------------------------------------------------------

    def _npy(self, src, member, depth, mode) -> str:
        try:
            end = header_length(src.head(12))
            header = parse_header(src.head(end))
        except NpyError as exc:
            self.add("numpy.header", Severity.INVALID, exc.message, member, exc.offset)
            return "npy"
        if header.has_object:
            self.add("numpy.object-array", Severity.INFO,
                     "object array: numpy unpickles it (allow_pickle=True); the pickle is checked below", member)
            region = self._region(src, member)
            self._walk(region.sub(header.data_offset, region.size), member, depth, strict=True)
            return "npy"
        size = src.size
        if size is not None and size != header.data_offset + header.nbytes:
            self.add("numpy.size", Severity.INVALID,
                     f"array data is {size - header.data_offset} bytes, the header describes {header.nbytes}",
                     member, header.data_offset)
        return "npy"

    def _safetensors(self, src, member, depth, mode) -> str:
        region = self._region(src, member)
        self.findings.extend(check_safetensors(region, self.rules.formats["safetensors"], member))
        return "safetensors"

    def _gguf(self, src, member, depth, mode) -> str:
        region = self._region(src, member)
        self.findings.extend(check_gguf(region, self.rules.formats["gguf"], self.rules.templates, member))
        return "gguf"

    def _empty(self, src, member, depth, mode) -> str:
        return "empty"


_HANDLERS = {name[1:].replace("_", "-"): method for name, method in vars(_Scan).items()
             if name.startswith("_") and name[1:].replace("_", "-") in KINDS}


def _is_utf8_prefix(data: bytes) -> bool:
    """UTF-8, allowing a character cut off at the end of the sample."""
    if data.isascii():
        return True
    for cut in range(4):
        try:
            data[: len(data) - cut].decode("utf-8")
            return True
        except UnicodeDecodeError as exc:
            if exc.start < len(data) - 4:
                return False
    return False


def _json_chat_templates(document) -> list[tuple[str, str]]:
    """chat_template as a string, or a list of {name, template} (tokenizer_config.json forms)."""
    if not isinstance(document, dict):
        return []
    value = document.get("chat_template")
    if isinstance(value, str):
        return [("chat_template", value)]
    if isinstance(value, list):
        return [(f"chat_template[{item.get('name', i)}]", item["template"]) for i, item in enumerate(value)
                if isinstance(item, dict) and isinstance(item.get("template"), str)]
    return []


# -- public API ----------------------------------------------------------------------------------------------------


def _result(path: str, scan: _Scan, kind: str) -> ScanResult:
    return ScanResult(path, verdict_of(scan.findings), scan.findings, kind)


def scan_bytes(data: bytes, path: str = "<bytes>", limits: ScanLimits = ScanLimits()) -> ScanResult:
    """Scan content held in memory."""
    scan = _Scan(load_rules(), limits)
    try:
        kind = scan.scan(Region(data), None, 0)
    finally:
        scan.close()
    return _result(path, scan, kind)


def scan_file(path: str | os.PathLike, limits: ScanLimits = ScanLimits()) -> ScanResult:
    """Scan one file. Large files are memory-mapped, never read whole."""
    name = os.fspath(path)
    scan = _Scan(load_rules(), limits)
    try:
        fd = os.open(name, os.O_RDONLY)
        try:
            data = os.read(fd, SMALL_FILE)
            if len(data) < SMALL_FILE:  # a regular file returns less only at its end: the whole file
                kind = scan.scan(Region(data), None, 0)
            elif os.fstat(fd).st_size < READ_WHOLE_BELOW:
                kind = scan.scan(Region(_read_all(fd, data)), None, 0)
            else:
                with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as mapped:
                    kind = scan.scan(Region(mapped), None, 0)
        finally:
            os.close(fd)
    except OSError as exc:
        scan.add("scanner.unreadable", Severity.INVALID, f"cannot read the file: {exc.strerror or exc}", None)
        kind = "unknown"
    finally:
        scan.close()
    return _result(name, scan, kind)


def _read_all(fd: int, start: bytes) -> bytes:
    chunks = [start]
    while chunk := os.read(fd, READ_WHOLE_BELOW):
        chunks.append(chunk)
    return b"".join(chunks)


def scan_path(path: str | os.PathLike, limits: ScanLimits = ScanLimits()) -> list[ScanResult]:
    """Scan a file, or every file under a folder (recursively, in name order; symlinked folders not followed)."""
    root = Path(path)
    if not root.is_dir():
        return [scan_file(root, limits)]
    return [scan_file(file, limits) for file in _files_under(root)]


def _files_under(folder: Path):
    with os.scandir(folder) as entries:
        ordered = sorted(entries, key=lambda e: e.name)
    for entry in ordered:
        if entry.is_dir(follow_symlinks=False):
            yield from _files_under(Path(entry.path))
        elif entry.is_file():
            yield Path(entry.path)
