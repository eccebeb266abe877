"""Transfer speed of the HF protocol against anchors on the same machine, in the same run.

Download: ``hf_hub_download`` of one large LFS file from ``aicommons serve`` (a subprocess) and of the same
file from nginx (started here on loopback with sendfile), each into an empty cache. Target: >= 0.9x nginx.
Upload: ``HfApi.upload_file`` of the file with HF_HUB_DISABLE_XET=1 (LFS batch + one basic PUT) against
the floor of ``sha256sum`` plus a copy of the file (``cp`` then ``sync``), which any verified upload costs.

    python bench/bench_transfer.py [--size-mib 1024] [--rounds 3]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

os.environ["HF_HUB_DISABLE_XET"] = "1"  # read by huggingface_hub at import: uploads use the LFS batch API
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

from huggingface_hub import HfApi, hf_hub_download  # noqa: E402

REPO = "bench/big"
FILE = "big.bin"
NGINX_CONFIG = """
daemon off;
worker_processes 1;
{user}
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        location = /{repo}/resolve/main/{file} {{
            alias {path};
            add_header X-Repo-Commit {commit};
            add_header X-Linked-Etag '"{sha256}"';
            add_header X-Linked-Size {size};
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError as error:
            if getattr(error, "code", None) is not None:
                return  # it answers, even if with an error status
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start")


def make_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    block = 16 * 1024 * 1024
    with path.open("wb") as out:
        written = 0
        while written < size:
            chunk = os.urandom(min(block, size - written))
            digest.update(chunk)
            out.write(chunk)
            written += len(chunk)
    return digest.hexdigest()


def prepare_hub(data_dir: Path, source: Path, sha256: str) -> tuple[str, str]:
    """A user, a token and a repo holding the file, written with the core API (not timed)."""
    from aicommons.accounts.service import create_token, create_user, principal_for_user
    from aicommons.hub import Hub
    from aicommons.repos.commit import AddBlob, commit, grant_blob
    from aicommons.repos.manage import create_repo
    from aicommons.repos.names import RepoType
    from aicommons.repos.objects import Signature
    from aicommons.settings import Settings

    hub = Hub.open(Settings.from_env(data_dir))
    try:
        with hub.db.write() as session:
            user = create_user(session, "bench")
            token, _ = create_token(session, user, "write")
            principal = principal_for_user(session, user)
        repo = create_repo(hub, principal, RepoType.MODEL, REPO)
        with source.open("rb") as handle:
            blob = hub.blobs.ingest_file(handle, expected_sha256=sha256)
        with hub.db.write() as session:
            grant_blob(session, repo.id, blob.sha256, blob.size, blob.git_oid)
        result = commit(hub, repo, [AddBlob(FILE, blob.sha256, blob.size)], author=Signature("bench", "b@x"),
                        message="big file")
        return token, result.oid
    finally:
        hub.close()


def timed_download(endpoint: str, token: str | None, cache: Path) -> float:
    shutil.rmtree(cache, ignore_errors=True)
    start = time.perf_counter()
    path = hf_hub_download(REPO, FILE, endpoint=endpoint, token=token or False, cache_dir=cache)
    elapsed = time.perf_counter() - start
    assert Path(path).stat().st_size == SIZE
    shutil.rmtree(cache, ignore_errors=True)
    return elapsed


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children, from /proc: what serving cost the server."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def measure_downloads(server_pid: int, endpoint: str, token: str | None, cache: Path) -> tuple[float, float]:
    """Seconds for one cold download, and the server's CPU seconds spent on it."""
    before = tree_cpu_seconds(server_pid)
    elapsed = timed_download(endpoint, token, cache)
    return elapsed, tree_cpu_seconds(server_pid) - before


def upload_floor(source: Path, work: Path) -> float:
    copy = work / "copy.bin"
    start = time.perf_counter()
    subprocess.run(["sha256sum", str(source)], check=True, capture_output=True)
    subprocess.run(["cp", str(source), str(copy)], check=True)
    subprocess.run(["sync", str(copy)], check=True)
    elapsed = time.perf_counter() - start
    copy.unlink()
    return elapsed


def timed_upload(api: HfApi, source: Path, number: int) -> float:
    # a new repo each round, so the content is really sent (a repo that holds it would skip the upload)
    repo_id = f"bench/upload-{number}"
    api.create_repo(repo_id)
    start = time.perf_counter()
    api.upload_file(path_or_fileobj=str(source), path_in_repo=FILE, repo_id=repo_id)
    return time.perf_counter() - start


def mbps(seconds: float) -> float:
    return SIZE / seconds / 1e6


def main() -> None:
    global SIZE
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache-dir", default="/dev/shm" if os.access("/dev/shm", os.W_OK) else None,
                        help="where the client caches downloads (default: tmpfs, so the disk is not what is timed)")
    parser.add_argument("--skip-upload", action="store_true")
    args = parser.parse_args()
    SIZE = args.size_mib * 1024 * 1024
    if shutil.which("nginx") is None:
        sys.exit("nginx is not installed (Debian: apt-get install nginx-light; scripts/setup.sh --test does it)")

    with tempfile.TemporaryDirectory(prefix="aicommons-bench-") as tmp:
        work = Path(tmp)
        source = work / "source.bin"
        print(f"making a {args.size_mib} MiB file ...", flush=True)
        sha256 = make_file(source, SIZE)
        token, commit = prepare_hub(work / "hub", source, sha256)
        hub_port, nginx_port = free_port(), free_port()
        blob = next((work / "hub" / "blobs").rglob(sha256))
        (work / "nginx").mkdir()
        (work / "nginx" / "nginx.conf").write_text(NGINX_CONFIG.format(
            user="user root;" if os.geteuid() == 0 else "", root=work / "nginx", port=nginx_port, repo=REPO,
            file=FILE, path=blob, commit=commit, sha256=sha256, size=SIZE))
        env = {**os.environ, "AICOMMONS_DATA_DIR": str(work / "hub")}
        hub = subprocess.Popen([sys.executable, "-m", "aicommons", "serve", "--port", str(hub_port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        nginx = subprocess.Popen(["nginx", "-p", str(work / "nginx"), "-c", str(work / "nginx" / "nginx.conf")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            hub_url, nginx_url = f"http://127.0.0.1:{hub_port}", f"http://127.0.0.1:{nginx_port}"
            wait_for(f"{hub_url}/healthz", hub, "aicommons serve")
            wait_for(nginx_url, nginx, "nginx")
            cache = Path(tempfile.mkdtemp(prefix="bench-cache-", dir=args.cache_dir))
            ours, anchor = [], []
            for _ in range(args.rounds):  # interleaved, so a busy moment hurts both alike
                anchor.append(measure_downloads(nginx.pid, nginx_url, None, cache))
                ours.append(measure_downloads(hub.pid, hub_url, token, cache))
            (ours_s, ours_cpu), (anchor_s, anchor_cpu) = min(ours), min(anchor)
            print(f"download  aicommons {mbps(ours_s):8.0f} MB/s   nginx {mbps(anchor_s):8.0f} MB/s   "
                  f"ratio {anchor_s / ours_s:.2f}x nginx (best of {args.rounds}, target >= 0.90)")
            gib = SIZE / 1024**3
            print(f"          server CPU per GiB: aicommons {ours_cpu / gib:.2f} s   nginx {anchor_cpu / gib:.2f} s")
            shutil.rmtree(cache, ignore_errors=True)
            if args.skip_upload:
                return

            api = HfApi(endpoint=hub_url, token=token)
            floor, upload = [], []
            for number in range(args.rounds):
                floor.append(upload_floor(source, work))
                upload.append(timed_upload(api, source, number))
            print(f"upload    aicommons {mbps(min(upload)):8.0f} MB/s   sha256sum+cp {mbps(min(floor)):8.0f} MB/s   "
                  f"ratio {min(floor) / min(upload):.2f}x the floor (best of {args.rounds})")
        finally:
            for process in (hub, nginx):
                process.terminate()
                process.wait(timeout=30)


SIZE = 0

if __name__ == "__main__":
    main()
