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

from ..harvest_runner import job_errors, sysadmin_context, wait_until
from ..harvester.queue_run import consumer_tracebacks, consumers, finish, objects_taken
from ..harvester.site_view import stats
from .conftest import catalogue
from .invariants import owned_by

JOB_SECONDS = 300
"""How long a job of the consumers may take: a loaded machine (load 9-12 on 2 CPUs) took more
than 2 minutes for the two sources' 8 datasets."""


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
        jobs = [finish(job_id, source["id"], timeout=JOB_SECONDS) for job_id, (source, _) in pairs]
        case.crashes += [str(p.returncode) for p in started if p.poll() is not None]
    case.crashes += consumer_tracebacks(tmp_path)

    assert [job_errors(job["id"]) for job in jobs] == [[], []]
    assert [stats(job)["added"] for job in jobs] == [4, 4]
    names = [name for _, source_name in sources for _, _, name in owned_by(source_name)]
    assert sorted(names) == sorted(
        [f"shared-name-{n}" for n in range(4)] + [f"shared-name-{n}-1" for n in range(4)]
    )


def _received(log_dir, kind: str) -> list[str]:
    """Ids of the harvest objects the `kind` consumers' logs say they received."""
    marker = "Received harvest object id: "
    return [
        line.split(marker, 1)[1].strip()
        for log in sorted(log_dir.glob(f"{kind}-*.log"))
        for line in log.read_text().splitlines()
        if marker in line
    ]


def _source_of(case, catalogue_dir, count: int) -> tuple[dict, str, list[str]]:
    path = catalogue_dir / "catalogue.json"
    source, source_name = case.new_source(str(path))
    ids = [f"{source_name}-{n}" for n in range(count)]
    path.write_text(json.dumps(catalogue(ids)))
    case.expect(source_name, ids)
    return source, source_name, ids


@pytest.mark.full
def test_two_gather_and_three_fetch_consumers_take_every_object_of_one_job_once(
    case, catalogue_dir, tmp_path
):
    queue.purge_queues()
    source, _, ids = _source_of(case, catalogue_dir, 30)

    with consumers(tmp_path, gatherers=2, fetchers=3) as started:
        job_id = helpers.call_action(
            "harvest_job_create", sysadmin_context(), source_id=source["id"], run=True
        )["id"]
        job = finish(job_id, source["id"], timeout=JOB_SECONDS)
        case.crashes += [str(p.returncode) for p in started if p.poll() is not None]
    case.crashes += consumer_tracebacks(tmp_path)

    assert job_errors(job_id) == []
    assert stats(job)["added"] == len(ids)
    received = _received(tmp_path, "fetch")
    assert len(received) == len(set(received)) == len(ids)
    per_consumer = [objects_taken(tmp_path / f"fetch-{n}.log") for n in range(3)]
    assert sum(1 for taken in per_consumer if taken) >= 2, per_consumer


@pytest.mark.full
def test_messages_held_by_two_consumers_at_once_write_each_dataset_once(
    case, catalogue_dir, tmp_path
):
    """The gather message and every fetch message are queued twice in a row, so two consumers
    take the same message at the same time."""
    queue.purge_queues()
    source, _, ids = _source_of(case, catalogue_dir, 30)
    redis = queue.get_connection()
    job_id = helpers.call_action(
        "harvest_job_create", sysadmin_context(), source_id=source["id"], run=True
    )["id"]
    # as ckanext-harvest's resubmission of an unacknowledged message does (the publisher would
    # drop a queued duplicate)
    redis.rpush(queue.get_gather_routing_key(), json.dumps({"harvest_job_id": job_id}))
    assert redis.llen(queue.get_gather_routing_key()) == 2

    gathering = tmp_path / "gathering"
    gathering.mkdir()
    with consumers(gathering, gatherers=2, fetchers=0) as started:
        wait_until(
            lambda: (
                redis.llen(queue.get_fetch_routing_key()) >= len(ids)
                and not redis.keys(f"{queue.get_gather_routing_key()}:*")
                and redis.llen(queue.get_gather_routing_key()) == 0
            ),
            what="both gather messages to be worked off",
        )
        case.crashes += [str(p.returncode) for p in started if p.poll() is not None]
    key = queue.get_fetch_routing_key()
    messages = redis.lrange(key, 0, -1)
    redis.delete(key)
    for message in messages:
        redis.rpush(key, message, message)

    fetching = tmp_path / "fetching"
    fetching.mkdir()
    with consumers(fetching, gatherers=0, fetchers=2) as started:
        # a second delivery sets a finished object back to FETCH while it runs
        held = [f"{key}:{json.loads(message)['harvest_object_id']}" for message in messages]
        wait_until(
            lambda: redis.llen(key) == 0 and not redis.exists(*held),
            what="every fetch message to be worked off",
        )
        job = finish(job_id, source["id"], timeout=JOB_SECONDS)
        case.crashes += [str(p.returncode) for p in started if p.poll() is not None]
    case.crashes += consumer_tracebacks(gathering) + consumer_tracebacks(fetching)

    assert job_errors(job_id) == []
    counts = stats(job)
    assert (counts["added"], counts["updated"], counts["errored"]) == (len(ids), 0, 0)
    received = _received(fetching, "fetch")
    assert len(set(received)) == len(ids)
    assert min(received.count(object_id) for object_id in set(received)) >= 2
