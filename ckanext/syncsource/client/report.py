"""What one `SynchronizationClient.sync` run did."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SyncError:
    """Why an object was not synced; `ckan_error` is CKAN's error dict when CKAN refused it."""

    reason: str
    ckan_error: dict[str, Any] | None = None


@dataclass
class GroupsReport:
    """Organizations or groups, by source key (their name)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    revived: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: dict[str, SyncError] = field(default_factory=dict)


@dataclass
class SyncReport:
    """Datasets by source id, and the organizations and groups synced before them.

    `names` holds the CKAN name each created dataset got (suffixed when its name was taken);
    `refused` says why the run wrote nothing at all, when the delete guard tripped.
    """

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errored: list[str] = field(default_factory=list)
    errors: dict[str, SyncError] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    organizations: GroupsReport = field(default_factory=GroupsReport)
    groups: GroupsReport = field(default_factory=GroupsReport)
    refused: str | None = None

    def add_error(self, source_id: str, error: SyncError) -> None:
        self.errored.append(source_id)
        self.errors[source_id] = error

    @property
    def writes(self) -> int:
        """How many dataset writes the run made."""
        return len(self.created) + len(self.updated) + len(self.deleted)
