"""What a syncsource harvest object holds: the one contract between gather, import and plan.

Gather stores one object per planned dataset write: its guid is the dataset's id in the source,
the status extra says which step it is, and its content is the `PlannedWrite` of a create or
an update. The import applies it and records on the object what it wrote (`SyncRecord`); the
next plan reads that record to tell an unchanged dataset without loading it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Literal

Status = Literal["create", "update", "delete"]

STATUS_EXTRA = "syncsource_status"
FINGERPRINT_EXTRA = "syncsource_fingerprint"
SYNCED_MODIFIED_EXTRA = "syncsource_synced_modified"
SOURCE_VERSION_EXTRA = "syncsource_source_version"
"""What the synced content was read from: the read context and the source's stamp of the
dataset (see `source_versions`), so the next read may skip downloading it."""
OUTCOME_EXTRA = "syncsource_outcome"
"""What the import of the object did ("written" or "unchanged"), kept under its lock."""


@dataclass(frozen=True)
class PlannedWrite:
    """A create or update as the import needs it."""

    dataset: dict[str, Any]
    """The canonical source dataset."""
    name: str
    """The name the plan chose."""
    fingerprint: str
    """What the import records once the dataset is written or found unchanged."""
    org_ids: dict[str, str]
    """CKAN ids of the organization key the dataset names."""
    group_ids: dict[str, str]
    """CKAN ids of the group keys the dataset names."""
    frees: str | None = None
    """For a create: the id of the source's own dataset, planned for deletion, whose name it
    takes."""
    displaces: str | None = None
    """The id of the source's own dataset that holds the name now and that the same job renames
    away: moved to its id first if it still holds the name."""
    marker_extra: bool = True
    """Whether the site's schema lets the `_harvest_source` extra be written (the marker is in
    `plugin_data` either way)."""
    source_version: str | None = None
    """What the import records as SOURCE_VERSION_EXTRA (None: the format has no stamps)."""

    def encode(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def decode(cls, content: str) -> PlannedWrite:
        return cls(**json.loads(content))


def object_extra(harvest_object, key: str) -> str | None:
    """The value of one extra of a harvest object (None when it has none)."""
    return next((extra.value for extra in harvest_object.extras if extra.key == key), None)
