"""Which source datasets a read may skip downloading, and what an import records so it can.

A dataset's source version is "<context> <stamp>": the stamp is the source's own version of the
dataset (a CKAN site's `metadata_modified`), the context a fingerprint of everything else its
canonical and merged form depends on (the source URL and config, the site's dataset schema, the
plugins that adjust datasets). The next read knows the stamp of each dataset synced under the
same context whose CKAN copy is still as it was written (its fingerprint is trusted), active and
linked: when the source still gives that stamp, the reader yields it without content and the
planner gives it the fingerprint it was synced with, so it plans as unchanged. Anything else
(a config change, a local edit, a dataset deleted by hand) downloads the content again.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable

from ..core.entries import ExistingEntry
from ..core.fingerprint import fingerprint
from ..core.schema_fields import SiteSchema
from .source_config import SourceConfig

_VERSION = 1
"""Changing how a dataset is read or merged without a config change: raise it."""


def read_context(
    url: str, config: SourceConfig, schema: SiteSchema | None, adjustments: tuple[str, ...]
) -> str:
    return fingerprint(
        {
            "version": _VERSION,
            "url": url,
            "config": dataclasses.asdict(config),
            "schema": dict(schema.fields) if schema is not None else None,
            "adjustments": list(adjustments),
        }
    )


def source_version(context: str, stamp: str | None) -> str | None:
    return f"{context} {stamp}" if stamp else None


def known_datasets(existing: Iterable[ExistingEntry], context: str) -> dict[str, ExistingEntry]:
    """The source's datasets whose download a read may skip, by source id, each with its
    recorded version under `context`."""
    existing = list(existing)
    claims = Counter(entry.source_id for entry in existing)
    prefix = f"{context} "
    return {
        entry.source_id: entry
        for entry in existing
        if claims[entry.source_id] == 1
        and entry.linked
        and entry.state == "active"
        and entry.synced_fingerprint is not None
        and (entry.source_version or "").startswith(prefix)
    }


def known_stamps(known: dict[str, ExistingEntry]) -> dict[str, str]:
    """The stamps a reader is given (`open_source`'s `known_stamps`)."""
    return {
        source_id: entry.source_version.split(" ", 1)[1]
        for source_id, entry in known.items()
        if entry.source_version
    }
