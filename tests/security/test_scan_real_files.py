"""Files written by the real libraries: weights must come out safe, scikit-learn estimators suspicious (never
dangerous), and the same libraries' formats carrying a payload dangerous."""

import io
import pickle

import joblib
import numpy as np
import pytest
import torch
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from aicommons.security import Verdict, scan_bytes, scan_file

from .crafted import Evil


class TinyNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(10, 4)
        self.norm = torch.nn.BatchNorm1d(4)
        self.proj = torch.nn.Linear(4, 3).to(torch.bfloat16)


def torch_bytes(obj, **kwargs) -> bytes:
    out = io.BytesIO()
    torch.save(obj, out, **kwargs)
    return out.getvalue()


@pytest.fixture(scope="module")
def estimators():
    rng = np.random.default_rng(0)
    x = rng.random((40, 4))
    y = (x[:, 0] > 0.5).astype(int)
    return [LogisticRegression().fit(x, y), RandomForestClassifier(n_estimators=3, random_state=0).fit(x, y),
            make_pipeline(StandardScaler(), SVC()).fit(x, y)]


def test_torch_state_dict_zip_is_safe():
    model = TinyNet()
    state = model.state_dict()
    state["extra"] = {"step": 3, "device": torch.device("cpu"), "size": torch.Size([2, 3]),
                      "p": torch.nn.Parameter(torch.ones(2))}
    result = scan_bytes(torch_bytes(state))
    assert (result.verdict, result.format) == (Verdict.SAFE, "pytorch-zip"), result.findings


def test_torch_legacy_format_is_safe():
    result = scan_bytes(torch_bytes(TinyNet().state_dict(), _use_new_zipfile_serialization=False))
    assert (result.verdict, result.format) == (Verdict.SAFE, "pytorch-legacy"), result.findings


def test_torch_optimizer_state_is_safe():
    # the layout of Optimizer.state_dict() for AdamW after a step (importing torch.optim is slow to warm up)
    params = list(TinyNet().parameters())
    state = {i: {"step": torch.tensor(1.0), "exp_avg": torch.zeros_like(p), "exp_avg_sq": torch.zeros_like(p)}
             for i, p in enumerate(params)}
    groups = [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01, "amsgrad": False,
               "foreach": None, "maximize": False, "params": list(range(len(params)))}]
    assert scan_bytes(torch_bytes({"state": state, "param_groups": groups})).verdict is Verdict.SAFE


def test_whole_torch_module_needs_trust_but_is_not_dangerous():
    result = scan_bytes(torch_bytes(torch.nn.Linear(2, 2)))
    assert result.verdict is Verdict.SUSPICIOUS
    assert "torch.nn.modules.linear.Linear" in {f.name for f in result.findings}


def test_tensors_pickled_with_plain_pickle_are_safe_through_their_nested_payload():
    result = scan_bytes(pickle.dumps({"w": torch.zeros(3), "p": torch.nn.Parameter(torch.ones(2))}))
    assert result.verdict is Verdict.SAFE, result.findings


def test_nested_torch_payload_is_scanned():
    # torch.storage._load_from_bytes(b) runs torch.load(b, weights_only=False): the bytes decide
    payload = pickle.dumps(Evil(), protocol=2)
    data = (b"\x80\x02ctorch.storage\n_load_from_bytes\n(B" + len(payload).to_bytes(4, "little") + payload + b"tR.")
    result = scan_bytes(data)
    assert result.verdict is Verdict.DANGEROUS
    assert any(f.member and f.member.startswith("[bytes@") for f in result.findings)


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_numpy_pickles_are_safe(protocol):
    data = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "s": np.float64(2.0), "u": np.array(["x", "yz"]),
            "rec": np.zeros(2, dtype=[("a", "f4"), ("b", "i8")])}
    assert scan_bytes(pickle.dumps(data, protocol=protocol)).verdict is Verdict.SAFE


def test_npy_and_npz_files(tmp_path):
    np.save(tmp_path / "plain.npy", np.arange(10))
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}, "x"], dtype=object), allow_pickle=True)
    np.save(tmp_path / "evil.npy", np.array([Evil()], dtype=object), allow_pickle=True)
    np.savez(tmp_path / "plain.npz", a=np.ones(3), b=np.zeros((2, 2)))
    np.savez_compressed(tmp_path / "packed.npz", a=np.ones(1000), o=np.array([None, 1], dtype=object))
    np.savez_compressed(tmp_path / "evil.npz", a=np.ones(3), o=np.array([Evil()], dtype=object))
    verdicts = {p.name: scan_file(p) for p in tmp_path.iterdir()}
    assert {n: (r.verdict, r.format) for n, r in verdicts.items()} == {
        "plain.npy": (Verdict.SAFE, "npy"), "objects.npy": (Verdict.SAFE, "npy"),
        "evil.npy": (Verdict.DANGEROUS, "npy"), "plain.npz": (Verdict.SAFE, "npz"),
        "packed.npz": (Verdict.SAFE, "npz"), "evil.npz": (Verdict.DANGEROUS, "npz")}
    assert any(f.member == "o.npy" for f in verdicts["evil.npz"].findings)


def test_npy_with_a_wrong_size_is_invalid(tmp_path):
    np.save(tmp_path / "a.npy", np.arange(10))
    data = (tmp_path / "a.npy").read_bytes()
    assert scan_bytes(data[:-8]).verdict is Verdict.INVALID
    assert scan_bytes(data + pickle.dumps(Evil())).verdict is Verdict.INVALID


def test_sklearn_estimators_are_suspicious_never_dangerous(tmp_path, estimators):
    for i, estimator in enumerate(estimators):
        for path, write in [(tmp_path / f"m{i}.pkl", lambda p, e: p.write_bytes(pickle.dumps(e))),
                            (tmp_path / f"m{i}.joblib", lambda p, e: joblib.dump(e, p)),
                            (tmp_path / f"m{i}.gz", lambda p, e: joblib.dump(e, p, compress=("gzip", 3)))]:
            write(path, estimator)
            result = scan_file(path)
            assert result.verdict is Verdict.SUSPICIOUS, (path.name, result.findings)
            assert all(f.rule_id == "pickle.unknown-global" for f in result.findings), result.findings
            assert any(f.name.startswith("sklearn.") for f in result.findings)


@pytest.mark.parametrize("compress", [0, "zlib", "gzip", "bz2", "xz", "lzma"])
def test_joblib_arrays_are_safe_and_payloads_after_them_are_found(tmp_path, compress):
    benign = {"a": np.arange(100.0), "b": np.ones((3, 3), dtype=np.int8), "c": "text"}
    joblib.dump(benign, tmp_path / "benign", compress=compress)
    result = scan_file(tmp_path / "benign")
    assert result.verdict is Verdict.SAFE, result.findings
    assert result.format.endswith("joblib")
    # the payload sits after a raw array block, which stops opcode walkers that do not skip it
    joblib.dump({"a": np.arange(100.0), "b": Evil()}, tmp_path / "evil", compress=compress)
    result = scan_file(tmp_path / "evil")
    assert result.verdict is Verdict.DANGEROUS, result.findings
    assert "pickle.parse-error" not in {f.rule_id for f in result.findings}


def test_joblib_object_array_payload(tmp_path):
    joblib.dump({"a": np.arange(3), "o": np.array([Evil(), 1], dtype=object), "z": np.ones(2)}, tmp_path / "o")
    assert scan_file(tmp_path / "o").verdict is Verdict.DANGEROUS
    joblib.dump({"o": np.array([{"k": 1}, "s"], dtype=object), "z": np.ones(2)}, tmp_path / "ok")
    assert scan_file(tmp_path / "ok").verdict is Verdict.SAFE


def test_lz4_joblib_is_never_safe_without_lz4(tmp_path):
    # joblib writes lz4 only with the lz4 package; a file with the lz4 frame magic stands in for one
    result = scan_bytes(b"\x04\x22\x4d\x18" + b"\x00" * 32)
    assert result.verdict is not Verdict.SAFE
