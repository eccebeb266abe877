"""Scanner benchmark: aicommons.security against picklescan (the anchor), side by side on the same files.

It builds, in a temporary folder:
  - a ~500 MB PyTorch checkpoint (torch.save of a GPT-2-small-shaped state dict), and
  - a folder of 1,000 small files, half benign (pickles, numpy, torch, joblib) and half malicious (the payloads
    and bypasses of the shared reference trust.md section 5),
installs picklescan from PyPI into a virtual environment of its own (cached in the system temp folder), and
times both scanners the same way: a fresh interpreter per tool imports the tool's Python API and scans each
file with it (scan_file / scan_file_path), best of --repeat runs after one warm-up run, as wall-clock time and
as the CPU time of that process (steadier on a busy machine). It also times each
tool's command line on the folder, interpreter start included. It prints times, the speed ratio and detection
counts (malicious files called dangerous, or at least not clean; benign files called dangerous or not clean).

    python bench/bench_scan.py [--checkpoint-mb 500] [--small 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
import venv
import zipfile
from collections import Counter, OrderedDict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "echo benchmark-payload-never-run"

# Run inside each tool's interpreter: argv = tool, file list, repeat; prints JSON {times, verdicts}.
DRIVER = r'''
import json, sys, time
tool, listing, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
groups = json.load(open(listing))
if tool == "aicommons":
    from aicommons.security import scan_file
    def verdict(path):
        return scan_file(path).verdict.value
else:
    from picklescan.scanner import SafetyLevel, scan_file_path
    def verdict(path):
        try:
            r = scan_file_path(path)
        except Exception:
            return "error"
        levels = {g.safety for g in r.globals}
        if SafetyLevel.Dangerous in levels:
            return "dangerous"
        if SafetyLevel.Suspicious in levels:
            return "suspicious"
        return "error" if r.scan_err else "clean"
out = {"times": {}, "cpu": {}, "verdicts": {}}
for name, paths in groups.items():
    wall = cpu = float("inf")
    for run in range(repeat + 1):  # the first run warms caches and is not counted
        start, start_cpu = time.perf_counter(), time.process_time()
        verdicts = [verdict(p) for p in paths]
        if run:
            wall = min(wall, time.perf_counter() - start)
            cpu = min(cpu, time.process_time() - start_cpu)
    out["times"][name], out["cpu"][name] = wall, cpu
    out["verdicts"][name] = dict(zip(paths, verdicts))
print(json.dumps(out))
'''


class Evil:
    def __init__(self, func="system", module=os):
        self.call = (getattr(module, func), (COMMAND,))

    def __reduce__(self):
        return self.call


# -- the files ------------------------------------------------------------------------------------------------


def make_checkpoint(path: Path, target_mb: int) -> None:
    """A GPT-2-small-shaped fp32 state dict, scaled (layer count) to about target_mb."""
    import torch

    d, vocab, ctx = 768, 50257, 1024
    state = OrderedDict(wte=torch.randn(vocab, d), wpe=torch.randn(ctx, d))
    per_layer = 12 * d * d + 13 * d
    layers = max(1, (target_mb * 2**20 // 4 - vocab * d - ctx * d) // per_layer)
    for i in range(layers):
        p = f"h.{i}."
        state.update({p + "ln_1.weight": torch.ones(d), p + "ln_1.bias": torch.zeros(d),
                      p + "attn.c_attn.weight": torch.randn(d, 3 * d), p + "attn.c_attn.bias": torch.zeros(3 * d),
                      p + "attn.c_proj.weight": torch.randn(d, d), p + "attn.c_proj.bias": torch.zeros(d),
                      p + "ln_2.weight": torch.ones(d), p + "ln_2.bias": torch.zeros(d),
                      p + "mlp.c_fc.weight": torch.randn(d, 4 * d), p + "mlp.c_fc.bias": torch.zeros(4 * d),
                      p + "mlp.c_proj.weight": torch.randn(4 * d, d), p + "mlp.c_proj.bias": torch.zeros(d)})
    state["ln_f.weight"], state["ln_f.bias"] = torch.ones(d), torch.zeros(d)
    torch.save(state, path)


def _torch_bytes(obj, legacy=False) -> bytes:
    import torch

    out = io.BytesIO()
    torch.save(obj, out, _use_new_zipfile_serialization=not legacy)
    return out.getvalue()


def _replace_member(archive: bytes, suffix: str, data: bytes) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(archive)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, data if name.endswith(suffix) else source.read(name))
    return out.getvalue()


def _zip(members: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _joblib_bytes(obj, compress=0) -> bytes:
    import joblib

    with tempfile.TemporaryDirectory() as tmp:
        joblib.dump(obj, Path(tmp) / "f", compress=compress)
        return (Path(tmp) / "f").read_bytes()


def _npy_bytes(array) -> bytes:
    import numpy as np

    out = io.BytesIO()
    np.save(out, array, allow_pickle=True)
    return out.getvalue()


def _text(s: str) -> bytes:
    return b"\x8c" + bytes([len(s)]) + s.encode()


def benign(i: int) -> tuple[str, bytes]:
    """("<extension>|<case>", content) of the i-th benign file."""
    import numpy as np
    import torch

    values = [float(i + k) for k in range(8)]
    kinds = [
        ("pickle protocol 0-5", "pkl", lambda: pickle.dumps({"step": i, "values": values, "name": f"run-{i}"},
                                                            protocol=i % 6)),
        ("numpy arrays", "pkl", lambda: pickle.dumps({"w": np.arange(i % 50 + 1, dtype=np.float32)},
                                                     protocol=2 + i % 4)),
        ("OrderedDict", "pkl", lambda: pickle.dumps(OrderedDict((f"k{k}", values[:k]) for k in range(5)))),
        ("torch.save zip", "pt", lambda: _torch_bytes({"w": torch.full((4, 4), float(i)), "b": torch.zeros(4)})),
        ("torch.save legacy", "pt", lambda: _torch_bytes({"w": torch.full((3,), float(i))}, legacy=True)),
        ("joblib arrays", "joblib", lambda: _joblib_bytes({"a": np.arange(i % 20 + 1.0), "meta": {"i": i}})),
        ("np.save", "npy", lambda: _npy_bytes(np.full(i % 30 + 1, i, dtype=np.int32))),
    ]
    label, ext, make = kinds[i % len(kinds)]
    return f"{ext}|{label}", make()


def malicious(i: int) -> tuple[str, bytes]:
    """("<extension>|<case>", content) of the i-th malicious file."""
    import numpy as np
    import torch

    cmd = _text(f"{COMMAND} {i}")
    base_zip = _torch_bytes({"w": torch.full((4,), float(i))})
    protocol0 = f"cos\nsystem\n(S'{COMMAND} {i}'\ntR.".encode()
    kinds = [
        ("os.system", "pkl", lambda: pickle.dumps(Evil(), protocol=i % 6)),
        ("subprocess", "pkl", lambda: pickle.dumps(Evil("check_output", __import__("subprocess")), protocol=4)),
        ("builtins.eval", "pkl", lambda: b"\x80\x02cbuiltins\neval\n(" + cmd + b"tR."),
        ("torch data.pkl", "pt", lambda: _replace_member(base_zip, "/data.pkl", pickle.dumps(Evil(), protocol=2))),
        ("torch data/0", "pt", lambda: _replace_member(base_zip, "/data/0", pickle.dumps(Evil(), protocol=2))),
        ("zip member, protocol 0, odd name", "zip", lambda: _replace_member(base_zip, "/version", protocol0)),
        ("memo confusion", "pkl", lambda: b"\x80\x04" + _text("torch") + b"q\x010" + _text("os") + b"\x940h\x01"
         + _text("system") + b"\x93" + cmd + b"\x85R."),
        ("importlib", "pkl", lambda: b"\x80\x04" + _text("importlib") + _text("import_module") + b"\x93" + _text("os")
         + b"\x85R."),
        ("numpy.__builtins__", "pkl", lambda: b"\x80\x02cnumpy\n__builtins__\n."),
        ("EXT opcode", "pkl", lambda: b"\x80\x02\x82\xf0(" + cmd + b"tR."),
        ("second pickle", "pkl", lambda: pickle.dumps({"i": i}) + pickle.dumps(Evil())),
        ("INST", "pkl", lambda: f"(S'{COMMAND} {i}'\nios\nsystem\n.".encode()),
        ("getattr chain", "pkl", lambda: b"\x80\x02cbuiltins\ngetattr\n(cbuiltins\ngetattr\n"
         + b"(ccollections\nOrderedDict\n"
         + _text("__init__") + b"tR" + _text("__globals__") + b"tR."),
        ("dynamic STACK_GLOBAL", "pkl", lambda: b"\x80\x04cbuiltins\nstr\n(" + _text("os") + b"tR" + _text("system")
         + b"\x93" + cmd + b"\x85R."),
        ("joblib payload after array", "joblib", lambda: _joblib_bytes({"a": np.arange(50.0), "b": Evil()})),
        ("gzip joblib", "joblib", lambda: _joblib_bytes({"a": np.arange(5.0), "b": Evil()}, compress=("gzip", 3))),
        ("object .npy", "npy", lambda: _npy_bytes(np.array([Evil(), i], dtype=object))),
        ("zip in zip", "zip", lambda: _zip({"inner.zip": _zip({"model.pkl": pickle.dumps(Evil())})})),
        ("gzip in zip", "zip", lambda: _zip({"weights.gz": gzip.compress(pickle.dumps(Evil()))})),
    ]
    label, ext, make = kinds[i % len(kinds)]
    return f"{ext}|{label}", make()


def make_small_files(folder: Path, count: int) -> dict[str, str]:
    """Returns {path: label}, label "benign|<case>" or "malicious|<case>"."""
    labels = {}
    folder.mkdir(parents=True)
    for i in range(count):
        kind, (tagged, data) = ("benign", benign(i // 2)) if i % 2 == 0 else ("malicious", malicious(i // 2))
        ext, case = tagged.split("|")
        label = f"{kind}|{case}"
        path = folder / f"f{i:04d}.{ext}"
        path.write_bytes(data)
        labels[str(path)] = label
    return labels


# -- the tools ------------------------------------------------------------------------------------------------


def picklescan_python(version: str) -> Path:
    cache = Path(tempfile.gettempdir()) / "aicommons-bench" / f"picklescan-{version}"
    python = cache / "bin" / "python"
    if not (cache / ".ready").exists():
        shutil.rmtree(cache, ignore_errors=True)
        venv.EnvBuilder(with_pip=True).create(cache)
        subprocess.run([str(python), "-m", "pip", "install", "-q", f"picklescan=={version}", "numpy"], check=True)
        (cache / ".ready").touch()
    return python


def run_driver(python: Path, tool: str, groups: dict, repeat: int, work: Path) -> dict:
    listing = work / f"{tool}-files.json"
    listing.write_text(json.dumps(groups))
    driver = work / "driver.py"
    driver.write_text(DRIVER)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    done = subprocess.run([str(python), str(driver), tool, str(listing), str(repeat)], env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout)


def cli_seconds(command: list[str], env=None) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def detection(verdicts: dict, labels: dict, clean: str) -> dict:
    rows = Counter()
    for path, verdict in verdicts.items():
        kind = "malicious" if labels[path].startswith("malicious") else "benign"
        rows[f"{kind} total"] += 1
        rows[f"{kind} dangerous"] += verdict == "dangerous"
        rows[f"{kind} not clean"] += verdict != clean
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint-mb", type=int, default=500)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--picklescan-version", default="1.0.5")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
        work = Path(tmp)
        checkpoint = work / "checkpoint.pt"
        print(f"building a {args.checkpoint_mb} MB checkpoint and {args.small} small files in {work} ...", flush=True)
        make_checkpoint(checkpoint, args.checkpoint_mb)
        labels = make_small_files(work / "small", args.small)
        groups = {"checkpoint": [str(checkpoint)], "small": sorted(labels)}
        print(f"checkpoint: {checkpoint.stat().st_size / 2**20:.0f} MiB; installing picklescan "
              f"{args.picklescan_version} ...", flush=True)
        anchor = picklescan_python(args.picklescan_version)

        ours = run_driver(Path(sys.executable), "aicommons", groups, args.repeat, work)
        theirs = run_driver(anchor, "picklescan", groups, args.repeat, work)

        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        our_cli = [sys.executable, "-c", "import typer; from aicommons.cli.scan import scan; typer.run(scan)"]
        their_cli = [str(anchor), "-m", "picklescan", "-p"]
        cli = {name: (cli_seconds(our_cli + [str(path), "--json"], env), cli_seconds(their_cli + [str(path)]))
               for name, path in (("checkpoint", checkpoint), ("small", work / "small"))}

    for key, title in (("times", "wall-clock"), ("cpu", "CPU time of the scanning process")):
        print(f"\nScan times, Python API in-process, {title}, best of {args.repeat} (lower is better)")
        print(f"{'target':<34}{'aicommons':>12}{'picklescan':>12}{'speed-up':>10}")
        for name, label in (("checkpoint", f"{args.checkpoint_mb} MB torch checkpoint"),
                            ("small", f"{args.small} small files")):
            a, p = ours[key][name], theirs[key][name]
            print(f"{label:<34}{a * 1000:>10.1f}ms{p * 1000:>10.1f}ms{p / a:>9.1f}x")
    print("\nCommand line on the same targets, wall time, interpreter start and imports included (Typer and Rich")
    print("for aicommons, the standard library only for picklescan); informational, not the comparison above")
    for name, (a, p) in cli.items():
        print(f"{name:<34}{a * 1000:>10.0f}ms{p * 1000:>10.0f}ms{p / a:>9.1f}x")

    print("\nCheckpoint verdict: aicommons", ours["verdicts"]["checkpoint"][str(checkpoint)],
          "| picklescan", theirs["verdicts"]["checkpoint"][str(checkpoint)])
    ours_d = detection(ours["verdicts"]["small"], labels, "safe")
    theirs_d = detection(theirs["verdicts"]["small"], labels, "clean")
    print(f"\nDetection on {args.small} small files")
    print(f"{'':<34}{'aicommons':>12}{'picklescan':>12}")
    for row in ("malicious total", "malicious dangerous", "malicious not clean", "benign total",
                "benign dangerous", "benign not clean"):
        print(f"{row:<34}{ours_d[row]:>12}{theirs_d[row]:>12}")
    for tool, result, clean in (("picklescan", theirs, "clean"), ("aicommons", ours, "safe")):
        verdicts = result["verdicts"]["small"]
        missed = Counter(labels[p].split("|")[1] for p, v in verdicts.items()
                         if labels[p].startswith("malicious") and v != "dangerous")
        flagged = Counter(f"{labels[p].split('|')[1]}: {v}" for p, v in verdicts.items()
                          if labels[p].startswith("benign") and v != clean)
        print(f"\n{tool}: malicious cases not called dangerous:", dict(missed) or "none")
        print(f"{tool}: benign cases not called {clean}:", dict(flagged) or "none")


if __name__ == "__main__":
    main()
