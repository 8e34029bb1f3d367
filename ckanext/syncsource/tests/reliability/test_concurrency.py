"""Concurrency: job creation racing itself, a new job while one runs, and two sources whose
catalogues want the same names running at the same time."""

from __future__ import annotations

import json
import threading

import ckan.plugins.toolkit as tk
import pytest
from ckan import model
from ckan.tests import helpers
from ckanext.harvest import queue
from ckanext.harvest.logic import HarvestJobExists
from ckanext.harvest.model import HarvestJob

from ..harvest_runner import job_errors, sysadmin_context
from ..harvester.queue_run import consumer_tracebacks, consumers, finish
from ..harvester.site_view import stats
from .conftest import catalogue
from .invariants import owned_by


def _at_once(count: int, work) -> list:
    """Run `work(number)` in `count` threads released together; returns results or errors."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(number: int) -> None:
        barrier.wait()
        try:
            results[number] = work(number)
        except Exception as e:
            results[number] = e
        finally:
            model.Session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _jobs_of(source_id: str) -> int:
    model.Session.remove()
    return model.Session.query(HarvestJob).filter_by(source_id=source_id).count()


def test_five_simultaneous_job_creations_make_one_job(case, catalogue_dir):
    path = catalogue_dir / "catalogue.json"
    source, source_name = case.new_source(str(path))
    path.write_text(json.dumps(catalogue([f"{source_name}-0"])))

    results = _at_once(
        5,
        lambda _: tk.get_action("harvest_job_create")(
            sysadmin_context(), {"source_id": source["id"], "run": False}
        ),
    )

    created = [result for result in results if isinstance(result, dict)]
    refused = [result for result in results if isinstance(result, HarvestJobExists)]
    assert (len(created), len(refused)) == (1, 4), results
    assert _jobs_of(source["id"]) == 1


def test_a_new_job_is_refused_while_one_runs(case, catalogue_dir):
    path = catalogue_dir / "catalogue.json"
    source, source_name = case.new_source(str(path))
    path.write_text(json.dumps(catalogue([f"{source_name}-0"])))
    running = tk.get_action("harvest_job_create")(
        sysadmin_context(), {"source_id": source["id"], "run": False}
    )
    job = HarvestJob.get(running["id"])
    job.status = "Running"
    job.save()

    refused = _at_once(
        1,
        lambda _: tk.get_action("harvest_job_create")(
            sysadmin_context(), {"source_id": source["id"], "run": False}
        ),
    )

    assert isinstance(refused[0], HarvestJobExists)
    assert "already" in str(refused[0])
    assert _jobs_of(source["id"]) == 1
    job.status = "Finished"
    job.save()


@pytest.mark.full
def test_two_sources_wanting_the_same_names_run_at_once_and_each_owns_its_own(
    case, catalogue_dir, tmp_path
):
    queue.purge_queues()
    sources = []
    for side in ("left", "right"):
        path = catalogue_dir / f"{side}.json"
        source, source_name = case.new_source(str(path))
        ids = [f"{source_name}-{n}" for n in range(4)]
        document = catalogue(ids)
        for n, source_id in enumerate(ids):
            document["dataset"][source_id]["name"] = f"shared-name-{n}"
        path.write_text(json.dumps(document))
        case.expect(source_name, ids)
        sources.append((source, source_name))

    with consumers(tmp_path, gatherers=2, fetchers=2) as started:
        job_ids = [
            helpers.call_action(
                "harvest_job_create", sysadmin_context(), source_id=source["id"], run=True
            )["id"]
            for source, _ in sources
        ]
        pairs = zip(job_ids, sources, strict=True)
        jobs = [finish(job_id, source["id"]) for job_id, (source, _) in pairs]
        case.crashes += [str(p.returncode) for p in started if p.poll() is not None]
    case.crashes += consumer_tracebacks(tmp_path)

    assert [job_errors(job["id"]) for job in jobs] == [[], []]
    assert [stats(job)["added"] for job in jobs] == [4, 4]
    names = [name for _, source_name in sources for _, _, name in owned_by(source_name)]
    assert sorted(names) == sorted(
        [f"shared-name-{n}" for n in range(4)] + [f"shared-name-{n}-1" for n in range(4)]
    )
