"""The plan's counts for a job, unchanged datasets included.

Unchanged datasets get no harvest object (a daily run of a large source must not add a row per
dataset), so their number is kept in CKAN's `task_status` table, one row per harvest source.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from ckan import model

from .core.datasets_plan import DatasetPlan

TASK_TYPE = "syncsource"
TASK_KEY = "last_plan"


def save_summary(job, plan: DatasetPlan) -> None:
    summary = {
        "job_id": job.id,
        "create": len(plan.creates),
        "update": len(plan.updates),
        "delete": len(plan.deletes),
        "unchanged": len(plan.unchanged),
        "errored": len(plan.errors),
    }
    task = (
        model.Session.query(model.TaskStatus)
        .filter_by(entity_id=job.source.id, task_type=TASK_TYPE, key=TASK_KEY)
        .first()
    ) or model.TaskStatus(
        entity_id=job.source.id, entity_type="harvest_source", task_type=TASK_TYPE, key=TASK_KEY
    )
    task.value = json.dumps(summary)
    task.state = "done"
    task.last_updated = datetime.datetime.utcnow()
    model.Session.add(task)
    model.Session.commit()


def load_summary(harvest_source_id: str) -> dict[str, Any] | None:
    task = (
        model.Session.query(model.TaskStatus)
        .filter_by(entity_id=harvest_source_id, task_type=TASK_TYPE, key=TASK_KEY)
        .first()
    )
    return json.loads(task.value) if task else None
