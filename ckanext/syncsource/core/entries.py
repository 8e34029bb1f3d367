"""The records the planners work on: small, so large catalogues plan in little memory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

State = Literal["active", "deleted"]


@dataclass(frozen=True, slots=True)
class ObjectError:
    """Why one source object (dataset id or organization/group key) is left out of a plan."""

    key: str
    reason: str


@dataclass(frozen=True, slots=True)
class ExistingGroup:
    """An organization or group CKAN holds under the name of a source key."""

    id: str
    name: str
    state: State
    content: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """A source dataset as the dataset planner sees it."""

    source_id: str
    name: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class ExistingEntry:
    """A CKAN dataset that may belong to the source (see `ownership.owned_datasets`).

    `synced_fingerprint` is the fingerprint of the source content last written to it, or None
    when unknown (then the dataset is an update candidate and the merge decides). `linked` is
    true when the source's current harvest object links it, false when only its ownership
    marker names the source id; `created` (CKAN's `metadata_created`, ISO text) orders
    marker-only datasets by age; `marker_missing`: linked, but CKAN kept no ownership marker
    (the site dropped it); `source_version`: what the synced content was read from (see
    `planning.source_versions`), only where `synced_fingerprint` is known.
    """

    source_id: str
    package_id: str
    name: str
    state: State
    synced_fingerprint: str | None
    linked: bool = False
    created: str = ""
    marker_missing: bool = False
    source_version: str | None = None
