"""Byte sources the scanner reads without copying: regions of a memory map or a bytes object, and compressed
streams that are inflated only as far as a check needs, under the scan's size and ratio limits."""

from __future__ import annotations

import bz2
import io
import lzma
import mmap
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

IN_CHUNK = 1 << 20
OUT_CHUNK = 1 << 20


class LimitExceeded(Exception):
    """Inflating would pass a scan limit (decompression bomb, or simply too big to verify)."""


class CorruptStream(Exception):
    """A compressed stream that cannot be inflated (bad data or truncated)."""


class Region:
    """Bytes [start, end) of a buffer that supports indexing, slicing and find (bytes or mmap)."""

    __slots__ = ("buf", "start", "end")

    def __init__(self, buf, start: int = 0, end: int | None = None):
        self.buf = buf
        self.start = start
        self.end = len(buf) if end is None else end

    @property
    def size(self) -> int:
        return self.end - self.start

    def head(self, n: int) -> bytes:
        return self.buf[self.start : min(self.start + n, self.end)]

    def read(self, offset: int, n: int) -> bytes:
        """Up to n bytes at offset (relative to the region), never past its end."""
        a = self.start + offset
        return self.buf[a : min(a + n, self.end)]

    def sub(self, offset: int, size: int) -> Region:
        start = self.start + offset
        return Region(self.buf, start, min(start + size, self.end))

    def bytes(self) -> bytes:
        return self.buf[self.start : self.end]

    def materialize(self, budget: Budget) -> Region:
        return self


class RegionReader(io.RawIOBase):
    """A read-only seekable file over a region, for zipfile and tarfile."""

    def __init__(self, region: Region):
        super().__init__()
        self.region = region
        self.pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.region.size}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = self.region.size - self.pos
        data = self.region.read(self.pos, n) if self.pos < self.region.size else b""
        self.pos += len(data)
        return data

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


@dataclass(frozen=True)
class Codec:
    """How to inflate one kind of stream. ``new`` makes a decompressor with the bz2/lzma interface
    (decompress(data, max_length), needs_input, eof, unused_data); ``magic`` starts each further stream of a
    multi-stream file (gzip members, bz2 and xz streams)."""

    name: str
    new: Callable[[], object]
    magic: bytes = b""


class _ZlibAdapter:
    """zlib's decompressor with the bz2/lzma interface (it keeps unread input itself as unconsumed_tail)."""

    def __init__(self, wbits: int):
        self._d = zlib.decompressobj(wbits)

    @property
    def needs_input(self) -> bool:
        return not self._d.unconsumed_tail

    @property
    def eof(self) -> bool:
        return self._d.eof

    @property
    def unused_data(self) -> bytes:
        return self._d.unused_data

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if not data:
            data = self._d.unconsumed_tail
        return self._d.decompress(data, max_length)


def _zip_lzma() -> object:
    """LZMA as stored in zip members: a 4-byte header (version, properties size), properties, raw LZMA1 data."""

    class _ZipLzma:
        def __init__(self):
            self._d = None
            self._pending = b""
            self.unused_data = b""

        @property
        def needs_input(self):
            return self._d is None or self._d.needs_input

        @property
        def eof(self):
            return self._d is not None and self._d.eof

        def decompress(self, data, max_length):
            if self._d is None:
                self._pending += data
                if len(self._pending) < 4:
                    return b""
                psize = int.from_bytes(self._pending[2:4], "little")
                if len(self._pending) < 4 + psize:
                    return b""
                props = self._pending[4 : 4 + psize]
                # the same (private) helper zipfile uses to read these properties
                flt = lzma._decode_filter_properties(lzma.FILTER_LZMA1, props)
                self._d = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[flt])
                data, self._pending = self._pending[4 + psize :], b""
            out = self._d.decompress(data, max_length)
            self.unused_data = self._d.unused_data
            return out

    return _ZipLzma()


ZLIB = Codec("zlib", lambda: _ZlibAdapter(15))
DEFLATE = Codec("deflate", lambda: _ZlibAdapter(-15))
GZIP = Codec("gzip", lambda: _ZlibAdapter(31), b"\x1f\x8b")
BZIP2 = Codec("bzip2", bz2.BZ2Decompressor, b"BZh")
XZ = Codec("xz", lambda: lzma.LZMADecompressor(lzma.FORMAT_XZ), b"\xfd7zXZ\x00")
LZMA_ALONE = Codec("lzma", lambda: lzma.LZMADecompressor(lzma.FORMAT_ALONE))
ZIP_LZMA = Codec("lzma", _zip_lzma)


def lz4_codec() -> Codec | None:
    """lz4 frames, when the optional lz4 package is installed (joblib's lz4 compression needs it too)."""
    try:
        import lz4.frame
    except ImportError:
        return None
    return Codec("lz4", lz4.frame.LZ4FrameDecompressor, b"\x04\x22\x4d\x18")


class Budget:
    """Limits shared by everything inflated while scanning one file: total inflated bytes, inflation ratio
    (checked once a stream passes ratio_floor bytes), and when to spill inflated data to a temporary file."""

    def __init__(self, max_bytes: int, max_ratio: int, ratio_floor: int, spool_threshold: int):
        self.max_bytes = max_bytes
        self.max_ratio = max_ratio
        self.ratio_floor = ratio_floor
        self.spool_threshold = spool_threshold
        self.used = 0
        self._maps: list[mmap.mmap] = []

    def charge(self, produced: int, stream_out: int, stream_in: int) -> None:
        self.used += produced
        if self.used > self.max_bytes:
            raise LimitExceeded(f"inflating passes the limit of {self.max_bytes} bytes per scanned file")
        if stream_out > self.ratio_floor and stream_out > self.max_ratio * max(stream_in, 1):
            raise LimitExceeded(
                f"inflation ratio above {self.max_ratio}:1 ({stream_out} bytes from {stream_in}): decompression bomb"
            )

    def keep(self, m: mmap.mmap) -> None:
        self._maps.append(m)

    def close(self) -> None:
        for m in self._maps:
            m.close()
        self._maps.clear()


def _inflate(codec: Codec, src: Region, budget: Budget | None, want: int | None):
    """Yield inflated chunks of src; stop after `want` bytes when given. Raises CorruptStream, LimitExceeded."""
    pos, total, n = 0, 0, src.size
    while True:
        d = codec.new()
        stream_in_start, stream_out = pos, 0
        while not d.eof:
            data = b""
            if d.needs_input:
                if pos >= n:
                    raise CorruptStream(f"{codec.name} stream is truncated")
                data = src.read(pos, IN_CHUNK)
                pos += len(data)
            try:
                out = d.decompress(data, OUT_CHUNK)
            except (zlib.error, OSError, lzma.LZMAError, EOFError, ValueError, RuntimeError) as exc:
                raise CorruptStream(f"{codec.name} stream is corrupt: {exc}") from None
            if out:
                total += len(out)
                stream_out += len(out)
                if budget is not None:
                    budget.charge(len(out), stream_out, pos - stream_in_start)
                yield out
                if want is not None and total >= want:
                    return
        pos -= len(d.unused_data)
        if not codec.magic or src.read(pos, len(codec.magic)) != codec.magic:
            return


class Inflating:
    """A compressed stream seen as the bytes it inflates to. ``head`` inflates just enough for a sniff;
    ``materialize`` inflates everything into memory, or a temporary memory-mapped file past the spool threshold."""

    def __init__(self, codec: Codec, compressed: Region, declared_size: int | None = None):
        self.codec = codec
        self.compressed = compressed
        self.declared_size = declared_size
        self._full: Region | None = None

    @property
    def size(self) -> int | None:
        return self._full.size if self._full is not None else self.declared_size

    def head(self, n: int) -> bytes:
        if self._full is not None:
            return self._full.head(n)
        try:
            return b"".join(_inflate(self.codec, self.compressed, None, n))[:n]
        except (CorruptStream, LimitExceeded):
            return b""

    def materialize(self, budget: Budget) -> Region:
        """Inflate all; on a limit or corruption the exception carries what was inflated so far as .partial."""
        if self._full is not None:
            return self._full
        spool: BinaryIO = io.BytesIO()
        size, spilled = 0, False
        try:
            for chunk in _inflate(self.codec, self.compressed, budget, None):
                size += len(chunk)
                if not spilled and size > budget.spool_threshold:
                    spilled_file = tempfile.TemporaryFile()
                    spilled_file.write(spool.getbuffer())
                    spool, spilled = spilled_file, True
                spool.write(chunk)
        except (CorruptStream, LimitExceeded) as exc:
            exc.partial = self._finish(spool, spilled, size, budget)
            raise
        self._full = self._finish(spool, spilled, size, budget)
        return self._full

    @staticmethod
    def _finish(spool, spilled: bool, size: int, budget: Budget) -> Region:
        if not spilled:
            return Region(spool.getvalue())
        spool.flush()
        m = mmap.mmap(spool.fileno(), size, access=mmap.ACCESS_READ) if size else b""
        spool.close()
        if size:
            budget.keep(m)
        return Region(m)
