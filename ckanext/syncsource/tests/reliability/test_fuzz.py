"""Fuzz: generated malformed and hostile documents through the readers and the planner (pure,
no database), and 200 of them through real jobs (full battery only).

A document may fail as a whole (SourceError) and a dataset may fail alone (InvalidObject);
nothing else may escape, and no planned step may touch a dataset that is not the source's.
"""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings

from ckanext.syncsource.core.datasets_plan import DatasetCreate, plan_datasets
from ckanext.syncsource.core.entries import ExistingEntry, SourceEntry
from ckanext.syncsource.core.errors import InvalidObject
from ckanext.syncsource.core.fingerprint import sync_fingerprint
from ckanext.syncsource.core.merge import merge_dataset
from ckanext.syncsource.core.normalize import normalize_dataset
from ckanext.syncsource.core.options import SyncOptions
from ckanext.syncsource.sources import SourceError
from ckanext.syncsource.sources.json_document import read_json_document
from ckanext.syncsource.sources.json_lines import read_json_lines

from ..harvest_runner import job_errors, run_job
from .conftest import FULL, catalogue
from .hostile_documents import FOREIGN_NAMES, hostile_documents, hostile_lines

EXAMPLES = 5000 if FULL else 150
fuzzing = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
OWN = [
    ExistingEntry("s1", "own-1", "ds-s1", "active", None),
    ExistingEntry("s2", "own-2", "ds-s2", "deleted", None),
]


def _plan_what_was_read(records) -> None:
    """What gather does with the records of a document: normalize, plan, merge the creates."""
    entries, content = [], {}
    for record in records:
        if record.kind != "dataset":
            continue
        try:
            canonical = normalize_dataset(record.obj)
        except InvalidObject:
            continue
        content[record.key] = canonical
        entries.append(
            SourceEntry(
                record.key, canonical.get("name", ""), sync_fingerprint(canonical, SyncOptions())
            )
        )
    plan = plan_datasets(entries, OWN, lambda name: name in FOREIGN_NAMES)
    own_ids = {entry.package_id for entry in OWN}
    for step in plan.steps():
        if isinstance(step, DatasetCreate):
            assert step.name not in FOREIGN_NAMES
            try:
                merged = merge_dataset(
                    content[step.source_id], None, SyncOptions(), {}, {}, "src:x", step.name
                )
            except InvalidObject:
                continue
            assert merged["name"] == step.name
        else:
            assert step.package_id in own_ids


def _read_all(read) -> None:
    with contextlib.suppress(SourceError):
        _plan_what_was_read(list(read))


def _fuzz(documents, read) -> int:
    """Run `read` over generated documents; returns how many went through."""
    count = []

    @fuzzing
    @given(document=documents)
    def run(document):
        count.append(1)
        _read_all(read(document))

    run()
    return len(count)


def test_hostile_json_documents_end_in_source_or_dataset_errors(record_property):
    done = _fuzz(
        hostile_documents, lambda doc: read_json_document(lambda: io.BytesIO(doc), 1_000_000)
    )
    record_property("documents", done)
    assert done >= EXAMPLES


def test_hostile_json_lines_end_in_source_or_dataset_errors(record_property):
    done = _fuzz(hostile_lines, lambda doc: read_json_lines(lambda: io.BytesIO(doc), 1_000_000))
    record_property("documents", done)
    assert done >= EXAMPLES


REAL_JOBS = 200


@pytest.mark.full
def test_hostile_documents_through_real_jobs_never_crash_and_leave_others_alone(
    case, catalogue_dir, record_property
):
    path = catalogue_dir / "catalogue.json"
    source, source_name = case.new_source(str(path), format="json", delete_limit=1.0)
    crashes = []

    @settings(fuzzing, max_examples=REAL_JOBS, derandomize=True)
    @given(document=hostile_documents)
    def run(document):
        path.write_bytes(document)
        job = run_job(source["id"])
        crashes.extend(m for m in job_errors(job["id"]) if "unexpectedly" in m)

    run()
    record_property("documents", REAL_JOBS)
    case.crashes += crashes
    good = [f"{source_name}-{n}" for n in range(3)]
    path.write_text(json.dumps(catalogue(good)))
    job = run_job(source["id"])
    case.expect(source_name, good)
    assert job_errors(job["id"]) == []
