"""Dataset names over the action API when they follow the source (`dataset_preserve_names`
off), as the harvester's import handles them: a step that takes a name one of the source's
own datasets gives up in this run moves that dataset off it first, and an update takes the
source's name when free, else keeps or gets a suffixed form (`name_for_rename`).

Names are read again at each step (not from the plan's probe): the run's own writes move them.
"""

from __future__ import annotations

from ..core.names import name_for_rename
from .action_api import ActionApi


def holder(api: ActionApi, name: str) -> str | None:
    """The id of the dataset, in any state, that holds `name` now."""
    shown = api.show("package_show", id=name)
    return None if shown is None else shown["id"]


def displace(api: ActionApi, package_id: str, name: str) -> None:
    """Move the source's dataset `package_id` to its id as a temporary name when it still
    holds `name`; its own step of the run gives it its new name."""
    if holder(api, name) == package_id:
        api.call("package_patch", {"id": package_id, "name": package_id})


def name_for_update(
    api: ActionApi, wanted: str, current: str, package_id: str, max_tries: int
) -> str | None:
    """The name the dataset `package_id`, named `current`, takes to follow `wanted` (None
    when `wanted` and its suffixed forms are all taken)."""

    def taken(name: str) -> bool:
        return holder(api, name) not in (None, package_id)

    return name_for_rename(wanted, current, taken, max_tries)
