"""The harvest stages one at a time, to replay what crashed workers and queues do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import ckan.plugins.toolkit as tk
from ckan import model
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestJob, HarvestObject

from ..harvest_runner import session_ini, sysadmin_context


def gather_job(source_id: str) -> tuple[str, list[str]]:
    """Create a job and run its gather stage only: (job id, ids of the objects to import)."""
    job = tk.get_action("harvest_job_create")(
        sysadmin_context(), {"source_id": source_id, "run": False}
    )
    job_obj = HarvestJob.get(job["id"])
    job_obj.status = "Running"
    job_obj.save()
    return job["id"], queue.gather_stage(queue.get_harvester("syncsource"), job_obj) or []


def regather(job_id: str) -> list[str]:
    """Deliver the job's gather message again."""
    return queue.gather_stage(queue.get_harvester("syncsource"), HarvestJob.get(job_id)) or []


def run_job_finish(source_id: str, job_id: str) -> dict:
    """`harvest_jobs_run` for the source, then the job as `harvest_job_show` returns it."""
    tk.get_action("harvest_jobs_run")(sysadmin_context(), {"source_id": source_id})
    return tk.get_action("harvest_job_show")(sysadmin_context(), {"id": job_id})


def import_object(object_id: str) -> None:
    """Deliver one fetch message: the fetch and import stages of one object."""
    queue.fetch_and_import_stages(queue.get_harvester("syncsource"), HarvestObject.get(object_id))


def finish_as_timed_out(job_id: str) -> None:
    """What `harvest_jobs_run` does to a job whose worker died (ckanext.harvest.timeout)."""
    job = HarvestJob.get(job_id)
    job.status = "Finished"
    job.save()


def object_count() -> int:
    return model.Session.query(HarvestObject).count()


def ckan_command(*args: str) -> str:
    """Run a `ckan` CLI command on the session's ini in its own process, as an operator or cron
    does; returns what it printed. This process's session is then dropped, so that it reads
    what the command wrote (SQLAlchemy 1.4, under CKAN 2.11, would serve the objects it holds)."""
    ckan = Path(sys.executable).with_name("ckan")
    done = subprocess.run(
        [str(ckan), "-c", str(session_ini()), *args],
        check=True,
        capture_output=True,
        env=dict(os.environ),
        timeout=120,
        text=True,
    )
    model.Session.remove()
    return done.stdout + done.stderr
