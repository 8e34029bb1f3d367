"""Runs of `SynchronizationClient.sync` against a live CKAN: what it writes, and what it leaves."""

from __future__ import annotations

from collections import Counter
from types import MappingProxyType

import pytest

from ckanext.syncsource.client import site_state

from ..harvester.catalogue import dataset, datasets, org
from .live_site import extra

SOURCE = "cat"
ORGS = {"org-a": org("A"), "org-b": org("B")}
GROUPS = {"grp-1": org("Group 1")}


def _data(dataset_dicts: dict) -> dict:
    return {"organization": ORGS, "group": GROUPS, "dataset": dataset_dicts}


def _modified(site, names) -> dict[str, str]:
    return {name: site.dataset(name)["metadata_modified"] for name in names}


def _count_calls(client, monkeypatch) -> Counter:
    """Count the client's action calls by action name."""
    calls: Counter = Counter()
    call = client.api.call

    def counting(action, data=None):
        calls[action] += 1
        return call(action, data)

    monkeypatch.setattr(client.api, "call", counting)
    return calls


def test_a_multi_step_sync_creates_modifies_removes_and_adds(site):
    client = site.client()
    day1 = datasets("a", "b", "c")
    report = client.sync(SOURCE, _data(day1))
    assert sorted(report.created) == ["a", "b", "c"]
    assert report.names == {"a": "ds-a", "b": "ds-b", "c": "ds-c"}
    ids = {source_id: site.dataset(f"ds-{source_id}")["id"] for source_id in day1}

    day2 = datasets("a", "b", "d")
    day2["b"]["title"] = "B, edited at the source"
    day2["b"]["resources"].append({"id": "b-r9", "url": "https://data.example.org/b/9.csv"})
    report = client.sync(SOURCE, _data(day2))

    assert (report.created, report.updated, report.deleted) == (["d"], ["b"], ["c"])
    assert (report.unchanged, report.errored) == (["a"], [])
    owned = site.owned(SOURCE)
    assert sorted(owned) == ["a", "b", "d"]
    assert owned["b"]["id"] == ids["b"]
    assert owned["b"]["title"] == "B, edited at the source"
    assert len(owned["b"]["resources"]) == 2
    assert site.dataset(ids["c"])["state"] == "deleted"
    assert extra(owned["d"], "_harvest_source") == "cat:d"


def test_an_unchanged_resync_writes_nothing(site, monkeypatch):
    rich = datasets("a", "b", groups=("grp-1",), resources=2)
    rich["p"] = dataset("p", private=True, license_id="cc-by", version="1.0", url="https://x.org")
    rich["s"] = {
        "name": "ds-s",
        "title": "Show form",
        "owner_org": "org-a",
        "tags": [{"name": "sync"}],
        "extras": [{"key": "origin", "value": "catalogue"}],
        "groups": [{"name": "grp-1"}],
        "resources": [{"id": "s-r0", "url": "https://data.example.org/s.csv", "format": "CSV"}],
    }
    client = site.client()
    assert sorted(client.sync(SOURCE, _data(rich)).created) == ["a", "b", "p", "s"]
    names = [f"ds-{source_id}" for source_id in rich]
    before = _modified(site, names)
    resource_ids = {name: [r["id"] for r in site.dataset(name)["resources"]] for name in names}

    calls = _count_calls(client, monkeypatch)
    report = client.sync(SOURCE, _data(rich))

    reads = {"scheming_dataset_schema_show", "organization_show", "group_show", "package_search"}
    assert set(calls) == reads
    assert report.writes == 0
    assert sorted(report.unchanged) == ["a", "b", "p", "s"]
    assert _modified(site, names) == before
    assert {n: [r["id"] for r in site.dataset(n)["resources"]] for n in names} == resource_ids


def test_a_resync_after_an_update_writes_nothing(site, monkeypatch):
    """CKAN stores an updated dataset its own way (extras order, guessed mimetypes): the
    unchanged sync after an update must not write it again."""
    extras = {f"key-{n}": f"value {n}" for n in (9, 1, 12, 3, 10, 5, 0, 7)}
    source = datasets("a", "b", groups=("grp-1",), resources=2, extras=extras)
    client = site.client()
    client.sync(SOURCE, _data(source))
    for content in source.values():
        content["title"] += ", edited"
        content["extras"] = {"added": "later", **extras}
    assert sorted(client.sync(SOURCE, _data(source)).updated) == ["a", "b"]
    before = _modified(site, ["ds-a", "ds-b"])

    calls = _count_calls(client, monkeypatch)
    report = client.sync(SOURCE, _data(source))

    assert (report.writes, sorted(report.unchanged)) == (0, ["a", "b"])
    assert calls["package_update"] == calls["package_show"] == 0
    assert _modified(site, ["ds-a", "ds-b"]) == before


def test_a_dataset_edited_in_ckan_is_set_back_to_the_source(site):
    client = site.client()
    client.sync(SOURCE, _data(datasets("a", "b")))
    site.api.call("package_patch", {"id": "ds-a", "title": "Edited by hand", "notes": ""})

    report = client.sync(SOURCE, _data(datasets("a", "b")))

    assert (report.updated, report.unchanged) == (["a"], ["b"])
    assert site.dataset("ds-a")["title"] == "Dataset a"
    assert site.dataset("ds-a")["notes"] == "About a."


def test_foreign_datasets_are_never_touched(site):
    site.client().sync(SOURCE, _data({}))
    owner = site.organization("org-a")["id"]
    hand_made = site.api.call(
        "package_create", {"name": "ds-a", "title": "Made by hand", "owner_org": owner}
    )
    other_source = dict(dataset("x", org=None), name="ds-x")
    site.client().sync("other", {"dataset": {"x": other_source, "cat": dataset("cat", org=None)}})
    foreign_names = ["ds-a", "ds-x", "ds-cat"]
    before = _modified(site, foreign_names)

    source = datasets("a", "x")
    source[hand_made["id"]] = dataset("h")
    report = site.client().sync(SOURCE, _data(source))

    assert report.names == {"a": "ds-a-1", "x": "ds-x-1", hand_made["id"]: "ds-h"}
    assert site.dataset("ds-h")["id"] != hand_made["id"]
    report = site.client(delete_limit=1).sync(SOURCE, _data(datasets("z")))
    assert sorted(report.deleted) == sorted(["a", "x", hand_made["id"]])
    assert _modified(site, foreign_names) == before
    assert all(site.dataset(name)["state"] == "active" for name in foreign_names)


def test_a_sync_that_trips_the_delete_guard_writes_nothing_and_says_why(site, monkeypatch):
    client = site.client()
    client.sync(SOURCE, _data(datasets("a", "b", "c", "d")))
    changed_orgs = {**ORGS, "org-new": org("New")}
    rekeyed = {f"k-{key}": dataset(key) for key in ("a", "b", "c")}
    rekeyed["e"] = dataset("e")
    calls = _count_calls(client, monkeypatch)

    emptied = client.sync(SOURCE, {"organization": changed_orgs, "dataset": {}})
    shrunk = client.sync(
        SOURCE, {"organization": changed_orgs, "group": GROUPS, "dataset": rekeyed}
    )

    assert "no datasets while CKAN holds 4" in emptied.refused
    assert "would delete 4 of the source's 4 datasets" in shrunk.refused
    assert "raise delete_limit" in shrunk.refused
    assert emptied.writes == shrunk.writes == 0
    assert (shrunk.created, shrunk.organizations.created) == ([], [])
    assert set(calls) <= {"scheming_dataset_schema_show", "package_search", "package_show"}
    assert sorted(site.owned(SOURCE)) == ["a", "b", "c", "d"]
    assert site.api.show("organization_show", id="org-new") is None

    allowed = site.client(delete_limit=1).sync(SOURCE, _data(rekeyed))
    assert sorted(allowed.deleted) == ["a", "b", "c", "d"]
    assert allowed.names == {"e": "ds-e", "k-a": "ds-a", "k-b": "ds-b", "k-c": "ds-c"}
    assert sorted(site.owned(SOURCE)) == ["e", "k-a", "k-b", "k-c"]


def test_a_dataset_error_is_reported_and_the_run_goes_on(site):
    source = datasets("a", "b", "c", "d")
    source["b"]["tags"] = ["x"]
    source["c"]["owner_org"] = "no-such-org"
    source["d"]["extras"] = {"origin": 42}

    report = site.client().sync(SOURCE, _data(source))

    assert report.created == ["a"]
    assert sorted(report.errored) == ["b", "c", "d"]
    assert report.errors["b"].ckan_error == {"tags": ['Tag "x" length is less than minimum 2']}
    assert "no-such-org" in report.errors["c"].reason
    assert "origin" in report.errors["d"].reason
    assert sorted(site.owned(SOURCE)) == ["a"]

    source["a"]["extras"] = {"origin": None}
    report = site.client().sync(SOURCE, _data(source))
    assert "a" in report.errored
    assert report.deleted == []
    assert site.dataset("ds-a")["state"] == "active"


def test_a_returning_dataset_revives_its_deleted_dataset(site):
    client = site.client()
    client.sync(SOURCE, _data(datasets("a", "b")))
    first = site.dataset("ds-a")
    assert client.sync(SOURCE, _data(datasets("b"))).deleted == ["a"]

    report = client.sync(SOURCE, _data(datasets("a", "b")))

    assert (report.updated, report.created) == (["a"], [])
    revived = site.dataset("ds-a")
    assert (revived["id"], revived["state"]) == (first["id"], "active")


@pytest.mark.parametrize("source_name", ["cat", "my.Source_1-x"])
def test_only_the_source_s_own_datasets_are_found(site, monkeypatch, source_name):
    monkeypatch.setattr(site_state, "SEARCH_PAGE_SIZE", 2)
    site.client().sync("cats", {"dataset": datasets("a", org=None)})
    site.client().sync("other", {"dataset": {source_name: dataset("o", org=None)}})
    client = site.client(delete_limit=1)
    client.sync(source_name, {"dataset": datasets("1", "2", "3", "4", "5", org=None)})

    report = client.sync(source_name, {"dataset": datasets("2", "4", org=None)})

    assert sorted(report.deleted) == ["1", "3", "5"]
    assert sorted(report.unchanged) == ["2", "4"]
    assert sorted(site.owned(source_name)) == ["2", "4"]
    assert (list(site.owned("cats")), list(site.owned("other"))) == (["a"], [source_name])
    assert site.dataset("ds-a")["state"] == site.dataset("ds-o")["state"] == "active"


def test_data_may_be_any_mapping_and_may_leave_kinds_out(site):
    data = MappingProxyType({"dataset": MappingProxyType(datasets("a", org=None))})

    report = site.client().sync(SOURCE, data)

    assert (report.created, report.organizations.created, report.groups.created) == (["a"], [], [])
