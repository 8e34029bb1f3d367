"""Faults of the site: a consumer killed with signal 9 at each point of a job, restarted as a
supervisor would, the job finished by ckanext-harvest's job runner; then the next job
converges, with no duplicate and no object left waiting."""

from __future__ import annotations

import datetime
import json
import signal
import sys
import tempfile
from pathlib import Path

import ckan.plugins.toolkit as tk
import pytest
from ckan import model
from ckan.tests import helpers
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestJob, HarvestObject

from ..harvest_runner import job_errors, run_job, start_consumer, sysadmin_context, wait_until
from ..harvester.queue_run import consumer_tracebacks
from ..harvester.site_view import stats
from .conftest import catalogue
from .crash_consumer import POINTS

CRASHER = [sys.executable, "-m", "ckanext.syncsource.tests.reliability.crash_consumer"]
QUICK = {"after package_create"}


class Workers:
    """One gather and one fetch consumer that may kill themselves at the armed point, and
    the supervisor that restarts them; all stopped (by their ids) at the end."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.arm = directory / "kill-point"
        self.processes = {kind: self._start(kind) for kind in ("gather", "fetch")}
        self.killed: list[str] = []
        self.died: list[str] = []

    def _start(self, kind: str):
        log = self.directory / f"{kind}.log"
        return start_consumer(kind, log, CRASHER, SYNCSOURCE_KILL_ARM=str(self.arm))

    def arm_at(self, point: str) -> None:
        self.arm.write_text(point)

    def dead(self) -> list[str]:
        return [kind for kind, process in self.processes.items() if process.poll() is not None]

    def restart_dead(self) -> None:
        for kind in self.dead():
            code = self.processes[kind].returncode
            (self.killed if code == -signal.SIGKILL else self.died).append(f"{kind}: {code}")
            self.processes[kind] = self._start(kind)

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def workers(site):
    queue.purge_queues()
    with tempfile.TemporaryDirectory(prefix="syncsource-kills-") as directory:
        started = Workers(Path(directory))
        try:
            yield started
        finally:
            started.stop()
            queue.purge_queues()


def _backdate_unacknowledged_messages() -> None:
    """Age the queue's in-flight records (messages taken by a consumer, never acknowledged)
    past ckanext-harvest's resubmission limits (3 minutes for fetch, 2 hours for gather), as if
    the job runner's next passes were that much later."""
    redis = queue.get_connection()
    old = str(datetime.datetime.now() - datetime.timedelta(hours=3))
    for routing_key in (queue.get_fetch_routing_key(), queue.get_gather_routing_key()):
        for key in redis.keys(routing_key + ":*"):
            redis.set(key, old)


def _job_runner_finished(job_id: str, source_id: str) -> bool:
    _backdate_unacknowledged_messages()
    tk.get_action("harvest_jobs_run")(sysadmin_context(), {"source_id": source_id})
    model.Session.remove()
    return HarvestJob.get(job_id).status == "Finished"


def _unfinished_objects(source_id: str) -> int:
    return (
        model.Session.query(HarvestObject)
        .filter(
            HarvestObject.harvest_source_id == source_id,
            HarvestObject.state.notin_(["COMPLETE", "ERROR"]),
        )
        .count()
    )


def _write(path: Path, ids, **fields) -> None:
    path.write_text(json.dumps(catalogue(ids, **fields)))


@pytest.mark.parametrize(
    "point", [pytest.param(p, marks=[] if p in QUICK else [pytest.mark.full]) for p in POINTS]
)
def test_a_consumer_killed_mid_job_is_restarted_and_the_next_job_converges(
    case, workers, catalogue_dir, point
):
    path = catalogue_dir / "catalogue.json"
    source, source_name = case.new_source(str(path))
    first = [f"{source_name}-{n}" for n in range(6)]
    _write(path, first)
    case.expect(source_name, first)
    assert stats(run_job(source["id"]))["added"] == 6
    # Two deleted, two updated, two created, two unchanged.
    second = first[2:] + [f"{source_name}-new{n}" for n in range(2)]
    changed = catalogue(second)
    for source_id in second[:2]:
        changed["dataset"][source_id]["title"] = "Changed"
    path.write_text(json.dumps(changed))
    case.expect(source_name, second)

    workers.arm_at(point)
    job_id = helpers.call_action(
        "harvest_job_create", sysadmin_context(), source_id=source["id"], run=True
    )["id"]
    wait_until(workers.dead, timeout=180, what=f"a consumer to die at {point!r}")
    workers.restart_dead()
    wait_until(lambda: _job_runner_finished(job_id, source["id"]), timeout=300, what="the job")

    assert not workers.arm.exists()
    assert _unfinished_objects(source["id"]) == 0
    job = run_job(source["id"])
    assert job_errors(job["id"]) == []
    assert stats(job)["errored"] == 0
    case.crashes += workers.died + consumer_tracebacks(workers.directory)
