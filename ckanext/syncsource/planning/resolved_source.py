"""A harvest source as every stage needs it: its checked config and the name it owns by."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from ckan import model

from ..core.normalize import ownership_marker
from .source_config import ConfigError, SourceConfig, parse_source_config

__all__ = ["ConfigError", "ResolvedSource", "resolve_source"]


@dataclass(frozen=True)
class ResolvedSource:
    id: str
    name: str
    """The harvest source's own (dataset) name."""
    url: str
    config: SourceConfig
    source_name: str
    """The name in the ownership marker: the configured `source_name`, else `name`."""

    def marker(self, source_id: str) -> str:
        """The ownership marker of the source's dataset `source_id`."""
        return ownership_marker(self.source_name, source_id)


def resolve_source(harvest_source) -> ResolvedSource:
    """Resolve a `HarvestSource`; ConfigError when its config is invalid. One query."""
    config = parse_source_config(harvest_source.config)
    name = model.Session.execute(
        sa.select(model.Package.name).where(model.Package.id == harvest_source.id)
    ).scalar_one()
    return ResolvedSource(
        harvest_source.id, name, harvest_source.url, config, config.source_name or name
    )
