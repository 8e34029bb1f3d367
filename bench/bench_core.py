"""Benchmark of the pure sync engine (a script, not a test).

Prints normalization + fingerprint throughput for a realistic dataset (3 resources, 10 extras,
5 tags, 2 groups), and the time and peak memory to plan 100,000 source datasets against
100,000 existing ones. Run from the repository root: python bench/bench_core.py
"""

from __future__ import annotations

import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ckanext.syncsource.core.datasets_plan import plan_datasets
from ckanext.syncsource.core.entries import ExistingEntry, SourceEntry
from ckanext.syncsource.core.fingerprint import sync_fingerprint
from ckanext.syncsource.core.normalize import normalize_dataset
from ckanext.syncsource.core.options import SyncOptions

DATASETS = 20_000
PLAN_SIZE = 100_000


def realistic_dataset(number: int) -> dict:
    return {
        "id": f"source-{number}",
        "name": f"dataset-{number}",
        "title": f"Air quality measurements, station {number}",
        "notes": "Hourly readings of NO2, PM10 and O3 collected by the regional network. " * 3,
        "owner_org": "environment-agency",
        "license_id": "cc-by",
        "author": "Environment Agency",
        "maintainer_email": "data@example.org",
        "extras": {f"extra_{i}": f"value {i} of dataset {number}" for i in range(10)},
        "tags": ["air", "quality", "no2", "pm10", f"station-{number}"],
        "groups": ["environment", "health"],
        "resources": [
            {
                "id": f"res-{number}-{i}",
                "url": f"https://data.example.org/{number}/file-{i}.csv",
                "name": f"Readings {i}",
                "format": "CSV",
                "description": "Comma-separated values, one row per hour.",
            }
            for i in range(3)
        ],
    }


def bench_normalize() -> None:
    options = SyncOptions()
    objects = [realistic_dataset(n) for n in range(DATASETS)]
    start = time.perf_counter()
    for obj in objects:
        sync_fingerprint(normalize_dataset(obj), options)
    elapsed = time.perf_counter() - start
    print(f"normalize + fingerprint: {DATASETS / elapsed:,.0f} datasets/s ({DATASETS} datasets)")


def bench_plan() -> None:
    rng = random.Random(1)
    # 85,000 unchanged, 10,000 changed, 5,000 removed from the source, 5,000 new in it.
    existing = [
        ExistingEntry(f"id-{n}", f"pkg-{n:032x}", f"name-{n}", "active", f"{n:032x}")
        for n in range(PLAN_SIZE)
    ]
    source = [
        SourceEntry(f"id-{n}", f"name-{n}", f"{n:032x}" if n < 90_000 else f"{n + 1:032x}")
        for n in range(5_000, PLAN_SIZE + 5_000)
    ]
    rng.shuffle(source)
    taken = {f"foreign-{n}" for n in range(10_000)}

    tracemalloc.start()
    start = time.perf_counter()
    plan = plan_datasets(source, existing, taken.__contains__)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"plan {len(source):,} source vs {len(existing):,} existing: {elapsed:.2f} s, "
        f"peak {peak / 2**20:.1f} MiB allocated while planning "
        f"(creates {len(plan.creates)}, updates {len(plan.updates)}, "
        f"deletes {len(plan.deletes)}, unchanged {len(plan.unchanged)})"
    )
    start = time.perf_counter()
    plan_datasets(source, existing, taken.__contains__)
    print(f"plan again without tracemalloc: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    print(f"Python {sys.version.split()[0]}")
    bench_normalize()
    bench_plan()
