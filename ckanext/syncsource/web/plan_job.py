"""The Plan page's plan: computed in a CKAN background job, kept in Redis until recomputed.

Reading a large source takes minutes, so no web request does it: the page enqueues
`compute_plan` (CKAN's RQ worker, `ckan jobs worker`, runs it) and shows the stored state:
"computing", then the plan with the time it was computed, or why it could not be computed.
The plan itself comes from `run_plan` and `plan_report`, as for `ckan syncsource plan`.
"""

from __future__ import annotations

import datetime
import json
import logging
import time
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.lib.redis import connect_to_redis
from ckanext.harvest.model import HarvestSource

from ..core.errors import UnknownReference
from ..core.field_changes import field_changes
from ..planning.dataset_spool import DatasetSpool
from ..planning.plan_refusals import planned_ids, predicted_refusals
from ..planning.plan_report import plan_summary
from ..planning.resolved_source import ConfigError, ResolvedSource, resolve_source
from ..planning.run_plan import PlanFailed, RunPlan, plan_run
from ..planning.site_merge import merge_for_site

log = logging.getLogger(__name__)

JOB_TIMEOUT = 3 * 3600
"""Seconds the background job may take (CKAN's default of 180 is too short for big sources)."""


def _key(source_id: str) -> str:
    return f"ckanext-syncsource:plan:{source_id}"


def stored_plan(source_id: str) -> dict[str, Any] | None:
    """The stored state: {"status": "computing" | "done" | "failed", "requested", ...}."""
    raw = connect_to_redis().get(_key(source_id))
    return json.loads(raw) if raw else None


def request_plan(source_id: str, source_name: str) -> None:
    """Mark the plan as being computed and enqueue the job that computes it."""
    _store(source_id, {"status": "computing", "requested": _now()})
    tk.enqueue_job(
        compute_plan,
        [source_id],
        title=f"syncsource plan of {source_name}",
        rq_kwargs={"timeout": JOB_TIMEOUT},
    )


def compute_plan(source_id: str) -> None:
    """The background job: plan the source's next run and store it (or why it failed)."""
    state = stored_plan(source_id) or {"requested": _now()}
    started = time.monotonic()
    try:
        state.update(status="done", **_plan_of(HarvestSource.get(source_id)))
    except (ConfigError, PlanFailed) as e:
        state.update(status="failed", error=str(e))
    except Exception as e:
        _store(source_id, {**state, "status": "failed", "error": f"unexpected error: {e}"})
        raise
    finally:
        state.update(computed=_now(), seconds=round(time.monotonic() - started, 1))
    _store(source_id, state)


def _plan_of(harvest_source: HarvestSource) -> dict[str, Any]:
    source = resolve_source(harvest_source)
    with DatasetSpool() as spool:
        run = plan_run(source, spool)
        changes = _update_changes(run, spool, source)
        refusals = predicted_refusals(run, spool, source)
    return {
        "source_name": source.source_name,
        "plan": plan_summary(run, refusals),
        "changes": changes,
    }


def _update_changes(
    run: RunPlan, spool: DatasetSpool, source: ResolvedSource
) -> dict[str, list[dict[str, str]] | str]:
    """For each update: the fields it changes (empty: the merge finds nothing to write, and
    the job counts it "not modified"), or why the merge fails."""
    org_ids = planned_ids("organization", run.organizations)
    group_ids = planned_ids("group", run.groups)
    context = {"ignore_auth": True, "user": ""}
    changes: dict[str, list[dict[str, str]] | str] = {}
    for step in run.datasets.updates:
        current = tk.get_action("package_show")(dict(context), {"id": step.package_id})
        source_dataset = json.loads(spool.get_text(step.source_id))
        try:
            merged = merge_for_site(
                source,
                step.source_id,
                source_dataset,
                current,
                org_ids,
                group_ids,
                marker_extra=run.marker_extra,
            )
        except UnknownReference as e:
            changes[step.source_id] = str(e)
            continue
        changes[step.source_id] = field_changes(merged, current)
    return changes


def _store(source_id: str, state: dict[str, Any]) -> None:
    connect_to_redis().set(_key(source_id), json.dumps(state, ensure_ascii=False))


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
