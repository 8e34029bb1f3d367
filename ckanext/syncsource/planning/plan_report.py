"""A run plan as an operator reads it: counts, then the datasets each step names."""

from __future__ import annotations

from typing import Any

from ..core.groups_plan import GroupPlan
from ..core.name_moves import name_moves
from .run_plan import RunPlan


def plan_summary(run: RunPlan, refusals: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The plan as plain data (for `--json` and for the text form); `refusals`: the creates and
    updates CKAN would refuse (`plan_refusals`)."""
    datasets = run.datasets
    return {
        "organizations": _groups(run.organizations),
        "groups": _groups(run.groups),
        "datasets": {
            "create": [
                {"source_id": s.source_id, "name": s.name, "frees": s.frees}
                for s in datasets.creates
            ],
            "update": [
                {"source_id": s.source_id, "name": s.name, "revive": s.revive}
                for s in datasets.updates
            ],
            "delete": [{"source_id": s.source_id, "name": s.name} for s in datasets.deletes],
            "name_moves": [
                {
                    "source_id": move.source_id,
                    "name": move.name,
                    "from_source_id": move.from_source_id,
                    "from_id": move.from_package_id,
                    "text": move.sentence(),
                }
                for move in name_moves(datasets)
            ],
            "unchanged": len(datasets.unchanged),
            "errors": [{"source_id": e.key, "reason": e.reason} for e in datasets.errors],
            "would_fail": refusals or [],
            "ignored_copies": [
                {"source_id": c.source_id, "id": c.package_id, "name": c.name, "owner": c.owner_id}
                for c in datasets.ignored
            ],
        },
        "refused": run.refused,
        "warnings": run.warnings,
    }


def _groups(plan: GroupPlan) -> dict[str, Any]:
    return {
        "create": [step.key for step in plan.creates],
        "revive": [step.key for step in plan.revives],
        "update": [step.key for step in plan.updates],
        "unchanged": len(plan.leaves),
        "errors": [{"key": error.key, "reason": error.reason} for error in plan.errors],
    }


def plan_text(summary: dict[str, Any], limit: int) -> str:
    """The summary as lines of text; at most `limit` datasets listed per step (0: all)."""
    lines = []
    if summary["refused"]:
        lines.append(f"The job would be refused: {summary['refused']}")
        lines.append("What it would do once allowed:")
    for kind in ("organizations", "groups"):
        plan = summary[kind]
        lines.append(
            f"{kind}: {len(plan['create'])} to create, {len(plan['revive'])} to revive, "
            f"{len(plan['update'])} to update, {plan['unchanged']} unchanged, "
            f"{len(plan['errors'])} errors"
        )
        lines += [f"  {kind[:-1]} error: {error['reason']}" for error in plan["errors"]]
    datasets = summary["datasets"]
    lines.append(
        f"datasets: {len(datasets['create'])} to create, {len(datasets['update'])} to update "
        f"(written only where the merge changes them), {len(datasets['delete'])} to delete, "
        f"{datasets['unchanged']} unchanged, {len(datasets['errors'])} errors"
    )
    for step, entries in (
        ("create", datasets["create"]),
        ("update", datasets["update"]),
        ("delete", datasets["delete"]),
    ):
        shown = entries if limit == 0 else entries[:limit]
        lines += [f"  {step} {entry['source_id']} as {entry['name']}" for entry in shown]
        if len(shown) < len(entries):
            lines.append(f"  ... and {len(entries) - len(shown)} more to {step}")
    lines += [f"  name move: {move['text']}" for move in datasets["name_moves"]]
    lines += [f"  error {e['source_id']}: {e['reason']}" for e in datasets["errors"]]
    refused = datasets.get("would_fail", ())
    if refused:
        lines.append(f"datasets CKAN would refuse (the site's schema): {len(refused)}")
    lines += [f"  would fail {e['source_id']} as {e['name']}: {e['reason']}" for e in refused]
    lines += [
        f"  warning: dataset {c['name']!r} ({c['id']}) carries the marker of {c['source_id']!r}, "
        f"which belongs to dataset {c['owner']}: a copy, left untouched"
        for c in datasets["ignored_copies"]
    ]
    lines += [f"warning: {warning}" for warning in summary.get("warnings", ())]
    return "\n".join(lines)
