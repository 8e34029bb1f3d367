"""Other source formats and the package_show form of datasets, through whole harvest jobs."""

from __future__ import annotations

import gzip
import json
import sqlite3

import pytest

from ..harvest_runner import create_source, job_errors, run_job
from .catalogue import dataset, org
from .conftest import SOURCE_NAME
from .site_view import assert_site_matches, expected, modified_stamps, stats


def _package_show_form(source_id: str, **kwargs) -> dict:
    """A source dataset as another CKAN's package_show returns it."""
    legacy = dataset(source_id, **kwargs)
    return {
        **legacy,
        "id": source_id,
        "extras": [{"key": k, "value": v} for k, v in legacy["extras"].items()],
        "tags": [{"name": tag, "display_name": tag} for tag in legacy["tags"]],
        "groups": [{"name": name, "title": name.title()} for name in legacy["groups"]],
        "organization": {"name": legacy.pop("owner_org"), "title": "Org"},
        "owner_org": "a-remote-org-id",
        "metadata_modified": "2020-01-01T00:00:00",
        "state": "active",
        "private": False,
        "num_resources": len(legacy["resources"]),
    }


def _catalogue_records() -> tuple[dict, list[dict]]:
    datasets = {f"p{n}": _package_show_form(f"p{n}", groups=("grp-1",)) for n in range(4)}
    datasets["p4"] = dataset("p4")  # the legacy REST form in the same source
    records = [
        {"type": "organization", "name": "org-a", **org("Organization A")},
        {"type": "group", "name": "grp-1", **org("Group 1")},
        *({"type": "dataset", **content} for content in datasets.values()),
    ]
    for record, source_id in zip(records[2:], datasets, strict=True):
        record["id"] = source_id
    return datasets, records


def _write_jsonl_gz(directory, records) -> str:
    path = directory / "catalogue.jsonl.gz"
    with gzip.open(path, "wt") as out:
        out.writelines(json.dumps(record) + "\n" for record in records)
    return str(path)


def _write_sqlite(directory, records) -> str:
    path = directory / "catalogue.sqlite"
    with sqlite3.connect(path) as db:
        for kind in ("dataset", "group", "organization"):
            db.execute(f'CREATE TABLE "{kind}" (id TEXT PRIMARY KEY, json_data TEXT)')
        for record in records:
            kind = record.pop("type")
            key = record["id"] if kind == "dataset" else record["name"]
            db.execute(f'INSERT INTO "{kind}" VALUES (?, ?)', (key, json.dumps(record)))
    return str(path)


@pytest.mark.parametrize("write", [_write_jsonl_gz, _write_sqlite])
def test_a_source_in_another_format_and_form_syncs_and_reruns_unchanged(
    stack, catalogue_dir, write
):
    datasets, records = _catalogue_records()
    source = create_source(write(catalogue_dir, records), {"source_name": SOURCE_NAME})

    job = run_job(source["id"])

    assert (stats(job)["added"], job_errors(job["id"])) == (5, [])
    assert_site_matches(SOURCE_NAME, expected(datasets))
    before = modified_stamps()
    assert stats(run_job(source["id"]))["not modified"] == 5
    assert modified_stamps() == before
