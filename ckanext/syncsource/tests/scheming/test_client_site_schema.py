"""The client on a site with ckanext-scheming (test-scheming.ini, scheming's default schema):
source extras the schema holds as fields are written to those fields, as by the harvester."""

from __future__ import annotations

import pytest

from ..client.live_site import extra
from ..harvester.catalogue import datasets, org

pytestmark = pytest.mark.scheming

SOURCE = "cat"


def test_extras_that_are_schema_fields_become_fields_and_an_unchanged_resync_writes_nothing(
    site,
):
    content = datasets("s1")
    content["s1"]["extras"].update({"maintainer": "Data team", "version": "2.1"})
    data = {"organization": {"org-a": org("A")}, "dataset": content}
    client = site.client()

    report = client.sync(SOURCE, data)

    assert (report.created, report.errored) == (["s1"], [])
    shown = site.dataset("ds-s1")
    assert (shown["maintainer"], shown["version"]) == ("Data team", "2.1")
    assert {e["key"] for e in shown["extras"]} == {"origin", "_harvest_source"}
    assert extra(shown, "_harvest_source") == f"{SOURCE}:s1"
    report = client.sync(SOURCE, data)
    assert (report.unchanged, report.writes) == (["s1"], 0)
    assert site.dataset("ds-s1")["metadata_modified"] == shown["metadata_modified"]
