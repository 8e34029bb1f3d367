"""The harvest source's config: JSON in the source form, checked when the source is saved."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..core.delete_guard import DEFAULT_DELETE_LIMIT, delete_limit_problem
from ..core.errors import OptionError
from ..core.names import source_name_problem
from ..core.options import SyncOptions
from ..core.schema_fields import extras_to_fields_problem
from ..sources import format_names

SQLITE_KINDS = ("dataset", "group", "organization")
_OWN_KEYS = ("source_name", "delete_limit", "format", "sqlite_tables", "extras_to_fields")
_OPTION_KEYS = (
    "organization_merge_strategy",
    "group_merge_strategy",
    "dataset_preserve_names",
    "dataset_preserve_organization",
    "dataset_group_merge_strategy",
)


class ConfigError(ValueError):
    """The source config is invalid; the message names every bad key and what it allows."""


@dataclass(frozen=True)
class SourceConfig:
    options: SyncOptions = field(default_factory=SyncOptions)
    source_name: str | None = None
    """Written into `_harvest_source` as "<source_name>:<id>"; None means the source's name."""
    delete_limit: float = DEFAULT_DELETE_LIMIT
    """The largest share of the source's datasets one run may delete."""
    format: str | None = None
    """The source format when the URL does not tell it."""
    sqlite_tables: Mapping[str, str] = field(default_factory=dict)
    extras_to_fields: Mapping[str, str] = field(default_factory=dict)
    """Source extra key -> the site's dataset schema field it becomes."""


def parse_source_config(text: str | None) -> SourceConfig:
    """Parse and check the config text of a harvest source (empty means all defaults)."""
    if text is None or not text.strip():
        return SourceConfig()
    try:
        raw = json.loads(text)
    except ValueError as e:
        raise ConfigError(f"the config is not valid JSON: {e}") from e
    if not isinstance(raw, dict):
        raise ConfigError('the config must be a JSON object, e.g. {"delete_limit": 0.5}')

    problems = {}
    unknown = sorted(set(raw) - set(_OWN_KEYS) - set(_OPTION_KEYS))
    for key in unknown:
        allowed = ", ".join(sorted(_OWN_KEYS + _OPTION_KEYS))
        problems[key] = f"unknown key {key!r} (allowed keys: {allowed})"
    try:
        options = SyncOptions.from_config(raw)
    except OptionError as e:
        problems.update(e.problems)
        options = SyncOptions()

    source_name = raw.get("source_name")
    name_problem = source_name_problem(source_name) if source_name is not None else None
    if name_problem:
        problems["source_name"] = name_problem
    delete_limit = raw.get("delete_limit", DEFAULT_DELETE_LIMIT)
    limit_problem = delete_limit_problem(delete_limit)
    if limit_problem:
        problems["delete_limit"] = limit_problem
    fmt = raw.get("format")
    if fmt is not None and fmt not in format_names():
        problems["format"] = (
            f"format must be one of {', '.join(map(repr, format_names()))}, not {fmt!r}"
        )
    tables = raw.get("sqlite_tables", {})
    if not isinstance(tables, dict) or not all(
        kind in SQLITE_KINDS and isinstance(name, str) and name for kind, name in tables.items()
    ):
        problems["sqlite_tables"] = (
            "sqlite_tables must map some of 'dataset', 'group', 'organization' to table names, "
            f"not {tables!r}"
        )
    renames = raw.get("extras_to_fields", {})
    renames_problem = extras_to_fields_problem(renames)
    if renames_problem:
        problems["extras_to_fields"] = renames_problem
    if problems:
        raise ConfigError("; ".join(problems[key] for key in sorted(problems)))
    return SourceConfig(options, source_name, float(delete_limit), fmt, dict(tables), dict(renames))


def configured_source_name(config_text: str | None) -> str | None:
    """The source_name a source's config sets, if it is valid and sets one."""
    try:
        return parse_source_config(config_text).source_name
    except ConfigError:
        return None
