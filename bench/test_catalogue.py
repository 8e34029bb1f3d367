"""Pure tests of the benchmark catalogue generator (no CKAN, no database).

.state/venv/bin/python -m pytest -p no:ckan -p no:ckan_fixtures bench/test_catalogue.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import catalogue


def test_deterministic_and_prefix_stable():
    a, b = catalogue.generate(50, seed=3), catalogue.generate(50, seed=3)
    assert a.document() == b.document()
    bigger = catalogue.generate(60, seed=3)
    assert list(bigger.datasets.values())[:50] == list(a.datasets.values())
    assert catalogue.generate(50, seed=4).document() != a.document()


def test_dataset_shape():
    cat = catalogue.generate(300, seed=1)
    names = set()
    for source_id, d in cat.datasets.items():
        assert d["id"] == source_id
        assert 2 <= len(d["resources"]) <= 5
        assert 8 <= len(d["extras"]) <= 10
        assert 3 <= len(d["tags"]) <= 8
        assert 0 <= len(d["groups"]) <= 3
        assert d["owner_org"] in cat.organizations
        assert set(d["groups"]) <= set(cat.groups)
        assert 2 <= len(d["name"]) <= 100 and d["name"] == d["name"].lower()
        assert len(d["notes"]) > 100
        names.add(d["name"])
    assert len(names) == len(cat.datasets)
    assert all(key == org["name"] for key, org in cat.organizations.items())


def test_jsonl_stream_equals_document(tmp_path):
    cat = catalogue.generate(40, seed=2)
    streamed = catalogue.write_jsonl_streaming(tmp_path / "a.jsonl", 40, seed=2)
    written = cat.write_jsonl(tmp_path / "b.jsonl")
    assert streamed.read_text() == written.read_text()
    records = [json.loads(line) for line in written.read_text().splitlines()]
    datasets = [r for r in records if r["type"] == "dataset"]
    assert [r["id"] for r in datasets] == list(cat.datasets)
    assert json.loads(cat.write_json(tmp_path / "c.json").read_text()) == cat.document()


def test_next_day_shares():
    today = catalogue.generate(1000, seed=5)
    tomorrow = catalogue.next_day(today)
    changes = tomorrow.changes
    assert [len(changes[k]) for k in ("edited", "removed", "added")] == [10, 10, 10]
    assert not set(changes["edited"]) & set(changes["removed"])
    assert len(tomorrow.datasets) == 1000
    for source_id in changes["removed"]:
        assert source_id not in tomorrow.datasets
    for source_id in changes["added"]:
        assert source_id not in today.datasets
    unchanged = set(today.datasets) - set(changes["edited"]) - set(changes["removed"])
    assert all(today.datasets[i] == tomorrow.datasets[i] for i in unchanged)
    assert all(today.datasets[i] != tomorrow.datasets[i] for i in changes["edited"])
    assert catalogue.next_day(today).document() == tomorrow.document()
    assert catalogue.next_day(tomorrow).day == 3


def test_ckan_form():
    d = next(iter(catalogue.generate(1, seed=1).datasets.values()))
    form = catalogue.to_ckan_form(d)
    assert "id" not in form
    assert {e["key"] for e in form["extras"]} == set(d["extras"])
    assert [t["name"] for t in form["tags"]] == d["tags"]
    assert all("id" not in r for r in form["resources"])
