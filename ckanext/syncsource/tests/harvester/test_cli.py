"""The ckanext-harvest commands an operator runs by hand work on a syncsource source."""

from __future__ import annotations

from ckan.tests import helpers

from ..harvest_runner import run_job, sysadmin_context
from .catalogue import datasets
from .conftest import SOURCE_NAME
from .site_view import assert_site_matches, dataset_count, expected, show, stats
from .stages import ckan_command


def test_harvester_run_test_syncs_the_source_in_one_process(catalogue, make_source):
    catalogue.datasets = datasets("s1", "s2", "s3")
    source = make_source()

    ckan_command("harvester", "run-test", source["name"])

    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))
    assert stats(run_job(source["id"]))["not modified"] == 3


def test_harvester_import_reapplies_the_current_objects(catalogue, make_source):
    catalogue.datasets = datasets("s1", "s2")
    source = make_source()
    run_job(source["id"])
    helpers.call_action("package_patch", sysadmin_context(), id="ds-s1", title="Edited by hand")
    before = show("ds-s2")["metadata_modified"]

    ckan_command("harvester", "import", source["id"])

    assert show("ds-s1")["title"] == "Dataset s1"
    assert show("ds-s2")["metadata_modified"] == before
    assert dataset_count() == 2
