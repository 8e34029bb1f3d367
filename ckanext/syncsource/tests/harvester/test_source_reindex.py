"""Harvest sources keep their fields after a finished job (the repair in logic/source_reindex)."""

from __future__ import annotations

import json

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories, helpers
from ckanext.harvest.model import HarvestSource

from ..harvest_runner import create_source, run_job, sysadmin_context
from .catalogue import datasets
from .conftest import SOURCE_NAME
from .stages import ckan_command


@pytest.fixture
def finished_source(catalogue):
    catalogue.datasets = datasets("s1")
    config = {"source_name": SOURCE_NAME, "delete_limit": 0.8}
    source = create_source(catalogue.write(), config, name="weekly", frequency="WEEKLY")
    run_job(source["id"])
    return source


def test_after_a_finished_job_the_source_shows_its_type_config_and_frequency(finished_source):
    shown = helpers.call_action("harvest_source_show", sysadmin_context(), id=finished_source["id"])

    assert (shown["source_type"], json.loads(shown["config"])["delete_limit"]) == (
        "syncsource",
        0.8,
    )
    assert shown["frequency"] == "WEEKLY"
    assert not {"source_type", "config", "frequency"} & {e["key"] for e in shown.get("extras", [])}


def test_after_a_finished_job_the_source_can_be_patched_and_keeps_its_config(finished_source):
    helpers.call_action(
        "harvest_source_patch", sysadmin_context(), id=finished_source["id"], notes="Described."
    )

    stored = HarvestSource.get(finished_source["id"])
    assert json.loads(stored.config)["delete_limit"] == 0.8
    shown = helpers.call_action("harvest_source_show", sysadmin_context(), id=finished_source["id"])
    assert shown["notes"] == "Described."


def test_the_edit_form_shows_the_config_after_a_finished_job(app, finished_source):
    user = factories.Sysadmin()
    token = factories.APIToken(user=user["name"])["token"]

    page = app.get(f"/harvest/edit/{finished_source['name']}", headers={"Authorization": token})

    assert (
        "&#34;delete_limit&#34;: 0.8" in page.body or "&quot;delete_limit&quot;: 0.8" in page.body
    )


def test_anonymous_visitors_may_not_reindex_a_source(finished_source):
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action(
            "harvest_source_reindex", {"user": "", "ignore_auth": False}, id=finished_source["id"]
        )


def test_reindexing_all_sources_still_works_for_sysadmins_and_repairs_them(finished_source):
    ckan_command("harvester", "reindex")

    shown = helpers.call_action("harvest_source_show", sysadmin_context(), id=finished_source["id"])
    assert shown["source_type"] == "syncsource"


def test_harvester_commands_run_clean_on_a_harvested_source(catalogue, finished_source):
    outputs = [ckan_command("harvester", "run-test", finished_source["name"]) for _ in "12"]
    config = json.dumps({"source_name": "by-cli"})
    args = ("by-cli", catalogue.write(), "syncsource", "By CLI", "true", "", "MANUAL", config)
    outputs.append(ckan_command("harvester", "source", "create", *args))

    assert [output for output in outputs if "Traceback" in output or "Error:" in output] == []
    shown = helpers.call_action("harvest_source_show", sysadmin_context(), id="by-cli")
    assert json.loads(shown["config"]) == {"source_name": "by-cli"}
