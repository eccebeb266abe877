"""What a new model version costs through Xet, against the LFS path, on the same machine in the same run.

A ~500 MB safetensors model is uploaded with ``HfApi.upload_file``; then one tensor holding ~1% of the bytes
is changed and the file is uploaded again. Printed for each path: both upload times and the bytes the hub's
store grew by. The Xet path is the default client (hf_xet); the anchor is the same client with
HF_HUB_DISABLE_XET=1 (LFS batch API, whole files). Target: the second Xet version stores <= 5% extra bytes.
A third Xet upload from an empty client cache (another machine) shows what the global dedup query saves.

    python bench/bench_xet.py [--size-mib 500] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = "bench/model"
FILE = "model.safetensors"
TENSOR_BYTES = 1280 * 1024 * 4  # 5 MiB: one tensor is ~1% of a 500 MiB model


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"aicommons serve exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("aicommons serve did not start")


def make_versions(work: Path, size_mib: int) -> list[Path]:
    """Three versions of one model; each next one changes one more tensor."""
    import numpy as np
    from safetensors.numpy import save_file

    rng = np.random.default_rng(0)
    count = max(2, size_mib * 1024 * 1024 // TENSOR_BYTES)
    tensors = {f"layers.{i}.weight": rng.standard_normal((1280, 1024), dtype=np.float32) for i in range(count)}
    paths = []
    for version, changed in enumerate([None, count // 2, count // 3], start=1):
        if changed is not None:
            tensors[f"layers.{changed}.weight"] = tensors[f"layers.{changed}.weight"] + 0.01
        path = work / f"v{version}.safetensors"
        save_file(tensors, str(path))
        paths.append(path)
    return paths


def prepare_hub(data_dir: Path) -> str:
    """A user and a write token (not timed)."""
    from aicommons.accounts.service import create_token, create_user
    from aicommons.hub import Hub
    from aicommons.settings import Settings

    hub = Hub.open(Settings.from_env(data_dir))
    try:
        with hub.db.write() as session:
            token, _ = create_token(session, create_user(session, "bench"), "write")
        return token
    finally:
        hub.close()


def store_bytes(data_dir: Path) -> int:
    return sum(p.stat().st_size for p in (data_dir / "blobs").rglob("*") if p.is_file())


def run_client(endpoint: str, token: str, data_dir: Path, home: Path, versions: list[Path], xet: bool) -> list[dict]:
    """Upload versions in order from a client process whose environment picks the path (read at import)."""
    env = {**os.environ, "HF_ENDPOINT": endpoint, "HF_TOKEN": token, "HF_HOME": str(home),
           "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
    env.pop("HF_XET_CACHE", None)
    env.pop("HF_HUB_DISABLE_XET", None)
    if not xet:
        env["HF_HUB_DISABLE_XET"] = "1"
    done = subprocess.run([sys.executable, __file__, "--client", str(data_dir), *map(str, versions)], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-4000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def client(data_dir: Path, versions: list[Path]) -> None:
    from huggingface_hub import HfApi

    api = HfApi()
    api.create_repo(REPO, exist_ok=True)
    results = []
    for path in versions:
        before = store_bytes(data_dir)
        start = time.perf_counter()
        api.upload_file(path_or_fileobj=str(path), path_in_repo=FILE, repo_id=REPO)
        seconds = time.perf_counter() - start
        listed = api.get_paths_info(REPO, [FILE])[0]
        results.append({"seconds": seconds, "stored": store_bytes(data_dir) - before, "sha256": listed.lfs.sha256})
    print(json.dumps(results))


def download_sha256(endpoint: str, token: str) -> tuple[str, float]:
    """Plain GET of the latest version (what curl or a client without hf_xet does): its sha256 and seconds."""
    request = urllib.request.Request(f"{endpoint}/{REPO}/resolve/main/{FILE}",
                                     headers={"Authorization": f"Bearer {token}"})
    digest = hashlib.sha256()
    start = time.perf_counter()
    with urllib.request.urlopen(request) as answer:
        while piece := answer.read(4 * 1024 * 1024):
            digest.update(piece)
    return digest.hexdigest(), time.perf_counter() - start


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while piece := handle.read(4 * 1024 * 1024):
            digest.update(piece)
    return digest.hexdigest()


def serve(data_dir: Path):
    port = free_port()
    env = {**os.environ, "AICOMMONS_DATA_DIR": str(data_dir)}
    process = subprocess.Popen([sys.executable, "-m", "aicommons", "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    wait_for(f"{endpoint}/healthz", process)
    return process, endpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=500)
    parser.add_argument("--client", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    if args.client:
        client(Path(args.client[0]), [Path(p) for p in args.client[1:]])
        return

    work = Path(tempfile.mkdtemp(prefix="aicommons-bench-xet-"))
    print(f"making {args.size_mib} MiB safetensors versions in {work} ...", flush=True)
    v1, v2, v3 = make_versions(work, args.size_mib)
    size = v1.stat().st_size
    expected = [sha256_of(p) for p in (v1, v2, v3)]
    rows = {}
    for label, xet in (("xet", True), ("lfs", False)):
        data_dir = work / f"hub-{label}"
        token = prepare_hub(data_dir)
        server, endpoint = serve(data_dir)
        try:
            first, second = run_client(endpoint, token, data_dir, work / f"home-{label}", [v1, v2], xet)
            third = run_client(endpoint, token, data_dir, work / f"home-{label}-other", [v3], xet)[0] if xet else None
            served, download_s = download_sha256(endpoint, token)
        finally:
            server.terminate()
            server.wait(timeout=30)
        final = expected[2] if xet else expected[1]
        assert [r["sha256"] for r in (first, second)] == expected[:2] and served == final, "content mismatch"
        rows[label] = (first, second, third, download_s)

    print(f"\nmodel {size / 1e6:.0f} MB; version 2 changes one tensor of {TENSOR_BYTES / 1e6:.1f} MB "
          f"({TENSOR_BYTES / size:.1%} of the bytes)\n")
    print(f"{'path':<38} {'v1 upload':>10} {'v2 upload':>10} {'v1 stored':>11} {'v2 extra stored':>16}")
    for label, name in (("xet", "Xet (default client)"), ("lfs", "LFS (HF_HUB_DISABLE_XET=1), anchor")):
        first, second, _, _ = rows[label]
        print(f"{name:<38} {first['seconds']:9.1f}s {second['seconds']:9.1f}s {first['stored'] / 1e6:9.1f}MB "
              f"{second['stored'] / 1e6:9.1f}MB {second['stored'] / size:5.1%}")
    xet_extra, lfs_extra = rows["xet"][1]["stored"], rows["lfs"][1]["stored"]
    print(f"\nextra bytes for version 2: Xet {xet_extra / size:.2%} of the file (target <= 5%), "
          f"{xet_extra / lfs_extra:.3f}x the LFS path")
    print(f"upload time for version 2: Xet {rows['xet'][1]['seconds']:.1f}s vs LFS {rows['lfs'][1]['seconds']:.1f}s "
          f"({rows['lfs'][1]['seconds'] / rows['xet'][1]['seconds']:.1f}x faster)")
    third = rows["xet"][2]
    print(f"version 3 from an empty client cache (global dedup query): {third['seconds']:.1f}s, "
          f"{third['stored'] / 1e6:.1f} MB extra ({third['stored'] / size:.2%})")
    print(f"plain GET of the latest version (reassembled from xorbs): {size / rows['xet'][3] / 1e6:.0f} MB/s; "
          f"same file stored whole (LFS): {size / rows['lfs'][3] / 1e6:.0f} MB/s")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
