"""The job queue: handlers, progress, retries, de-duplication, and workers in other processes."""

import subprocess
import sys
import time

from aicommons.hub import Hub
from aicommons.settings import Settings


def test_jobs_run_report_progress_and_dedupe(hub):
    seen = []

    @hub.jobs.handler("echo")
    def echo(_hub, payload, progress):
        progress(0.5, "half way")
        seen.append(payload["n"])
        return {"doubled": payload["n"] * 2}

    first = hub.jobs.enqueue("echo", {"n": 21}, dedupe_key="echo:21")
    assert hub.jobs.enqueue("echo", {"n": 21}, dedupe_key="echo:21") == first
    assert hub.jobs.get(first).status == "queued"
    assert hub.jobs.drain() == 1
    job = hub.jobs.get(first)
    assert (job.status, job.progress, job.result, seen) == ("done", 1.0, {"doubled": 42}, [21])


def test_failures_retry_then_fail_with_the_error(hub, monkeypatch):
    import aicommons.jobs.queue as queue
    from datetime import timedelta

    monkeypatch.setattr(queue, "RETRY_BACKOFF", timedelta(0))
    calls = []

    @hub.jobs.handler("flaky")
    def flaky(_hub, payload, progress):
        calls.append(1)
        if len(calls) < 2:
            raise RuntimeError("transient")
        return {}

    @hub.jobs.handler("broken")
    def broken(_hub, payload, progress):
        raise ValueError("bad model file")

    ok = hub.jobs.enqueue("flaky", {})
    bad = hub.jobs.enqueue("broken", {}, max_attempts=2)
    hub.jobs.drain()
    assert hub.jobs.get(ok).status == "done" and len(calls) == 2
    failed = hub.jobs.get(bad)
    assert failed.status == "failed" and "bad model file" in failed.error


def test_an_external_worker_process_takes_jobs(tmp_path):
    """`aicommons worker` runs jobs queued by another process through the shared database."""
    data = tmp_path / "data"
    hub = Hub.open(Settings.from_env(data))
    job_id = hub.jobs.enqueue("no-such-kind", {})
    worker = subprocess.Popen([sys.executable, "-m", "aicommons", "worker", "--data-dir", str(data)],
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while hub.jobs.get(job_id).status in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.2)
        job = hub.jobs.get(job_id)
        # the worker claimed it; it has no handler for this kind, so it fails with a clear error
        assert job.status == "failed" and "no handler for jobs of kind 'no-such-kind'" in job.error
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        hub.close()
