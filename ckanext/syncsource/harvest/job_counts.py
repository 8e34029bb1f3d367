"""The plan's counts for a job, unchanged datasets included, and the job's warnings.

Unchanged datasets get no harvest object (a daily run of a large source must not add a row per
dataset), so ckanext-harvest's job statistics cannot count them. Their number is kept in CKAN's
`task_status` table, one row per job, and added to the statistics the harvest actions return.
Warnings (a copy left untouched, ...) are kept there too, not as gather errors, which
ckanext-harvest counts as errored datasets; the job page shows them apart.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Sequence
from typing import Any

from ckan import model
from sqlalchemy.dialects.postgresql import insert

from ..core.datasets_plan import DatasetPlan

TASK_TYPE = "syncsource"
TASK_KEY = "plan"


def save_counts(job, plan: DatasetPlan, warnings: Sequence[str] = ()) -> None:
    counts = {
        "create": len(plan.creates),
        "update": len(plan.updates),
        "delete": len(plan.deletes),
        "unchanged": len(plan.unchanged),
        "errored": len(plan.errors),
        "warnings": list(warnings),
    }
    values = {
        "value": json.dumps(counts),
        "state": "done",
        "last_updated": datetime.datetime.utcnow(),
    }
    # An upsert: a gather message delivered twice must not fail on the row the first one wrote.
    model.Session.execute(
        insert(model.task_status_table)
        .values(
            id=str(uuid.uuid4()),
            entity_id=job.id,
            entity_type="harvest_job",
            task_type=TASK_TYPE,
            key=TASK_KEY,
            **values,
        )
        .on_conflict_do_update(index_elements=["entity_id", "task_type", "key"], set_=values)
    )
    model.Session.commit()


def load_counts(job_id: str) -> dict[str, Any] | None:
    task = (
        model.Session.query(model.TaskStatus)
        .filter_by(entity_id=job_id, task_type=TASK_TYPE, key=TASK_KEY)
        .first()
    )
    return json.loads(task.value) if task else None


def count_unchanged(job_dict: dict[str, Any]) -> dict[str, Any]:
    """Add the job's unchanged datasets to the 'not modified' count of its statistics, and its
    warnings as `syncsource_warnings`."""
    stats = job_dict.get("stats")
    counts = load_counts(job_dict["id"]) if stats is not None else None
    if counts:
        stats["not modified"] = stats.get("not modified", 0) + counts["unchanged"]
        job_dict["syncsource_warnings"] = counts.get("warnings", [])
    return job_dict
