"""Actions: a check that keeps each syncsource harvest source's `source_name` its own.

ckanext-harvest passes only the config text to `validate_config`, so a check that needs the
source's own id and name runs where harvest sources are saved: `package_create` and
`package_update` of type `harvest` (the web form, the CLI and `harvest_source_*` all go there).
"""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from .. import ckan_state
from ..gather import configured_source_name


def _check_source_name(data_dict: dict[str, Any]) -> None:
    if data_dict.get("type") != "harvest" or data_dict.get("source_type") != "syncsource":
        return
    own_id = data_dict.get("id")
    if not own_id and data_dict.get("name"):
        existing = ckan_state.package_id_by_name(data_dict["name"])
        own_id = existing
    source_name = configured_source_name(data_dict.get("config")) or data_dict.get("name")
    if not source_name:
        return
    others = [
        other
        for other in ckan_state.sources_using_name(source_name, configured_source_name)
        if other != own_id
    ]
    if others:
        raise tk.ValidationError(
            {
                "config": [
                    f"source_name {source_name!r} is already used by another syncsource harvest "
                    'source; set a different "source_name" in the config'
                ]
            }
        )


@tk.chained_action
def package_create(up_func, context, data_dict):
    _check_source_name(data_dict)
    return up_func(context, data_dict)


@tk.chained_action
def package_update(up_func, context, data_dict):
    _check_source_name(data_dict)
    return up_func(context, data_dict)


def get_actions() -> dict[str, Any]:
    return {"package_create": package_create, "package_update": package_update}
