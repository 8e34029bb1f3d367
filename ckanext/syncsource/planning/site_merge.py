"""The dataset a job writes: the engine's merge, then the site's `ISyncSource` plugins."""

from __future__ import annotations

from typing import Any

import ckan.plugins as p

from ..core.merge import merge_dataset
from ..interfaces import ISyncSource
from .resolved_source import ResolvedSource


def merge_for_site(
    source: ResolvedSource,
    source_id: str,
    source_dataset: dict[str, Any],
    current: dict[str, Any] | None,
    org_ids: dict[str, str],
    group_ids: dict[str, str],
    name: str | None = None,
    marker_extra: bool = True,
) -> dict[str, Any]:
    """`merge_dataset` of the source dataset into `current`, as each plugin then modifies it;
    InvalidObject (from the merge) when the source dataset names what CKAN does not hold."""
    merged = merge_dataset(
        source_dataset,
        current,
        source.config.options,
        org_ids,
        group_ids,
        source.marker(source_id),
        name=name,
        marker_extra=marker_extra,
    )
    context = {
        "harvest_source_id": source.id,
        "source_name": source.source_name,
        "source_id": source_id,
        "source_dataset": source_dataset,
    }
    for plugin in p.PluginImplementations(ISyncSource):
        merged = plugin.modify_dataset(merged, current, context)
    return merged


def adjustments() -> tuple[str, ...]:
    """What the site's plugins do to datasets, for the fingerprint: enabling, disabling or
    changing one makes every dataset an update candidate once."""
    return tuple(
        f"{plugin.name}:{plugin.modify_dataset_version()}"
        for plugin in p.PluginImplementations(ISyncSource)
    )
