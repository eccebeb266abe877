"""Zip (PyTorch checkpoints, npz), tar and compressed layers: every member by content, the tricks reported
against other scanners, and the limits that turn bombs into findings."""

import bz2
import gzip
import io
import lzma
import pickle
import struct
import tarfile
import zipfile
import zlib

import pytest
import torch

from aicommons.security import ScanLimits, Verdict, scan_bytes

from .crafted import COMMAND, Evil, rce, zip_bytes


def rules(result):
    return {f.rule_id for f in result.findings}


@pytest.fixture(scope="module")
def checkpoint() -> dict[str, bytes]:
    """The members of a real torch.save zip, to tamper with."""
    out = io.BytesIO()
    torch.save({"w": torch.ones(4), "b": torch.zeros(2)}, out)
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_untouched_checkpoint_is_safe(checkpoint):
    assert scan_bytes(zip_bytes(checkpoint)).verdict is Verdict.SAFE


def test_payload_in_data_pkl(checkpoint):
    prefix = next(n for n in checkpoint if n.endswith("/data.pkl"))
    result = scan_bytes(zip_bytes({**checkpoint, prefix: pickle.dumps(Evil(), protocol=2)}))
    assert result.verdict is Verdict.DANGEROUS
    assert result.findings[0].member == prefix


def test_payload_in_a_tensor_data_member(checkpoint):
    data_member = next(n for n in checkpoint if "/data/" in n)
    result = scan_bytes(zip_bytes({**checkpoint, data_member: pickle.dumps(Evil(), protocol=2)}))
    assert result.verdict is Verdict.DANGEROUS
    assert {f.member for f in result.findings} == {data_member}


def test_payload_under_a_non_standard_member_name_without_magic(checkpoint):
    protocol0 = b"cos\nsystem\n(S'" + COMMAND.encode() + b"'\ntR."  # no PROTO byte, no .pkl name
    result = scan_bytes(zip_bytes({**checkpoint, "archive/extra/notes.txt": protocol0}))
    assert result.verdict is Verdict.DANGEROUS


def test_broken_data_pkl_is_invalid(checkpoint):
    prefix = next(n for n in checkpoint if n.endswith("/data.pkl"))
    result = scan_bytes(zip_bytes({**checkpoint, prefix: checkpoint[prefix][:-3]}))
    assert result.verdict is Verdict.INVALID


def test_tensor_bytes_that_look_like_a_pickle_header_are_data(checkpoint):
    data_member = next(n for n in checkpoint if "/data/" in n)
    result = scan_bytes(zip_bytes({**checkpoint, data_member: b"\x80\x02\x00\x00\x80?\x00\x00\x00@"}))
    assert result.verdict is Verdict.SAFE, result.findings


def test_zip_in_zip():
    inner = zip_bytes({"model/data.pkl": rce()}, zipfile.ZIP_DEFLATED)
    result = scan_bytes(zip_bytes({"readme.txt": b"hello", "nested/inner.zip": inner}))
    assert result.verdict is Verdict.DANGEROUS
    assert result.findings[0].member == "nested/inner.zip::model/data.pkl"


def _set_zip_flag(data: bytes, bit: int) -> bytes:
    """Set a general-purpose flag bit in every local and central header."""
    out = bytearray(data)
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := out.find(signature, start)) >= 0:
            out[start + flag_at] |= bit
            start += 4
    return bytes(out)


def test_encrypted_flag_does_not_hide_a_stored_payload():
    data = _set_zip_flag(zip_bytes({"archive/data.pkl": rce()}), 0x1)
    with pytest.raises(RuntimeError):
        zipfile.ZipFile(io.BytesIO(data)).read("archive/data.pkl")  # what stopped other scanners
    result = scan_bytes(data)
    assert result.verdict is Verdict.DANGEROUS
    assert {"archive.encrypted", "pickle.dangerous-global"} <= rules(result)


def test_bad_crc_does_not_hide_a_payload():
    data = bytearray(zip_bytes({"archive/data.pkl": rce()}))
    crc_at = data.find(b"PK\x01\x02") + 16
    data[crc_at : crc_at + 4] = b"\x00\x00\x00\x00"
    assert scan_bytes(bytes(data)).verdict is Verdict.DANGEROUS


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_compressed_zip_members(method):
    assert scan_bytes(zip_bytes({"x/data.pkl": rce()}, method)).verdict is Verdict.DANGEROUS
    assert scan_bytes(zip_bytes({"x/data.pkl": pickle.dumps([1, 2])}, method)).verdict is Verdict.SAFE


def test_unsafe_member_paths_are_suspicious():
    result = scan_bytes(zip_bytes({"../../etc/cron.d/job": b"* * * * * root true\n"}))
    assert result.verdict is Verdict.SUSPICIOUS
    assert rules(result) == {"archive.unsafe-path"}


def test_corrupt_zip_is_invalid():
    data = zip_bytes({"a.txt": b"hello"})
    assert scan_bytes(data[: len(data) // 2]).verdict is Verdict.INVALID


def test_tar_and_compressed_tar():
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for name, payload in (("weights/model.pkl", pickle.dumps(Evil())), ("readme.md", b"# model\n")):
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    for data in (out.getvalue(), gzip.compress(out.getvalue()), lzma.compress(out.getvalue())):
        result = scan_bytes(data)
        assert result.verdict is Verdict.DANGEROUS
        assert any(f.member.endswith("weights/model.pkl") for f in result.findings)


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lzma.compress, zlib.compress,
                                      lambda d: lzma.compress(d, format=lzma.FORMAT_ALONE)])
def test_single_stream_compression(compress):
    assert scan_bytes(compress(rce())).verdict is Verdict.DANGEROUS
    assert scan_bytes(compress(pickle.dumps({"a": 1}))).verdict is Verdict.SAFE


def test_multi_member_gzip_scans_every_member():
    assert scan_bytes(gzip.compress(pickle.dumps([1])) + gzip.compress(rce())).verdict is Verdict.DANGEROUS


def test_truncated_compressed_stream_is_invalid_but_scanned():
    packed = gzip.compress(rce() + b"\x00" * 100_000)
    result = scan_bytes(packed[:-40])
    assert result.verdict is Verdict.DANGEROUS
    assert "archive.corrupt-stream" in rules(result)


def test_decompression_bomb_is_a_finding():
    limits = ScanLimits(ratio_floor=1 << 20, max_ratio=50)
    bomb = zip_bytes({"a.bin": b"\x00" * (8 << 20)}, zipfile.ZIP_DEFLATED)
    result = scan_bytes(bomb, limits=limits)
    assert result.verdict is Verdict.INVALID
    assert "archive.decompression-limit" in rules(result)
    total = ScanLimits(max_inflated_bytes=1 << 20)
    assert "archive.decompression-limit" in rules(scan_bytes(gzip.compress(b"\x01" * (3 << 20)), limits=total))


def test_nested_zip_quine_like_fanout_hits_the_member_limit():
    layer = zip_bytes({"payload.txt": b"x"})
    for _ in range(3):
        layer = zip_bytes({f"copy{i}.zip": layer for i in range(12)})
    result = scan_bytes(layer, limits=ScanLimits(max_members=500))
    assert "archive.member-limit" in rules(result)


def test_nesting_depth_limit():
    layer = rce()
    for _ in range(5):
        layer = gzip.compress(layer)
    assert "archive.too-deep" in rules(scan_bytes(layer, limits=ScanLimits(max_depth=3)))
    assert scan_bytes(layer).verdict is Verdict.DANGEROUS


def test_formats_that_cannot_be_opened_are_never_safe():
    for magic in (b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07\x00", b"\x28\xb5\x2f\xfd"):
        result = scan_bytes(magic + b"\x00" * 64)
        assert result.verdict is Verdict.SUSPICIOUS
        assert rules(result) == {"archive.unsupported"}


def _zip64_bytes(name: bytes, data: bytes) -> bytes:
    """One stored member whose sizes and offset live only in zip64 extra fields (APPNOTE 4.5.3)."""
    crc, size = zlib.crc32(data), len(data)
    local_extra = struct.pack("<HHQQ", 1, 16, size, size)
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                        len(name), len(local_extra)) + name + local_extra + data
    central_extra = struct.pack("<HHQQQ", 1, 24, size, size, 0)
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 45, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                          len(name), len(central_extra), 0, 0, 0, 0, 0xFFFFFFFF) + name + central_extra
    record_at = len(local) + len(central)
    record = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, 1, 1, len(central), len(local))
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, record_at, 1)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return local + central + record + locator + end


def test_zip64_sizes_and_offsets():
    data = _zip64_bytes(b"archive/data.pkl", rce())
    assert zipfile.ZipFile(io.BytesIO(data)).read("archive/data.pkl") == rce()  # a well-formed zip64 file
    result = scan_bytes(data)
    assert result.verdict is Verdict.DANGEROUS
    assert result.findings[0].member == "archive/data.pkl"


def test_zip_with_a_prefix_like_a_self_extractor():
    data = b"#!/bin/sh\nexit 0\n" + zip_bytes({"payload.pkl": rce()})
    assert scan_bytes(data).verdict is Verdict.DANGEROUS


def test_the_pickle_torch_loads_must_parse_even_without_a_protocol_header(checkpoint):
    prefix = next(n for n in checkpoint if n.endswith("/data.pkl"))
    broken_protocol0 = b"(lp0\nI1\na"  # protocol 0, cut before STOP
    result = scan_bytes(zip_bytes({**checkpoint, prefix: broken_protocol0}))
    assert result.verdict is Verdict.INVALID
    assert {f.member for f in result.findings} == {prefix}


def test_text_mentioning_the_zip_end_signature_is_not_a_zip():
    result = scan_bytes(b"notes about the zip format: PK\x05\x06 ends the central directory\n")
    assert (result.verdict, result.format) == (Verdict.SAFE, "text")


def _random_blobs(count: int, seed: int) -> list[bytes]:
    """Tensor-like bytes (any value) and text-like lines, as found in checkpoint members and label files."""
    import random

    rng = random.Random(seed)
    words = [b"cat", b"dog", b"cvs", b"system", b"label", b"(x", b"I1", b"N", b"]", b"}", b"."]
    blobs = []
    for i in range(count):
        if i % 2:
            blobs.append(rng.randbytes(rng.randint(1, 96)))
        else:
            blobs.append(b"\n".join(rng.choice(words) for _ in range(rng.randint(1, 6))) + b"\n")
    return blobs


def test_random_member_data_is_never_mistaken_for_code(checkpoint):
    # every tensor member of a real checkpoint is tried as a pickle; chance byte patterns (an EXT opcode
    # first, a word on two lines) must not turn weights into findings
    members = dict(checkpoint)
    for i, blob in enumerate(_random_blobs(1500, seed=7)):
        members[f"archive/data/{1000 + i}"] = blob
        members[f"archive/data/{5000 + i}"] = b"\x84" + blob  # EXT4 first, like float data can be
    result = scan_bytes(zip_bytes(members))
    assert result.verdict is Verdict.SAFE, result.findings[:3]


def test_random_files_without_a_pickle_header_are_safe():
    for blob in _random_blobs(600, seed=11):
        if blob[:1] == b"\x80":
            continue
        result = scan_bytes(blob)
        assert result.verdict is Verdict.SAFE, (blob, result.findings)


def test_large_inflated_streams_spill_to_a_memory_mapped_file():
    payload = pickle.dumps({"padding": b"\x00" * 200_000}) + rce()
    result = scan_bytes(gzip.compress(payload), limits=ScanLimits(spool_threshold=4096))
    assert result.verdict is Verdict.DANGEROUS
