"""Template helpers for syncsource sources: the config keys explained, and a source's
effective config (every default filled in). Allowed values and defaults come from the code
that checks them, so the help cannot drift from the rules."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from ..core.options import DATASET_GROUP_STRATEGIES, GROUP_STRATEGIES, SyncOptions
from ..planning.source_config import (
    DEFAULT_DELETE_LIMIT,
    SQLITE_KINDS,
    ConfigError,
    SourceConfig,
    parse_source_config,
)
from ..sources import format_names

_DEFAULTS = asdict(SyncOptions())

EXAMPLE = {
    "source_name": "city-catalogue",
    "delete_limit": 0.2,
    "format": "jsonl",
    "organization_merge_strategy": "update",
    "dataset_group_merge_strategy": "replace",
}


def _choices(values) -> str:
    return ", ".join(f'"{value}"' for value in values)


def _keys() -> list[dict[str, str]]:
    rows = [
        (
            "source_name",
            "2-100 characters: lowercase letters, digits, - and _",
            "the harvest source's name",
            "Marks the source's datasets (extra _harvest_source); unique among sources.",
        ),
        (
            "delete_limit",
            "a number from 0 to 1",
            str(DEFAULT_DELETE_LIMIT),
            "Largest share of the source's datasets one job may delete; above it the job "
            "deletes nothing. Raise it for one run when the source really lost them.",
        ),
        (
            "format",
            _choices(format_names()),
            "told from the URL",
            "The source format, when the URL does not tell it.",
        ),
        (
            "sqlite_tables",
            f"an object mapping {_choices(SQLITE_KINDS)} to table names",
            "{}",
            "Table names of an SQLite source, when not dataset, group and organization.",
        ),
    ]
    descriptions = {
        "organization_merge_strategy": "create: leave existing organizations alone (a deleted "
        "one is revived); update: overwrite them with the source's values.",
        "group_merge_strategy": "The same, for groups.",
        "dataset_preserve_names": "true: an updated dataset keeps its CKAN name; false: it "
        "takes the source's name.",
        "dataset_preserve_organization": "true: an updated dataset keeps its CKAN organization.",
        "dataset_group_merge_strategy": "add: CKAN's groups, then the source's new ones; "
        "replace: the source's groups; preserve: CKAN's groups.",
    }
    allowed = {
        "organization_merge_strategy": _choices(GROUP_STRATEGIES),
        "group_merge_strategy": _choices(GROUP_STRATEGIES),
        "dataset_group_merge_strategy": _choices(DATASET_GROUP_STRATEGIES),
    }
    for option in fields(SyncOptions):
        default = _DEFAULTS[option.name]
        rows.append(
            (
                option.name,
                allowed.get(option.name, "true, false"),
                json.dumps(default) if isinstance(default, bool) else f'"{default}"',
                descriptions[option.name],
            )
        )
    return [dict(zip(("key", "allowed", "default", "about"), row, strict=True)) for row in rows]


def syncsource_config_help() -> dict[str, Any]:
    """Every config key with its allowed values, default and meaning, and an example."""
    return {"keys": _keys(), "example": json.dumps(EXAMPLE, indent=2)}


def syncsource_effective_config(config_text: str | None, source_name: str) -> dict[str, Any]:
    """{"config": the config with its defaults filled in (pretty JSON)} or {"error": why}."""
    try:
        config: SourceConfig = parse_source_config(config_text)
    except ConfigError as e:
        return {"error": str(e)}
    effective = {
        "source_name": config.source_name or source_name,
        "delete_limit": config.delete_limit,
        "format": config.format or "(told from the URL)",
        "sqlite_tables": dict(config.sqlite_tables),
        **asdict(config.options),
    }
    return {"config": json.dumps(effective, indent=2, ensure_ascii=False)}


def get_helpers() -> dict[str, Any]:
    return {
        "syncsource_config_help": syncsource_config_help,
        "syncsource_effective_config": syncsource_effective_config,
    }
