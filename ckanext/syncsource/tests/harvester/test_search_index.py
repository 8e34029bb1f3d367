"""The search index (and so package_show, which answers from it) names each dataset's current
harvest object."""

from __future__ import annotations

import json

import ckan.plugins.toolkit as tk
import pysolr
import pytest
import sqlalchemy as sa
from ckan import model
from ckan.lib.search.common import make_connection
from ckan.tests import helpers
from ckanext.harvest.model import HarvestObject

from ckanext.syncsource.harvest import index_commits

from ..harvest_runner import job_errors, run_job, sysadmin_context
from .catalogue import datasets


def _harvest_extras(dataset: dict) -> dict[str, str]:
    return {
        extra["key"]: extra["value"]
        for extra in dataset["extras"]
        if extra["key"] in ("harvest_object_id", "harvest_source_id")
    }


def test_indexed_harvest_links_follow_the_current_object_after_creates_and_updates(
    catalogue, make_source
):
    catalogue.datasets = datasets("s1", "s2")
    source = make_source()
    run_job(source["id"])
    catalogue.datasets["s1"]["title"] = "Updated"
    catalogue.write()
    run_job(source["id"])

    results = helpers.call_action("package_search", sysadmin_context(), q="*:*")["results"]

    assert len(results) == 2
    for result in results:
        [current] = model.Session.query(HarvestObject.id).filter_by(
            package_id=result["id"], current=True
        )
        assert _harvest_extras(result) == {
            "harvest_object_id": current.id,
            "harvest_source_id": source["id"],
        }


GHOST = "0a0a0a0a-0000-4000-8000-000000000000"


def _indexed_ids() -> set[str]:
    results = helpers.call_action("package_search", sysadmin_context(), q="*:*", rows=100)
    return {result["id"] for result in results["results"]}


def test_an_index_entry_of_the_source_without_a_dataset_is_removed_by_the_next_job(
    catalogue, make_source
):
    """What a worker killed inside package_create's commit leaves: an indexed dataset that the
    database never got."""
    catalogue.datasets = datasets("s1", "s2")
    source = make_source()
    run_job(source["id"])
    connection = make_connection(decode_dates=False)
    [document] = connection.search(q='name:"ds-s1"', fl="*").docs
    ghost = {key: value for key, value in document.items() if key != "_version_"}
    fields = {"id": GHOST, "name": "ds-s1-ghost"}
    # harvest_source_id is indexed, not stored: set as ckanext-harvest's before_index sets it
    ghost.update(fields, index_id="ghost", harvest_source_id=source["id"])
    for stored in ("data_dict", "validated_data_dict"):  # what package_search answers from
        ghost[stored] = json.dumps({**json.loads(ghost[stored]), **fields})
    connection.add([ghost], commit=True)
    assert GHOST in _indexed_ids()

    job = run_job(source["id"])

    assert job_errors(job["id"]) == []
    in_database = set(
        model.Session.scalars(sa.select(model.Package.id).where(model.Package.type == "dataset"))
    )
    assert _indexed_ids() == in_database
    assert len(in_database) == 2


@pytest.fixture
def solr_adds(monkeypatch) -> dict[str, set[bool]]:
    """For each dataset (not harvest source) CKAN sends to Solr from now on, by name: the
    `commit` values it is sent with (sent on as it is). A set: CKAN 2.12 sends a new dataset
    once, CKAN 2.11 twice (measured with 2.11.6)."""
    commits: dict[str, set[bool]] = {}
    real_add = pysolr.Solr.add

    def add(self, docs, *args, commit=True, **kwargs):
        for doc in docs:
            if doc.get("dataset_type") == "dataset":
                commits.setdefault(doc["name"], set()).add(commit)
        return real_add(self, docs, *args, commit=commit, **kwargs)

    monkeypatch.setattr(pysolr.Solr, "add", add)
    return commits


def test_a_job_indexes_its_datasets_without_a_commit_each_and_search_is_whole_at_its_end(
    catalogue, make_source, solr_adds
):
    catalogue.datasets = datasets("s1", "s2", "s3", "s4")
    source = make_source()

    run_job(source["id"])

    assert solr_adds == {f"ds-s{n}": {False} for n in range(1, 5)}
    assert tk.config["ckan.search.solr_commit"] is True  # only the import's writes defer
    names = {r["name"] for r in helpers.call_action("package_search", q="*:*")["results"]}
    assert names == {"ds-s1", "ds-s2", "ds-s3", "ds-s4"}


def test_search_keeps_up_with_soft_commits_while_a_job_writes_and_is_flushed_at_its_end(
    catalogue, make_source, monkeypatch
):
    """Solr sites without autoSoftCommit still see a job's datasets while it runs: the writing
    process asks for a soft commit at most every COMMIT_EVERY seconds (here: after each
    write); the index goes to disk (a hard commit) once, when the job has finished."""
    commits: list[str] = []
    real_commit = pysolr.Solr.commit

    def commit(self, softCommit=False, **kwargs):
        commits.append("soft" if softCommit else "hard")
        return real_commit(self, softCommit=softCommit, **kwargs)

    monkeypatch.setattr(pysolr.Solr, "commit", commit)
    monkeypatch.setattr(index_commits, "COMMIT_EVERY", 0.0)
    catalogue.datasets = datasets("s1", "s2", "s3")

    run_job(make_source()["id"])

    assert commits == ["soft", "soft", "soft", "hard"]


@pytest.mark.ckan_config("ckanext.syncsource.defer_index_commits", "false")
def test_with_deferral_off_each_dataset_is_committed_as_ckan_does(
    catalogue, make_source, solr_adds
):
    catalogue.datasets = datasets("s1", "s2")
    source = make_source()

    run_job(source["id"])

    assert solr_adds == {"ds-s1": {True}, "ds-s2": {True}}
