"""Actions and invariant checks on another CKAN site, run in a process of that site.

`python -m ckanext.syncsource.tests.reliability.site_probe INI COMMAND JSON_ARGUMENTS` loads
CKAN from INI (and the CKAN_* variables of its environment), runs one command and prints its
JSON result: what the battery needs of a site whose database, index and queues are not the
test session's own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import ckan.plugins.toolkit as tk


def create_source(url: str, source_name: str) -> str:
    from ..harvest_runner import create_source

    return create_source(url, {"source_name": source_name}, name=source_name)["id"]


def create_job(source_id: str) -> str:
    """A job on the gather queue, as "Reharvest" makes it."""
    from ..harvest_runner import sysadmin_context

    return tk.get_action("harvest_job_create")(
        sysadmin_context(), {"source_id": source_id, "run": True}
    )["id"]


def job(job_id: str) -> dict:
    """The job's status, statistics and error messages."""
    from ..harvest_runner import job_errors, sysadmin_context

    shown = tk.get_action("harvest_job_show")(sysadmin_context(), {"id": job_id})
    return {"status": shown["status"], "stats": shown["stats"], "errors": job_errors(job_id)}


def snapshot() -> dict:
    """What a case's measure compares with: every dataset's digest, the search mismatches."""
    from .invariants import search_differences, stored_digests

    return {"digests": stored_digests(), "search": search_differences()}


def measure(expected: dict[str, list[str]], before: dict, case_sources: list[str]) -> dict:
    """The invariants' figures (see `invariants.Site.measure`)."""
    from .invariants import Site

    site = Site()
    for source_name, ids in expected.items():
        site.expect(source_name, ids)
    figures = site.measure(before["digests"], before["search"], set(case_sources))
    return asdict(figures)


COMMANDS = {f.__name__: f for f in (create_source, create_job, job, snapshot, measure)}


def call(ini: Path, env: dict[str, str], command: str, **arguments):
    """Run `command` in a new process of the site that `ini` and `env` configure."""
    done = subprocess.run(
        [sys.executable, "-m", __name__, str(ini), command, json.dumps(arguments)],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"site probe {command} failed: {done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def main(ini: str, command: str, arguments: str) -> None:
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(ini))
    with app._wsgi_app.test_request_context():
        result = COMMANDS[command](**json.loads(arguments))
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main(*sys.argv[1:])
