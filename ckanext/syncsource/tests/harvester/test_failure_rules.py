"""The safety rules: a source that cannot be read, that lost its datasets or too many of them,
a bad dataset among good ones, and a source config that must be refused when saved."""

from __future__ import annotations

import json
from pathlib import Path

import ckan.plugins.toolkit as tk
import pytest
from ckan import model
from ckan.lib.search import common as search_common
from ckan.tests import helpers
from ckanext.harvest.model import HarvestObject

from ..harvest_runner import create_source, job_errors, run_job, sysadmin_context
from .catalogue import dataset, datasets, org
from .conftest import SOURCE_NAME
from .site_view import assert_site_matches, dataset_count, expected, modified_stamps, stats
from .stages import gather_job, import_object, run_job_finish


def _break_missing(path: Path) -> str:
    path.unlink()
    return "no such file"


def _break_invalid_json(path: Path) -> str:
    path.write_text('{"dataset": {"s1": {"name": "ds-s1",}}}')
    return "JSON"


def _break_truncated(path: Path) -> str:
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    return "JSON"


@pytest.mark.parametrize("damage", [_break_missing, _break_invalid_json, _break_truncated])
def test_an_unreadable_source_fails_the_job_and_changes_nothing(catalogue, make_source, damage):
    catalogue.datasets = datasets("s1", "s2", "s3", "s4")
    source = make_source()
    run_job(source["id"])
    before = modified_stamps()
    catalogue.datasets = {"s9": dataset("s9")}  # what a good read would create
    cause = damage(Path(catalogue.write()))

    job = run_job(source["id"])

    errors = job_errors(job["id"])
    assert len(errors) == 1
    assert "could not be read" in errors[0]
    assert cause in errors[0]
    assert stats(job) == {**stats({"stats": {}}), "errored": 1}
    assert modified_stamps() == before


def test_a_source_without_datasets_is_refused_and_changes_nothing(catalogue, make_source):
    catalogue.datasets = datasets("s1", "s2", "s3")
    source = make_source(delete_limit=1)
    run_job(source["id"])
    wanted = expected(catalogue.datasets)
    catalogue.datasets = {}
    catalogue.organizations["org-new"] = org("Not to be created")
    catalogue.write()

    job = run_job(source["id"])

    [error] = job_errors(job["id"])
    assert "no datasets while CKAN holds 3 of its datasets" in error
    assert "nothing was changed" in error
    assert stats(job) == {**stats({"stats": {}}), "errored": 1}
    assert helpers.call_action("organization_list") == ["org-a"]
    assert_site_matches(SOURCE_NAME, wanted)


def test_more_deletes_than_the_limit_refuse_the_job_until_the_limit_is_raised(
    catalogue, make_source, reconfigure
):
    """A re-keyed catalogue: every id changed. The job must not create the new datasets beside
    the old ones, nor touch an organization, before the operator allows the deletes."""
    catalogue.datasets = datasets(*(f"s{n}" for n in range(10)))
    source = make_source()
    run_job(source["id"])
    before = modified_stamps()
    catalogue.datasets = {f"k{n}": dataset(f"k{n}", name=f"ds-s{n}") for n in range(10)}
    catalogue.organizations["org-a"]["title"] = "Organization A, renamed"
    catalogue.organizations["org-new"] = org("New organization")
    catalogue.write()
    reconfigure(source, organization_merge_strategy="update")

    job = run_job(source["id"])

    [error] = job_errors(job["id"])
    assert "would delete 10 of the source's 10 datasets" in error
    assert "more than the delete_limit of 50%" in error
    assert "raise delete_limit in the source configuration to at least 1 for one run" in error
    assert stats(job) == {**stats({"stats": {}}), "errored": 1}
    assert modified_stamps() == before
    assert helpers.call_action("organization_list") == ["org-a"]
    assert helpers.call_action("organization_show", id="org-a")["title"] == "Organization A"
    assert model.Session.query(HarvestObject).filter_by(harvest_job_id=job["id"]).count() == 0

    reconfigure(source, organization_merge_strategy="update", delete_limit=1)
    job = run_job(source["id"])

    assert (stats(job)["deleted"], stats(job)["added"], job_errors(job["id"])) == (10, 10, [])
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))
    assert dataset_count() == 20


def test_a_bad_dataset_errors_with_its_reason_and_the_rest_goes_on(catalogue, make_source):
    catalogue.datasets = datasets("s1", "s2")
    catalogue.datasets["unknown-org"] = dataset("unknown-org", org="no-such-org")
    catalogue.datasets["bad-name"] = dataset("bad-name", name="Not a valid name!")
    catalogue.datasets["short-tag"] = dataset("short-tag", tags=["x"])
    catalogue.datasets["unknown-group"] = dataset("unknown-group", groups=("no-such-group",))
    catalogue.datasets["twin-1"] = dataset("twin-1", name="ds-twin")
    catalogue.datasets["twin-2"] = dataset("twin-2", name="ds-twin")
    source = make_source()

    job = run_job(source["id"])

    assert (stats(job)["added"], stats(job)["errored"]) == (2, 6)
    errors = "\n".join(job_errors(job["id"]))
    assert "unknown key 'no-such-group'" in errors
    assert errors.count("name 'ds-twin' is wanted by datasets ['twin-1', 'twin-2']") == 2
    assert "unknown key 'no-such-org'" in errors
    assert "invalid name 'Not a valid name!'" in errors
    assert 'Tag "x" length is less than minimum 2' in errors
    assert_site_matches(SOURCE_NAME, expected(datasets("s1", "s2")))


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"dataset_group_merge_strategy": "merge"}, "dataset_group_merge_strategy"),
        ({"organization_merge_strategy": "upsert"}, "organization_merge_strategy"),
        ({"dataset_preserve_names": "yes"}, "dataset_preserve_names"),
        ({"delete_limit": 5}, "delete_limit"),
        ({"source_name": "with:colon"}, "source_name"),
        ({"no_such_option": True}, "no_such_option"),
    ],
)
def test_an_invalid_config_is_refused_when_the_source_is_saved(stack, config, named):
    with pytest.raises(tk.ValidationError) as refused:
        create_source("/tmp/syncsource-test/sources/any.json", config)

    assert named in json.dumps(refused.value.error_dict)
    assert helpers.call_action("harvest_source_list", sysadmin_context()) == []


def test_a_second_source_with_the_same_source_name_is_refused(stack):
    create_source("/tmp/syncsource-test/sources/one.json", {"source_name": "shared"})

    with pytest.raises(tk.ValidationError) as refused:
        create_source("/tmp/syncsource-test/sources/two.json", {"source_name": "shared"})

    assert "source_name 'shared' is already used" in json.dumps(refused.value.error_dict)
    assert len(helpers.call_action("harvest_source_list", sysadmin_context())) == 1


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9/catalogue.json", "refused address 127.0.0.1 (loopback)"),
        ("http://169.254.169.254/latest/", "refused address 169.254.169.254 (link-local)"),
        ("/etc/hostname", "outside the allowed directories"),
        ("file:///etc/hostname", "outside the allowed directories"),
    ],
)
def test_a_source_at_a_refused_address_fails_with_the_reason_and_writes_nothing(stack, url, reason):
    source = create_source(url, {"source_name": SOURCE_NAME, "format": "json"})

    job = run_job(source["id"])

    [error] = job_errors(job["id"])
    assert "could not be read" in error
    assert reason in error
    assert dataset_count() == 0
    assert helpers.call_action("organization_list") == []


def test_an_invalid_organization_errors_and_its_datasets_with_it(catalogue, make_source):
    catalogue.organizations["Bad Org"] = {"title": "Invalid key"}
    catalogue.datasets = datasets("s1", "s2")
    catalogue.datasets["s3"] = dataset("s3", org="Bad Org")
    source = make_source()

    job = run_job(source["id"])

    errors = job_errors(job["id"])
    assert any(
        "organization 'Bad Org'" in error and "not a valid name" in error for error in errors
    )
    assert any("unknown key 'Bad Org'" in error for error in errors)
    assert stats(job)["added"] == 2
    assert helpers.call_action("organization_list") == ["org-a"]


def test_an_organization_ckan_refuses_to_revive_stays_deleted_and_its_datasets_error(
    catalogue, make_source
):
    helpers.call_action("organization_create", sysadmin_context(), name="org-a", title="A")
    helpers.call_action("organization_delete", sysadmin_context(), id="org-a")
    catalogue.organizations["org-a"]["extras"] = {"title": "clashes with a schema field"}
    catalogue.datasets = {"s1": dataset("s1")}
    source = make_source(organization_merge_strategy="update")

    job = run_job(source["id"])

    errors = "\n".join(job_errors(job["id"]))
    assert "organization 'org-a'" in errors
    assert "There is a schema field with the same name" in errors
    assert "unknown key 'org-a'" in errors
    shown = helpers.call_action("organization_show", sysadmin_context(), id="org-a")
    assert shown["state"] == "deleted"
    assert dataset_count() == 0


def _point_search_at_nothing(monkeypatch, ckan_config) -> None:
    unreachable = "http://127.0.0.1:9/solr/gone"
    monkeypatch.setitem(ckan_config, "solr_url", unreachable)
    # CKAN 2.11 copies solr_url into SolrSettings at start-up and connects with that copy;
    # CKAN 2.12 reads the config on each connection and has no SolrSettings.
    settings = getattr(search_common, "SolrSettings", None)
    if settings is not None:
        monkeypatch.setattr(settings, "_url", unreachable)


def test_an_import_that_fails_unexpectedly_errors_and_the_next_job_repairs_it(
    catalogue, make_source, ckan_config, monkeypatch
):
    catalogue.datasets = datasets("s1", "s2")
    source = make_source()
    job_id, object_ids = gather_job(source["id"])
    # The search index goes away between gather and import: package_create cannot index.
    _point_search_at_nothing(monkeypatch, ckan_config)

    for object_id in object_ids:
        import_object(object_id)
    monkeypatch.undo()

    job = run_job_finish(source["id"], job_id)
    assert job["status"] == "Finished"
    assert stats(job)["errored"] == 2
    assert all("failed unexpectedly" in message for message in job_errors(job_id))
    assert stats(run_job(source["id"]))["added"] == 2
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))
