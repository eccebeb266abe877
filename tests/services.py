"""Real backing services for the scale-out path: a PostgreSQL server from Debian's packages and an
S3-protocol server (moto's standalone server), each started on loopback for the test session."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(predicate, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start within {timeout} s")


class PostgresServer:
    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bins:
            raise RuntimeError("PostgreSQL is not installed: run scripts/setup.sh --test")
        self.bin = Path(bins[-1])
        self.dir = Path(tempfile.mkdtemp(prefix="aicommons-pg-"))
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        self.proc = None

    def _run(self, *args: str, **kwargs):
        # PostgreSQL refuses to run as root: drop to the postgres user that Debian's package creates
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        return prefix + list(args)

    def start(self) -> "PostgresServer":
        if self.as_root:
            shutil.chown(self.dir, "postgres")
        data = self.dir / "data"
        subprocess.run(self._run(str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                 "--no-sync"), check=True, capture_output=True)
        self.proc = subprocess.Popen(
            self._run(str(self.bin / "postgres"), "-D", str(data), "-p", str(self.port), "-k", str(self.dir),
                      "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200"),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for(self._accepts, "PostgreSQL")
        return self

    def _accepts(self) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)


class S3Server:
    """moto's server speaks the S3 protocol over HTTP, like MinIO or Ceph would."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self) -> "S3Server":
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for(self._answers, "the S3 server")
        return self

    def _answers(self) -> bool:
        try:
            urllib.request.urlopen(self.url, timeout=1)
            return True
        except OSError as error:
            return getattr(error, "code", None) is not None

    def environment(self) -> dict[str, str]:
        return {"AWS_ENDPOINT_URL": self.url, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                "AWS_DEFAULT_REGION": "us-east-1"}

    def create_bucket(self, name: str) -> None:
        import boto3

        env = self.environment()
        boto3.client("s3", endpoint_url=self.url, aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                     aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                     region_name=env["AWS_DEFAULT_REGION"]).create_bucket(Bucket=name)

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=30)
