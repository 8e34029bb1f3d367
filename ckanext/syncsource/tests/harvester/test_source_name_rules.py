"""Each syncsource source keeps its own `source_name` (the prefix of its ownership marker):
when saved, updated, against another source's default name, and again at gather; and a source
keeps owning its datasets after its harvest history is cleared."""

from __future__ import annotations

import json

import ckan.plugins.toolkit as tk
import pytest
from ckan import model
from ckan.tests import helpers
from ckanext.harvest.model import HarvestSource

from ..harvest_runner import (
    create_source,
    job_errors,
    run_job,
    save_source_config,
    sysadmin_context,
)
from .catalogue import datasets
from .conftest import SOURCE_NAME
from .site_view import assert_site_matches, dataset_count, expected, show, stats


def test_an_update_taking_another_sources_source_name_is_refused(stack):
    create_source("/tmp/syncsource-test/sources/one.json", {"source_name": "one"})
    two = create_source("/tmp/syncsource-test/sources/two.json", {"source_name": "two"})

    with pytest.raises(tk.ValidationError) as refused:
        save_source_config(two, {"source_name": "one"})

    assert "source_name 'one' is already used" in json.dumps(refused.value.error_dict)
    assert json.loads(HarvestSource.get(two["id"]).config) == {"source_name": "two"}


def test_a_source_name_equal_to_another_sources_default_name_is_refused(stack):
    # Without a source_name in its config, a source's source_name is its own name.
    create_source("/tmp/syncsource-test/sources/one.json", {}, name="shared")

    with pytest.raises(tk.ValidationError) as refused:
        create_source("/tmp/syncsource-test/sources/two.json", {"source_name": "shared"})

    assert "source_name 'shared' is already used" in json.dumps(refused.value.error_dict)


def test_gather_refuses_a_source_name_that_another_source_got_around_the_form(
    catalogue, make_source
):
    catalogue.datasets = datasets("s1", "s2")
    first = make_source()
    other = create_source(catalogue.write(), {"source_name": "other"})
    # A config changed in the database (a migration, an old version) skips the form's check.
    HarvestSource.get(other["id"]).config = json.dumps({"source_name": SOURCE_NAME})
    model.Session.commit()

    job = run_job(first["id"])

    [error] = job_errors(job["id"])
    assert f"source_name {SOURCE_NAME!r} is also used by harvest source(s) {other['id']}" in error
    assert dataset_count() == 0


def test_a_source_still_owns_its_datasets_after_its_history_is_cleared(catalogue, make_source):
    catalogue.datasets = datasets("s1", "s2", "s3")
    source = make_source()
    run_job(source["id"])
    ids = {key: show(f"ds-{key}")["id"] for key in ("s1", "s2")}
    helpers.call_action("harvest_source_job_history_clear", sysadmin_context(), id=source["id"])
    catalogue.datasets["s1"]["title"] = "Changed after the history was cleared"
    del catalogue.datasets["s3"]
    catalogue.write()

    job = run_job(source["id"])

    assert job_errors(job["id"]) == []
    # ckanext-harvest reports the update of s1 as "added" (it counts a dataset's harvest
    # objects, and the history is gone); what matters is that it is the same dataset.
    assert stats(job)["deleted"] == 1
    assert {key: show(f"ds-{key}")["id"] for key in ("s1", "s2")} == ids
    assert show("ds-s1")["title"] == "Changed after the history was cleared"
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))
    assert dataset_count() == 3
