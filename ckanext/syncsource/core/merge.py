"""Merge a source dataset into what CKAN holds, under the merge options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import UnknownReference
from .names import cut_name
from .normalize import DATASET_DEFAULTS, OWNERSHIP_EXTRA, SOURCE_RESOURCE_ID, normalize_ckan_dataset
from .options import SyncOptions


def merge_dataset(
    source: Mapping[str, Any],
    current: Mapping[str, Any] | None,
    options: SyncOptions,
    org_ids: Mapping[str, str],
    group_ids: Mapping[str, str],
    source_marker: str,
    name: str | None = None,
    marker_extra: bool = True,
) -> dict[str, Any]:
    """The dataset dict to send to `package_create` (current is None) or `package_update`.

    `source` is canonical content (`normalize_dataset`); `current` is the `package_show`
    dict of the dataset being updated; `name` is the name the plan chose for a create (on
    update the options decide the name). Source keys in `owner_org` and `groups` are mapped
    through `org_ids` / `group_ids`; a key they do not hold raises `UnknownReference`, but only
    when the merge needs it (a preserved organization ignores the source's). The result has
    the ownership extra `_harvest_source` = `source_marker` (unless not `marker_extra`: a site
    schema that controls extras), the current dataset's `id`, and,
    for a deleted current dataset, `state` "active". Fields CKAN keeps when `package_update`
    leaves them out (`private`, `type`, `owner_org`) are always sent.
    """
    merged = {key: value for key, value in source.items() if key not in _MERGED_FIELDS}
    merged["extras"] = [
        extra for extra in source.get("extras", ()) if extra["key"] != OWNERSHIP_EXTRA
    ]
    if marker_extra:
        merged["extras"].append({"key": OWNERSHIP_EXTRA, "value": source_marker})
    merged["extras"].sort(key=lambda extra: extra["key"])

    if current is None:
        merged["name"] = name if name is not None else cut_name(source["name"])
        owner = _owner_id(source, org_ids)
        groups = _group_ids(source, group_ids)
        merged["resources"] = [dict(resource) for resource in source.get("resources", ())]
    else:
        merged["id"] = current["id"]
        preserve_name = options.dataset_preserve_names
        merged["name"] = current["name"] if preserve_name else cut_name(source["name"])
        owner = current.get("owner_org") if options.dataset_preserve_organization else None
        if not owner:
            owner = _owner_id(source, org_ids)
        groups = _merge_groups(source, current, options.dataset_group_merge_strategy, group_ids)
        merged["resources"] = _match_resources(
            source.get("resources", ()), current.get("resources") or ()
        )
        if current.get("state") == "deleted":
            merged["state"] = "active"
    if "title" not in merged:
        merged["title"] = merged["name"]  # what CKAN stores for an empty title
    if owner:
        merged["owner_org"] = owner
    elif current is not None and current.get("owner_org"):
        merged["owner_org"] = ""  # CKAN's "no organization"; left out, package_update keeps it
    for key, value in DATASET_DEFAULTS.items():
        merged.setdefault(key, value)  # normalize dropped them; left out, CKAN keeps its own
    merged["groups"] = [{"id": group_id} for group_id in groups]
    return merged


def renamed(merged: Mapping[str, Any], source: Mapping[str, Any], name: str) -> dict[str, Any]:
    """`merged` under another `name` (a free one, when the merged name is taken); a dataset
    without a title of its own has its name as title, as CKAN stores it."""
    result = {**merged, "name": name}
    if "title" not in source:
        result["title"] = name
    return result


def differs(merged: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    """Whether writing `merged` would change the dataset CKAN holds as `current`.

    Compared the way CKAN stores a dataset: extras, tags and groups as sets, resources in
    order; server-managed fields, resource ids, ckanext-harvest's index extras and resource
    fields CKAN fills in itself are ignored. A deleted dataset always differs (the write
    revives it).
    """
    if current.get("state", "active") != "active":
        return True
    wanted = normalize_ckan_dataset(merged)
    held = normalize_ckan_dataset(current)
    if len(wanted["resources"]) == len(held["resources"]):
        held["resources"] = [
            _without_filled_in(stored, written)
            for stored, written in zip(held["resources"], wanted["resources"], strict=True)
        ]
    return wanted != held


RESOURCE_FIELDS_FILLED_IN = ("mimetype",)
"""Resource fields `package_update` fills in when a written resource lacks them (CKAN 2.12
guesses the mimetype from the URL): absent from the merge, they are not a difference."""


def _without_filled_in(stored: dict[str, Any], written: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in stored.items()
        if key not in RESOURCE_FIELDS_FILLED_IN or key in written
    }


_MERGED_FIELDS = frozenset({"id", "name", "owner_org", "groups", "resources", "extras", "state"})


def _owner_id(source: Mapping[str, Any], org_ids: Mapping[str, str]) -> str | None:
    key = source.get("owner_org")
    if key is None:
        return None
    if key not in org_ids:
        raise UnknownReference("owner_org", key)
    return org_ids[key]


def _group_ids(source: Mapping[str, Any], group_ids: Mapping[str, str]) -> list[str]:
    ids = []
    for group in source.get("groups", ()):
        key = group["name"]
        if key not in group_ids:
            raise UnknownReference("groups", key)
        ids.append(group_ids[key])
    return ids


def _merge_groups(
    source: Mapping[str, Any],
    current: Mapping[str, Any],
    strategy: str,
    group_ids: Mapping[str, str],
) -> list[str]:
    if strategy == "replace":
        return _group_ids(source, group_ids)
    current_ids = [group["id"] for group in current.get("groups") or ()]
    if strategy == "preserve":
        return current_ids
    return current_ids + [
        group_id for group_id in _group_ids(source, group_ids) if group_id not in current_ids
    ]


def _match_resources(source_resources: Any, current_resources: Any) -> list[dict[str, Any]]:
    """Source resources, each with the id of the CKAN resource it is.

    A CKAN resource is the same resource when it has the same source resource id, else (for
    those still unmatched) the same URL; each CKAN resource is matched at most once.
    """
    merged = [dict(resource) for resource in source_resources]
    unmatched = list(current_resources)
    for field in (SOURCE_RESOURCE_ID, "url"):
        for resource in merged:
            value = resource.get(field)
            if "id" in resource or value is None:
                continue
            position = next(
                (i for i, candidate in enumerate(unmatched) if candidate.get(field) == value),
                None,
            )
            if position is not None:
                resource["id"] = unmatched.pop(position)["id"]
    return merged
