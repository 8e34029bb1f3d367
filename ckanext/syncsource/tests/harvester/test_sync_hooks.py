"""An `ISyncSource` plugin adjusts what a job writes, and hears when the job is done."""

from __future__ import annotations

import pytest
from ckan import plugins
from ckan.tests import helpers

from ..harvest_runner import job_errors, run_job, sysadmin_context
from .catalogue import dataset
from .site_view import show, stats

pytestmark = pytest.mark.ckan_config("ckan.plugins", "harvest syncsource syncsource_test_hooks")


@pytest.fixture
def hooks(stack):
    plugin = plugins.get_plugin("syncsource_test_hooks")
    plugin.reset()
    return plugin


def _extra(dataset_dict: dict, key: str) -> str | None:
    return next((e["value"] for e in dataset_dict["extras"] if e["key"] == key), None)


def _run(source) -> dict:
    job = run_job(source["id"])
    assert job_errors(job["id"]) == []
    return job


def test_the_plugins_changes_are_written_and_an_unchanged_source_writes_nothing(
    catalogue, make_source, hooks
):
    catalogue.datasets = {"s1": dataset("s1"), "s2": dataset("s2")}
    source = make_source()
    _run(source)
    assert _extra(show("ds-s1"), "synced_by") == "cat:s1 v1"
    assert _extra(show("ds-s2"), "synced_by") == "cat:s2 v1"

    again = _run(source)

    assert stats(again)["not modified"] == 2
    assert (stats(again)["added"], stats(again)["updated"]) == (0, 0)


def test_a_change_the_plugin_undoes_is_not_written(catalogue, make_source, hooks):
    catalogue.datasets = {"s1": dataset("s1")}
    source = make_source()
    _run(source)
    helpers.call_action("package_patch", sysadmin_context(), id="ds-s1", title="Named on the site")
    before = show("ds-s1")["metadata_modified"]
    hooks.keep_site_titles = True
    catalogue.datasets["s1"]["title"] = "Renamed at the source"
    catalogue.write()

    job = _run(source)

    after = show("ds-s1")
    assert (after["title"], after["metadata_modified"]) == ("Named on the site", before)
    assert (stats(job)["updated"], stats(job)["not modified"]) == (0, 1)


def test_a_new_plugin_version_merges_every_dataset_once_more(catalogue, make_source, hooks):
    catalogue.datasets = {"s1": dataset("s1"), "s2": dataset("s2")}
    source = make_source()
    _run(source)
    hooks.label = "v2"

    job = _run(source)

    assert stats(job)["updated"] == 2
    assert _extra(show("ds-s1"), "synced_by") == "cat:s1 v2"
    assert stats(_run(source))["not modified"] == 2


def test_after_sync_hears_each_finished_job_with_its_counts(catalogue, make_source, hooks):
    catalogue.datasets = {"s1": dataset("s1"), "s2": dataset("s2")}
    source = make_source()
    first = _run(source)
    del catalogue.datasets["s2"]
    catalogue.write()
    second = _run(source)

    assert [job_id for job_id, _ in hooks.finished] == [first["id"], second["id"]]
    assert hooks.finished[0][1]["added"] == 2
    counts = hooks.finished[1][1]
    assert (counts["deleted"], counts["not modified"]) == (1, 1)
