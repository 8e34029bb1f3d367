"""Faults of the site: PostgreSQL, Solr or Redis restarted in the middle of a job.

A site of the battery's own (private services, never the shared ones), one gather and two fetch
consumers as real processes under a supervisor that restarts any that exits, and ckanext-harvest's
job runner passes (`ckan harvester run`, as cron runs it). While the consumers import a few
hundred datasets, one service is stopped, left down a few seconds and started again. The job
must end, every object of it imported or failed; the consumers, restarted where they exited,
must run the next job without an error, and it converges: the invariants hold on the site.
"""

from __future__ import annotations

import datetime
import json
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import ClassVar

import pytest
import redis
import sqlalchemy as sa

from ..harvest_runner import session_ini, start_consumer
from . import site_probe
from .conftest import catalogue
from .private_services import PrivateServices

pytestmark = pytest.mark.full

DATASETS = 200
DOWN_SECONDS = 5
JOB_SECONDS = 600
STALLED_SECONDS = 20
"""No object finished for this long: the job runner's passes are taken to be minutes later."""


@pytest.fixture(scope="module")
def private_site():
    services = PrivateServices()
    services.open()
    try:
        yield PrivateSite(services)
    finally:
        services.close()


class Supervisor:
    """One gather and two fetch consumers of the private site, each restarted when it exits,
    as supervisord or systemd would; all stopped (by their ids) at the end."""

    KINDS: ClassVar[dict[str, str]] = {"gather": "gather", "fetch-1": "fetch", "fetch-2": "fetch"}

    def __init__(self, services: PrivateServices, directory: Path) -> None:
        self.services = services
        self.directory = directory
        self.exited: list[str] = []
        self.processes = {name: self._start(name) for name in self.KINDS}

    def _start(self, name: str) -> subprocess.Popen:
        env = self.services.env()
        private = {key: env[key] for key in ("CKAN_SQLALCHEMY_URL", "CKAN_SOLR_URL")}
        return start_consumer(
            self.KINDS[name],
            self.directory / f"{name}.log",
            CKAN_REDIS_URL=env["CKAN_REDIS_URL"],
            **private,
        )

    def restart_exited(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                self.exited.append(f"{name} (exit {process.returncode})")
                self.processes[name] = self._start(name)

    def stop(self) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class PrivateSite:
    """The private site as the test sees it: its tables, its queues, its job runner."""

    def __init__(self, services: PrivateServices) -> None:
        self.services = services
        self.engine = sa.create_engine(services.database_url, pool_pre_ping=True)
        self.expected: dict[str, list[str]] = {}
        """source_name -> the source ids the site must hold for it, over the module's cases."""

    def probe(self, command: str, **arguments):
        return site_probe.call(session_ini(), self.services.env(), command, **arguments)

    def objects(self, job_id: str) -> dict[str, int] | None:
        """The job's harvest objects by state, and the job's status under "job"; None while
        the database is down."""
        try:
            with self.engine.connect() as connection:
                states = connection.execute(
                    sa.text(
                        "SELECT state, count(*) FROM harvest_object "
                        "WHERE harvest_job_id = :job GROUP BY state"
                    ),
                    {"job": job_id},
                ).all()
                status = connection.execute(
                    sa.text("SELECT status FROM harvest_job WHERE id = :job"), {"job": job_id}
                ).scalar()
        except sa.exc.OperationalError:
            return None
        return {**dict(states), "job": status}

    def job_runner_pass(self, stalled: bool) -> None:
        """One `ckan harvester run`. When the job has stalled, the queue's in-flight records
        (messages a consumer took and never acknowledged) are first aged past ckanext-harvest's
        resubmission limits (3 minutes for fetch, 2 hours for gather), as if this pass came
        that much later."""
        try:
            if stalled:
                queues = redis.Redis.from_url(self.services.redis_url, socket_timeout=5)
                old = str(datetime.datetime.now() - datetime.timedelta(hours=3))
                for key in queues.keys("*:harvest_*_id:*"):
                    queues.set(key, old)
            self.services.ckan("harvester", "run")
        except (redis.ConnectionError, redis.TimeoutError, RuntimeError):
            pass  # a service is down: cron's next pass comes

    def finish(self, job_id: str, supervisor: Supervisor, during=None) -> dict[str, int]:
        """Supervise the consumers and pass the job runner until the job is finished; `during`
        runs once, when a quarter of the objects are imported. Returns the objects by state."""
        deadline = time.monotonic() + JOB_SECONDS
        last_done, last_progress = -1, time.monotonic()
        while time.monotonic() < deadline:
            supervisor.restart_exited()
            objects = self.objects(job_id)
            if objects is not None:
                if objects["job"] == "Finished":
                    assert during is None, "the job finished before the service restart"
                    return objects
                done = objects.get("COMPLETE", 0) + objects.get("ERROR", 0)
                if during is not None and done >= DATASETS // 4:
                    during()
                    during = None
                if done != last_done:
                    last_done, last_progress = done, time.monotonic()
            stalled = time.monotonic() - last_progress > STALLED_SECONDS
            self.job_runner_pass(stalled)
            time.sleep(1)
        raise AssertionError(f"job {job_id} did not finish in {JOB_SECONDS}s: {objects}")


def _write(path: Path, ids, changed=()) -> None:
    document = catalogue(ids)
    for source_id in changed:
        document["dataset"][source_id]["title"] = "Changed"
    path.write_text(json.dumps(document))


@pytest.mark.parametrize("service", ["postgres", "solr", "redis"])
def test_a_service_restarted_mid_job_and_the_next_job_converges(
    private_site, catalogue_dir, service, record_property
):
    site, services = private_site, private_site.services
    before = site.probe("snapshot")
    path = catalogue_dir / "catalogue.json"
    source_name = f"restart-{service}"
    source_id = site.probe("create_source", url=str(path), source_name=source_name)
    first = [f"{service}-{n}" for n in range(DATASETS)]
    _write(path, first)

    def restart() -> None:
        services.stop(service)
        time.sleep(DOWN_SECONDS)
        services.start(service)

    with tempfile.TemporaryDirectory(prefix="syncsource-restarts-") as logs:
        supervisor = Supervisor(services, Path(logs))
        try:
            job_id = site.probe("create_job", source_id=source_id)
            objects = site.finish(job_id, supervisor, during=restart)
            first_job = site.probe("job", job_id=job_id)
            exited_in_first_job = list(supervisor.exited)

            # The next day: 10 deleted, 10 changed, 10 new.
            second = first[10:] + [f"{service}-new{n}" for n in range(10)]
            _write(path, second, changed=second[:10])
            site.expected[source_name] = second
            job_id = site.probe("create_job", source_id=source_id)
            site.finish(job_id, supervisor)
            second_job = site.probe("job", job_id=job_id)
            supervisor.restart_exited()
        finally:
            supervisor.stop()

    figures = site.probe(
        "measure", expected=site.expected, before=before, case_sources=[source_name]
    )
    record_property("lost", figures["lost"])
    record_property("duplicates", figures["duplicates"])
    record_property("crashes", len(supervisor.exited) - len(exited_in_first_job))
    record_property(
        "note",
        f"first job: {first_job['stats']}, {len(first_job['errors'])} error(s); "
        f"consumers that exited: {', '.join(exited_in_first_job) or 'none'}",
    )
    assert set(objects) <= {"COMPLETE", "ERROR", "job"}
    assert supervisor.exited == exited_in_first_job, "a consumer exited in the next job"
    assert second_job["errors"] == []
    assert second_job["stats"].get("errored", 0) == 0
    assert figures["problems"] == []
    assert (figures["stale"], figures["foreign_changed"], figures["search_mismatches"]) == (0, 0, 0)
