"""The safety rule on deletes: a source that lost most of its datasets deletes nothing.

A broken export, a half-written file or a wrong URL usually reads as "almost everything was
removed"; deleting on that evidence unpublishes a site. So a plan whose deletes exceed the
configured share of the source's datasets, or whose source has no datasets at all, keeps
none of its deletes, and the operator is told why.
"""

from __future__ import annotations

from .datasets_plan import DatasetPlan

DEFAULT_DELETE_LIMIT = 0.5


def guard_deletes(plan: DatasetPlan, delete_limit: float = DEFAULT_DELETE_LIMIT) -> str | None:
    """Drop the plan's deletes when they are unsafe and return why; None when they stand.

    `delete_limit` is the largest share (0 to 1) of the source's active datasets in CKAN that
    one run may delete.
    """
    if not plan.deletes:
        return None
    held = plan.existing_active
    if not (plan.creates or plan.updates or plan.unchanged or plan.errors):
        reason = (
            f"The source has no datasets while CKAN holds {held} of its datasets: nothing was "
            "deleted. If the catalogue really is empty now, delete the datasets by hand or "
            "clear the harvest source."
        )
    elif len(plan.deletes) > delete_limit * held:
        reason = (
            f"This run would delete {len(plan.deletes)} of the source's {held} datasets, more "
            f"than the delete_limit of {delete_limit:.0%}: nothing was deleted. If the source "
            "really lost them, raise delete_limit in the source config."
        )
    else:
        return None
    plan.deletes.clear()
    return reason
