"""`ckan syncsource plan` shows what the next job would do, and does none of it."""

from __future__ import annotations

import json

from ckan.cli.cli import ckan

from ..harvest_runner import run_job
from .catalogue import datasets, org
from .site_view import dataset_count, show


def plan(cli, source, *args):
    result = cli.invoke(ckan, ["syncsource", "plan", source["name"], *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_plan_lists_creates_updates_deletes_and_writes_nothing(cli, catalogue, make_source):
    catalogue.datasets = datasets("s1", "s2", "s3")
    source = make_source()
    run_job(source["id"])
    catalogue.datasets = datasets("s1", "s2", "s4")
    catalogue.datasets["s2"]["title"] = "Renamed at the source"
    catalogue.organizations["org-new"] = org("New organization")
    catalogue.write()
    before = show("ds-s2")["metadata_modified"]

    shown = json.loads(plan(cli, source, "--json"))

    assert shown["datasets"]["create"] == [{"source_id": "s4", "name": "ds-s4", "frees": None}]
    assert [step["source_id"] for step in shown["datasets"]["update"]] == ["s2"]
    assert shown["datasets"]["delete"] == [{"source_id": "s3", "name": "ds-s3"}]
    assert shown["datasets"]["unchanged"] == 1
    assert shown["organizations"]["create"] == ["org-new"]
    assert dataset_count() == 3
    assert show("ds-s2")["metadata_modified"] == before
    assert show("ds-s3")["state"] == "active"
    assert shown["refused"] is None


def test_the_plan_says_the_job_would_be_refused_and_why(cli, catalogue, make_source):
    catalogue.datasets = datasets("s1", "s2", "s3", "s4")
    source = make_source()
    run_job(source["id"])
    catalogue.datasets = datasets("s1", "s5")
    catalogue.write()

    text = plan(cli, source)
    shown = json.loads(plan(cli, source, "--json"))

    assert text.splitlines()[1].startswith(
        "The job would be refused: This run would delete 3 of the source's 4 datasets"
    )
    assert "3 to delete" in text
    assert "would delete 3 of the source's 4 datasets" in shown["refused"]
    assert "raise delete_limit" in shown["refused"]
    assert [step["source_id"] for step in shown["datasets"]["delete"]] == ["s2", "s3", "s4"]


def test_an_unknown_source_is_a_clear_error(cli, stack):
    result = cli.invoke(ckan, ["syncsource", "plan", "no-such-source"])

    assert result.exit_code != 0
    assert "'no-such-source' is not a syncsource harvest source" in result.output


def test_the_plan_says_which_dataset_takes_a_name_another_gives_up(cli, catalogue, make_source):
    catalogue.datasets = datasets("s1", "s2", "s3")
    source = make_source(dataset_preserve_names=False)
    run_job(source["id"])
    catalogue.datasets["s1"]["name"], catalogue.datasets["s2"]["name"] = "ds-s2", "ds-s1"
    catalogue.datasets["s3"]["name"] = "ds-s3-now"
    catalogue.datasets.update(datasets("s4"))
    catalogue.datasets["s4"]["name"] = "ds-s3"
    catalogue.write()

    text = plan(cli, source)
    moves = json.loads(plan(cli, source, "--json"))["datasets"]["name_moves"]

    assert [(m["source_id"], m["name"], m["from_source_id"]) for m in moves] == [
        ("s1", "ds-s2", "s2"),
        ("s2", "ds-s1", "s1"),
        ("s4", "ds-s3", "s3"),
    ]
    assert moves[2]["from_id"] == show("ds-s3")["id"]
    assert "  name move: s4 takes the name 'ds-s3' from s3, which this job renames" in text
