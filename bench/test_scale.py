"""The scale benchmark's seeded site is the site a job leaves (real stack).

bench/scale.py measures 100,000 and 1,000,000 datasets on a site seeded with COPY; its figures
mean something only while the seeding writes what the import writes. This test imports a small
catalogue with a real job, seeds the same catalogue on a fresh site, and compares them the way
`scale.py --check` does at 1,000 datasets.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

import pytest
from ckan.lib import search

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale
import scenarios

# test.ini lets sources be read from below this directory.
SOURCES_ROOT = Path("/tmp/syncsource-test/sources")

pytestmark = pytest.mark.usefixtures("with_plugins")


@pytest.fixture
def fresh_site(reset_db, migrate_db_for):
    def reset() -> None:
        reset_db()
        migrate_db_for("harvest")
        search.clear_all()

    reset()
    return reset


def test_a_seeded_site_plans_and_shows_what_an_imported_one_does(fresh_site):
    directory = SOURCES_ROOT / uuid.uuid4().hex
    directory.mkdir(parents=True)
    day1 = scale.write_source(directory / "day1.jsonl", 12, seed=5)
    day2 = scale.write_day2(directory / "day2.jsonl", 12, seed=5, share=0.1)
    live = directory / "catalogue.jsonl"
    snapshot_args = argparse.Namespace(day2=str(day2))

    live.write_bytes(day1.read_bytes())
    scenarios.run_job_in_process(scenarios.create_source(str(live))["id"])
    imported = scale.step_snapshot(snapshot_args)
    fresh_site()
    scale.step_seed(argparse.Namespace(source=str(live), lean=False))
    seeded = scale.step_snapshot(snapshot_args)

    assert len(imported["datasets"]) == 12
    assert [len(imported["plans"]["day2"][kind]) for kind in ("creates", "updates", "deletes")] == [
        1,
        1,
        1,
    ]
    assert scale.compare(imported, seeded) == []
