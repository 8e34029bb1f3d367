"""Jobs through the real queues (Redis; RabbitMQ under `make test-amqp`) and ckanext-harvest's
consumer processes."""

from __future__ import annotations

import pytest
from ckan.tests import helpers

from ..harvest_runner import job_errors, run_job, sysadmin_context
from .catalogue import dataset, datasets, org
from .conftest import SOURCE_NAME
from .queue_run import consumer_tracebacks, consumers, finish, objects_taken
from .site_view import assert_site_matches, dataset_count, expected, show, stats

pytestmark = [pytest.mark.queues, pytest.mark.usefixtures("empty_queues")]


def _start_job(source_id: str) -> str:
    return helpers.call_action(
        "harvest_job_create", sysadmin_context(), source_id=source_id, run=True
    )["id"]


def test_a_job_runs_through_the_gather_and_fetch_consumers(catalogue, make_source, tmp_path):
    catalogue.organizations["org-b"] = org("Organization B")
    catalogue.groups = {"grp-1": org("Group 1")}
    catalogue.datasets = {
        **datasets("s1", "s2", "s3", groups=("grp-1",)),
        **datasets("s4", "s5", org="org-b", resources=2),
    }
    source = make_source()

    with consumers(tmp_path):
        job = finish(_start_job(source["id"]), source["id"])

    assert (stats(job)["added"], job_errors(job["id"])) == (5, [])
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))
    assert consumer_tracebacks(tmp_path) == []


def test_two_fetch_consumers_apply_deletes_creates_and_updates_without_duplicates(
    catalogue, make_source, tmp_path
):
    catalogue.datasets = datasets(*(f"s{n:02}" for n in range(16)))
    source = make_source()
    run_job(source["id"])
    for n in range(4):
        del catalogue.datasets[f"s{n:02}"]
    for n in range(4, 10):
        catalogue.datasets[f"s{n:02}"]["title"] = f"Updated {n}"
    new = datasets(*(f"n{n}" for n in range(6)))
    new["n0"]["name"] = "ds-s00"  # the name of a dataset this job deletes
    catalogue.datasets.update(new)
    catalogue.write()

    with consumers(tmp_path, fetchers=2):
        job = finish(_start_job(source["id"]), source["id"])

    assert job_errors(job["id"]) == []
    assert stats(job) == {
        "added": 6,
        "updated": 6,
        "deleted": 4,
        "not modified": 6,
        "errored": 0,
    }
    # The job deletes the dataset holding ds-s00, so the new dataset takes exactly that name.
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))
    assert dataset_count() == 16 + 6
    assert consumer_tracebacks(tmp_path) == []
    # Both consumers took part: the run above was concurrent, not one consumer doing it all.
    taken = [objects_taken(tmp_path / f"fetch-{n}.log") for n in range(2)]
    assert min(taken) > 0, taken
    assert sum(taken) == 16


@pytest.mark.parametrize("fetchers", [1, 2])
def test_a_catalogue_rekeyed_with_the_same_names_gets_exactly_its_names(
    catalogue, make_source, reconfigure, tmp_path, fetchers
):
    catalogue.datasets = datasets(*(f"s{n}" for n in range(8)))
    source = make_source()
    run_job(source["id"])
    old_ids = {show(f"ds-s{n}")["id"] for n in range(8)}
    catalogue.datasets = {f"k{n}": dataset(f"k{n}", name=f"ds-s{n}") for n in range(8)}
    catalogue.write()
    reconfigure(source, delete_limit=1)

    with consumers(tmp_path, fetchers=fetchers):
        job = finish(_start_job(source["id"]), source["id"])

    assert job_errors(job["id"]) == []
    assert (stats(job)["added"], stats(job)["deleted"]) == (8, 8)
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))
    assert all(show(package_id)["state"] == "deleted" for package_id in old_ids)
    assert consumer_tracebacks(tmp_path) == []


def test_names_rotated_at_the_source_are_exact_after_one_job_with_two_consumers(
    catalogue, make_source, tmp_path
):
    """Every rename wants the name the next dataset holds until its own rename (a cycle):
    renames run under the source's names lock and move the holder off the name first."""
    catalogue.datasets = datasets(*(f"s{n}" for n in range(8)))
    source = make_source(dataset_preserve_names=False)
    run_job(source["id"])
    ids = {f"s{n}": show(f"ds-s{n}")["id"] for n in range(8)}
    for n in range(8):
        catalogue.datasets[f"s{n}"]["name"] = f"ds-s{(n + 1) % 8}"
    catalogue.write()

    with consumers(tmp_path, fetchers=2):
        job = finish(_start_job(source["id"]), source["id"])

    assert (stats(job)["updated"], job_errors(job["id"])) == (8, [])
    assert {n: show(f"ds-s{(n + 1) % 8}")["id"] for n in range(8)} == {
        n: ids[f"s{n}"] for n in range(8)
    }
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))
    assert consumer_tracebacks(tmp_path) == []


def test_a_dataset_added_while_consumers_run_is_picked_up_by_the_next_job(
    catalogue, make_source, tmp_path
):
    catalogue.datasets = datasets("s1", "s2")
    source = make_source()

    with consumers(tmp_path):
        finish(_start_job(source["id"]), source["id"])
        catalogue.datasets["s3"] = dataset("s3")
        catalogue.write()
        job = finish(_start_job(source["id"]), source["id"])

    assert (stats(job)["added"], stats(job)["not modified"]) == (1, 2)
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))


@pytest.mark.load
def test_a_thousand_datasets_through_one_gather_and_three_fetch_consumers(
    catalogue, make_source, tmp_path
):
    catalogue.groups = {"grp-1": org("Group 1")}
    catalogue.datasets = datasets(*(f"s{n:04}" for n in range(1000)), groups=("grp-1",))
    source = make_source()

    with consumers(tmp_path, fetchers=3):
        job = finish(_start_job(source["id"]), source["id"], timeout=1800)

    assert (stats(job)["added"], job_errors(job["id"])) == (1000, [])
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))
    taken = [objects_taken(tmp_path / f"fetch-{n}.log") for n in range(3)]
    assert min(taken) > 0, f"a fetch consumer took no object: {taken}"
    assert consumer_tracebacks(tmp_path) == []
