"""Run harvest jobs in the tests as ckanext-harvest does, in process or through its consumers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories, helpers
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestObject


def session_ini() -> Path:
    """The configuration file of this test session (test.ini, or test-amqp.ini for RabbitMQ):
    processes the tests start run on the same one."""
    return Path(tk.config["__file__"])


def sysadmin_context() -> dict:
    return {"user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}


def create_source(
    url: str, config: dict | None = None, name: str | None = None, frequency: str = "MANUAL"
) -> dict:
    """A syncsource harvest source, created through the action the web form uses."""
    name = name or f"source-{factories.Dataset.stub().name}"
    return tk.get_action("harvest_source_create")(
        sysadmin_context(),
        {
            "name": name,
            "title": name.replace("-", " ").title(),
            "url": url,
            "source_type": "syncsource",
            "frequency": frequency,
            "config": json.dumps(config) if config is not None else "",
        },
    )


def save_source_config(source: dict, config: dict) -> dict:
    """Save a new config for a source through `harvest_source_update`, as the edit form does."""
    return helpers.call_action(
        "harvest_source_update",
        sysadmin_context(),
        id=source["id"],
        name=source["name"],
        title=source["title"],
        url=source["url"],
        source_type="syncsource",
        config=json.dumps(config),
    )


def run_job(source_id: str) -> dict:
    """One whole job, in process: gather, then fetch and import of every object in the order
    the gather stage queued them, then `harvest_jobs_run` to finish it. Returns the job dict."""
    job = tk.get_action("harvest_job_create")(
        sysadmin_context(), {"source_id": source_id, "run": False}
    )
    job_obj = queue.HarvestJob.get(job["id"])
    job_obj.status = "Running"
    job_obj.save()
    harvester = queue.get_harvester("syncsource")
    for object_id in queue.gather_stage(harvester, job_obj) or []:
        queue.fetch_and_import_stages(harvester, HarvestObject.get(object_id))
    model.Session.remove()
    tk.get_action("harvest_jobs_run")(sysadmin_context(), {"source_id": source_id})
    return tk.get_action("harvest_job_show")(sysadmin_context(), {"id": job["id"]})


def job_errors(job_id: str) -> list[str]:
    report = tk.get_action("harvest_job_report")(sysadmin_context(), {"id": job_id})
    messages = [error["message"] for error in report["gather_errors"]]
    for errors in report["object_errors"].values():
        messages.extend(error["message"] for error in errors["errors"])
    return messages


def start_consumer(
    kind: str, log_path: Path, program: list[str] | None = None, **env_vars: str
) -> subprocess.Popen:
    """Start ckanext-harvest's `gather` or `fetch` consumer on test.ini, as a site runs it
    (`program` replaces the `ckan` command; `env_vars` are added to its environment).

    redis-py 8 would time out the consumer's blocking pop after 5 s idle; a long socket timeout
    keeps it alive for the test.
    """
    env = {**os.environ, **env_vars}
    redis_url = env.get("CKAN_REDIS_URL") or "redis://127.0.0.1:6379/1"
    env["CKAN_REDIS_URL"] = f"{redis_url}?socket_timeout=600"
    program = program or [str(Path(sys.executable).with_name("ckan"))]
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [*program, "-c", str(session_ini()), "harvester", f"{kind}-consumer"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )


def wait_until(predicate, timeout: float = 120, interval: float = 0.5, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        model.Session.remove()
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
