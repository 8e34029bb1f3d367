"""The site as an operator runs it, for the browser tests: `ckan run`, the harvest consumers,
ckanext-harvest's job runner (as cron runs it) and CKAN's background-job worker, each a
subprocess with the test's environment, stopped by its own process group."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from ..harvest_runner import session_ini, start_consumer

RUNNER_PAUSE_SECONDS = 2


def _start(command: str, log_path: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env["CKAN_REDIS_URL"] = (
        f"{env.get('CKAN_REDIS_URL', 'redis://127.0.0.1:6379/1')}?socket_timeout=600"
    )
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            ["bash", "-c", command],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


@contextlib.contextmanager
def background_workers(log_dir: Path) -> Iterator[None]:
    """Consumers, the job runner loop and `ckan jobs worker`, stopped on exit."""
    ckan = f"'{Path(sys.executable).with_name('ckan')}' -c '{session_ini()}'"
    started = [
        start_consumer("gather", log_dir / "gather.log"),
        start_consumer("fetch", log_dir / "fetch.log"),
        _start(
            f"while true; do {ckan} harvester run; sleep {RUNNER_PAUSE_SECONDS}; done",
            log_dir / "job-runner.log",
        ),
        _start(f"while true; do {ckan} jobs worker; sleep 1; done", log_dir / "jobs-worker.log"),
    ]
    try:
        yield
    finally:
        for process in started:
            with contextlib.suppress(ProcessLookupError):
                if process.pid == os.getpgid(process.pid):
                    os.killpg(process.pid, signal.SIGTERM)
                else:
                    process.terminate()
        for process in started:
            process.wait(timeout=30)
