"""Syncing into sites whose dataset schema is not CKAN's default: scheming's own default
schema, a strict one (a required field the source has as an extra; no free extras), one that
drops unknown extras, and DCAT-AP's recommended schema. Unchanged re-runs write nothing."""

from __future__ import annotations

import json

import pytest
from ckan import model
from ckan.tests import helpers

from ...core.normalize import INDEX_EXTRAS
from ...planning import site_state
from ...web.plan_job import compute_plan, stored_plan
from ..harvest_runner import create_source, job_errors, run_job, sysadmin_context
from ..harvester.catalogue import dataset
from ..harvester.site_view import dataset_count, modified_stamps, show, stats
from .conftest import SCHEMAS

pytestmark = [pytest.mark.scheming]


def _extras(dataset: dict) -> dict:
    return {e["key"]: e["value"] for e in dataset["extras"] if e["key"] not in INDEX_EXTRAS}


def _kept_marker(name: str) -> dict:
    return model.Package.get(show(name)["id"]).plugin_data


def _assert_rerun_writes_nothing(source_id: str, datasets: int) -> None:
    before = modified_stamps()
    job = run_job(source_id)
    assert stats(job)["not modified"] == datasets, job_errors(job["id"])
    assert modified_stamps() == before


def test_scheming_default_schema_keeps_extras_and_both_markers(site_schema, catalogue):
    site_schema("ckanext.scheming:ckan_dataset.yaml")
    catalogue.datasets = {"s1": dataset("s1"), "s2": dataset("s2")}
    source = create_source(catalogue.write(), {"source_name": "cat"})

    job = run_job(source["id"])

    assert stats(job)["added"] == 2, job_errors(job["id"])
    assert _extras(show("ds-s1")) == {"origin": "catalogue", "_harvest_source": "cat:s1"}
    assert _kept_marker("ds-s1") == {"syncsource": {"harvest_source": "cat:s1"}}
    _assert_rerun_writes_nothing(source["id"], 2)


def test_a_strict_schema_gets_the_required_field_from_an_extra(site_schema, catalogue):
    site_schema(SCHEMAS + "strict_dataset.yaml")
    catalogue.datasets = {
        "s1": dataset("s1", extras={"contact": "ann@example.org"}),
        "s2": dataset("s2", extras={"contact": "bob@example.org", "origin": "catalogue"}),
    }
    source = create_source(
        catalogue.write(), {"source_name": "cat", "extras_to_fields": {"contact": "contact_email"}}
    )

    job = run_job(source["id"])

    assert (stats(job)["added"], stats(job)["errored"]) == (1, 1)
    created = show("ds-s1")
    assert created["contact_email"] == "ann@example.org"
    assert _extras(created) == {}
    assert _kept_marker("ds-s1") == {"syncsource": {"harvest_source": "cat:s1"}}
    [error] = job_errors(job["id"])
    assert "extras 'origin': key: The input field key was not expected" in error
    _assert_rerun_writes_nothing(source["id"], 1)


def test_a_schema_dropping_extras_keeps_ownership_and_makes_no_duplicate(site_schema, catalogue):
    site_schema(SCHEMAS + "dropping_dataset.yaml")
    catalogue.datasets = {"s1": dataset("s1"), "s2": dataset("s2")}
    source = create_source(catalogue.write(), {"source_name": "cat"})
    run_job(source["id"])
    ids = {name: show(name)["id"] for name in ("ds-s1", "ds-s2")}
    assert _extras(show("ds-s1")) == {}
    assert site_state.stored_marker(ids["ds-s1"]) == "cat:s1"

    _assert_rerun_writes_nothing(source["id"], 2)

    helpers.call_action("harvest_source_job_history_clear", sysadmin_context(), id=source["id"])
    job = run_job(source["id"])
    # Adopted again by the marker kept in plugin_data (rewritten: the site dropped the free
    # extra the source still has), not created anew.
    assert job_errors(job["id"]) == []
    assert dataset_count() == 2
    assert {name: show(name)["id"] for name in ids} == ids
    _assert_rerun_writes_nothing(source["id"], 2)


def test_dcat_ap_theme_and_contact_from_extras_become_fields(site_schema, catalogue):
    site_schema("ckanext.dcat.schemas:dcat_ap_recommended.yaml")
    contact = [{"name": "Ann", "email": "ann@example.org"}]
    catalogue.datasets = {
        "s1": dataset(
            "s1",
            extras={
                "theme": '["http://publications.europa.eu/resource/authority/data-theme/ECON"]',
                "contact": json.dumps(contact),
                "origin": "catalogue",
            },
        )
    }
    source = create_source(catalogue.write(), {"source_name": "cat"})

    job = run_job(source["id"])

    assert stats(job)["added"] == 1, job_errors(job["id"])
    created = show("ds-s1")
    assert created["theme"] == ["http://publications.europa.eu/resource/authority/data-theme/ECON"]
    assert created["contact"] == contact
    assert _extras(created) == {"origin": "catalogue", "_harvest_source": "cat:s1"}
    _assert_rerun_writes_nothing(source["id"], 1)


def test_the_plan_lists_the_datasets_the_schema_would_refuse_and_why(site_schema, catalogue, cli):
    site_schema(SCHEMAS + "strict_dataset.yaml")
    catalogue.datasets = {
        "s1": dataset("s1", extras={"contact": "ann@example.org"}),
        "s2": dataset("s2", extras={"contact": "bob@example.org", "origin": "catalogue"}),
        "s3": dataset("s3", extras={}),
    }
    source = create_source(
        catalogue.write(), {"source_name": "cat", "extras_to_fields": {"contact": "contact_email"}}
    )

    compute_plan(source["id"])  # the Plan page's background job, run here in process

    would_fail = stored_plan(source["id"])["plan"]["datasets"]["would_fail"]
    refused = {entry["source_id"]: entry["reason"] for entry in would_fail}
    assert set(refused) == {"s2", "s3"}
    assert "extras 'origin': key: The input field key was not expected" in refused["s2"]
    assert "contact_email: Missing value" in refused["s3"]
    assert dataset_count() == 0
    job = run_job(source["id"])
    assert (stats(job)["added"], stats(job)["errored"]) == (1, 2)


def test_a_marker_the_site_dropped_is_reported_once_not_rewritten_every_job(site_schema, catalogue):
    site_schema(SCHEMAS + "dropping_dataset.yaml")
    catalogue.datasets = {"s1": dataset("s1"), "s2": dataset("s2")}
    source = create_source(catalogue.write(), {"source_name": "cat"})
    run_job(source["id"])
    # As a plugin that empties plugin_data would: the schema already drops the extra.
    model.Package.get(show("ds-s1")["id"]).plugin_data = {}
    model.Session.commit()
    before = modified_stamps()

    job = run_job(source["id"])

    assert stats(job)["not modified"] == 2
    assert modified_stamps() == before
    assert job_errors(job["id"]) == []
    [warning] = job["syncsource_warnings"]
    assert "1 dataset(s) of this source carry no ownership marker" in warning
