"""The safety rule on deletes: a run that would delete too much changes nothing at all.

A broken export, a half-written file, a re-keyed catalogue or a wrong URL usually reads as
"almost everything was removed"; deleting on that evidence unpublishes a site, and creating the
new datasets beside the old ones leaves a site holding both. So a run whose deletes exceed the
configured share of the source's datasets, or whose source has no datasets at all while CKAN
holds some of them, is refused as a whole: no dataset, organization or group is written, and the
operator is told why and how to proceed.
"""

from __future__ import annotations

from .datasets_plan import DatasetPlan

DEFAULT_DELETE_LIMIT = 0.5
"""The largest share (0 to 1) of the source's datasets in CKAN that one run may delete."""


def delete_limit_problem(value: object) -> str | None:
    """Why `value` is not a valid delete_limit, or None when it is."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        return (
            "delete_limit must be a number from 0 to 1 (the share of the source's datasets one "
            f"run may delete; 1 allows deleting all), not {value!r}"
        )
    return None


def refusal(plan: DatasetPlan, delete_limit: float = DEFAULT_DELETE_LIMIT) -> str | None:
    """Why the run must be refused because of its deletes, or None when it may go on."""
    if not plan.deletes:
        return None
    held = plan.existing_active
    if not (plan.creates or plan.updates or plan.unchanged or plan.errors):
        return (
            f"The source has no datasets while CKAN holds {held} of its datasets: the job was "
            "refused and nothing was changed, whatever the delete_limit. If the catalogue really "
            "is empty now, delete its datasets by hand or clear the harvest source."
        )
    if len(plan.deletes) > delete_limit * held:
        needed = len(plan.deletes) / held
        return (
            f"This run would delete {len(plan.deletes)} of the source's {held} datasets, more "
            f"than the delete_limit of {delete_limit:.0%}: the job was refused and nothing was "
            "changed. If the source really lost them, raise delete_limit in the source "
            f"configuration to at least {_ceil_share(needed)} for one run, then lower it again."
        )
    return None


def _ceil_share(share: float) -> str:
    """`share` rounded up to two decimals, so that it is enough as a delete_limit."""
    hundredths = -(-round(share * 10000) // 100)
    return f"{min(hundredths, 100) / 100:g}"
