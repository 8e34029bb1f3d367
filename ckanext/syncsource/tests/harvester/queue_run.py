"""Jobs through ckanext-harvest's real queues (Redis or RabbitMQ) and consumer processes."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import ckan.plugins.toolkit as tk
from ckan import model
from ckanext.harvest.model import HarvestJob, HarvestObject

from ..harvest_runner import start_consumer, sysadmin_context, wait_until


@contextlib.contextmanager
def consumers(
    log_dir: Path, fetchers: int = 1, gatherers: int = 1
) -> Iterator[list[subprocess.Popen]]:
    """`gatherers` gather and `fetchers` fetch consumers, all listening on their queues when
    this yields; stopped (by their ids) on exit."""
    started = []
    try:
        for number in range(gatherers):
            started.append(start_consumer("gather", log_dir / f"gather-{number}.log"))
        for number in range(fetchers):
            started.append(start_consumer("fetch", log_dir / f"fetch-{number}.log"))
        logs = sorted(log_dir.glob("*.log"))
        wait_until(
            lambda: all("queue consumer registered" in log.read_text() for log in logs),
            what="the consumers to listen",
        )
        yield started
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=30)


def objects_done(job_id: str) -> bool:
    """Gather finished and every object of the job imported or failed."""
    job = HarvestJob.get(job_id)
    if job is None or job.gather_finished is None:
        return False
    pending = (
        model.Session.query(HarvestObject)
        .filter(
            HarvestObject.harvest_job_id == job_id,
            HarvestObject.state.notin_(["COMPLETE", "ERROR"]),
        )
        .count()
    )
    return pending == 0


def finish(job_id: str, source_id: str, timeout: float = 120) -> dict:
    """Wait for the consumers to work off the job, then let `harvest_jobs_run` finish it."""
    wait_until(lambda: objects_done(job_id), timeout=timeout, what=f"job {job_id} to be imported")
    tk.get_action("harvest_jobs_run")(sysadmin_context(), {"source_id": source_id})
    job = tk.get_action("harvest_job_show")(sysadmin_context(), {"id": job_id})
    assert job["status"] == "Finished"
    return job


def objects_taken(log_path: Path) -> int:
    """How many harvest object messages the fetch consumer writing `log_path` received."""
    return log_path.read_text().count("Received harvest object id")


def consumer_tracebacks(log_dir: Path) -> list[str]:
    return [
        f"{log.name}: {line}"
        for log in sorted(log_dir.glob("*.log"))
        for line in log.read_text().splitlines()
        if "Traceback" in line
    ]
