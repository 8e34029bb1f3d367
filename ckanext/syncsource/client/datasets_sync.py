"""Sync the source's datasets through the action API: plan with the engine, then apply.

Over HTTP there is no stored fingerprint of what was last synced, so every dataset both sides
hold is an update candidate, merged and written only when the merge differs from what CKAN
holds. The indexed dicts from the search settle most candidates: only those that differ are
read again with `package_show` (the index may lag) and merged with that before the write, so an
unchanged re-sync costs a few searches and no write.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from ..core.datasets_plan import DatasetPlan, plan_datasets
from ..core.entries import ObjectError, SourceEntry
from ..core.errors import InvalidObject
from ..core.fingerprint import sync_fingerprint
from ..core.merge import differs, merge_dataset, renamed
from ..core.names import wanted_name_problem
from ..core.normalize import normalize_dataset, ownership_marker
from ..core.options import SyncOptions
from ..core.schema_fields import SiteSchema, map_extras_to_fields
from . import dataset_names
from .action_api import ActionApi, ActionError
from .report import SyncError, SyncReport
from .site_schema import dataset_schema
from .site_state import NameProbe, owned_datasets

log = logging.getLogger(__name__)


class DatasetSync:
    """One run's datasets: the source's canonical content, the plan, and its application."""

    def __init__(
        self,
        api: ActionApi,
        source_name: str,
        options: SyncOptions,
        max_name_tries: int,
    ) -> None:
        self._api = api
        self._source_name = source_name
        self._options = options
        self._max_name_tries = max_name_tries
        self._org_ids: Mapping[str, str] = {}
        self._group_ids: Mapping[str, str] = {}
        self._content: dict[str, dict[str, Any]] = {}
        self._indexed: dict[str, dict[str, Any]] = {}

    def plan(self, datasets: Iterable[tuple[Any, Any]]) -> DatasetPlan:
        """Read the source's datasets and plan them against what the site holds (no write)."""
        entries, invalid = self._read_source(datasets, dataset_schema(self._api))
        return self._plan(entries, invalid)

    def apply(
        self,
        plan: DatasetPlan,
        org_ids: Mapping[str, str],
        group_ids: Mapping[str, str],
        report: SyncReport,
    ) -> None:
        """Delete, then create, then update, recording each dataset's outcome in `report`;
        `org_ids` / `group_ids` map the source's keys to CKAN ids."""
        self._org_ids, self._group_ids = org_ids, group_ids
        for error in plan.errors:
            report.add_error(error.key, SyncError(error.reason))
        for delete in plan.deletes:
            data = {"id": delete.package_id}
            self._write(report.deleted, report, delete.source_id, "package_delete", data)
        for create in plan.creates:
            self._create(create.source_id, create.name, create.displaces, report)
        for update in plan.updates:
            self._update(update.source_id, update.package_id, update.displaces, report)
        report.unchanged.extend(step.source_id for step in plan.unchanged)
        log.info(
            "datasets of %s: %d created, %d updated, %d deleted, %d unchanged, %d errors",
            self._source_name,
            len(report.created),
            len(report.updated),
            len(report.deleted),
            len(report.unchanged),
            len(report.errored),
        )

    def _read_source(
        self, datasets: Iterable[tuple[Any, Any]], schema: SiteSchema | None
    ) -> tuple[list[SourceEntry], list[ObjectError]]:
        """The source's datasets in canonical form, with the extras the site's schema holds as
        fields moved to them, as the harvester moves them."""
        entries, invalid = [], []
        for source_id, obj in datasets:
            if not isinstance(source_id, str) or not source_id:
                invalid.append(
                    ObjectError(str(source_id), "a dataset id must be a non-empty string")
                )
                continue
            try:
                content = map_extras_to_fields(normalize_dataset(obj), schema, {})
            except InvalidObject as e:
                invalid.append(ObjectError(source_id, f"invalid dataset: {e}"))
                continue
            self._content[source_id] = content
            fingerprint = sync_fingerprint(content, self._options)
            entries.append(SourceEntry(source_id, content["name"], fingerprint))
        return entries, invalid

    def _plan(self, entries: list[SourceEntry], invalid: list[ObjectError]) -> DatasetPlan:
        existing, self._indexed = owned_datasets(self._api, self._source_name)
        probe = NameProbe(self._api)
        found = {entry.source_id for entry in existing}
        for entry in entries:
            if entry.source_id in found or wanted_name_problem(entry.name):
                continue
            marker = ownership_marker(self._source_name, entry.source_id)
            own = probe.find_own(entry.name, marker, entry.source_id, self._max_name_tries)
            if own is not None:
                existing.append(own)
        return plan_datasets(
            entries,
            existing,
            probe.taken,
            self._max_name_tries,
            invalid,
            follow_names=not self._options.dataset_preserve_names,
        )

    def _create(self, source_id: str, name: str, displaces: str | None, report: SyncReport) -> None:
        try:
            merged = self._merged(source_id, None, name)
            if displaces:
                dataset_names.displace(self._api, displaces, name)
        except ActionError as e:
            report.add_error(source_id, SyncError(str(e), e.error))
            return
        except InvalidObject as e:
            report.add_error(source_id, SyncError(f"invalid dataset: {e}"))
            return
        created = self._write(report.created, report, source_id, "package_create", merged)
        if created is not None:
            report.names[source_id] = created["name"]

    def _update(
        self, source_id: str, package_id: str, displaces: str | None, report: SyncReport
    ) -> None:
        """Names that follow the source are taken as the harvester's import takes them: the
        holder this run renames away is moved off first, and a name held by another dataset
        gives a suffixed form (see `dataset_names`)."""
        indexed = self._indexed.get(package_id)
        if indexed is not None and not self._needs_write(source_id, indexed):
            report.unchanged.append(source_id)
            return
        try:
            current = self._api.call("package_show", {"id": package_id})
            merged = self._merged(source_id, current)
            if merged["name"] != current["name"]:
                if displaces:
                    dataset_names.displace(self._api, displaces, merged["name"])
                name = dataset_names.name_for_update(
                    self._api, merged["name"], current["name"], package_id, self._max_name_tries
                )
                if name is None:
                    reason = (
                        f"No free dataset name: {merged['name']!r} and its suffixed forms are taken"
                    )
                    report.add_error(source_id, SyncError(reason))
                    return
                merged = renamed(merged, self._content[source_id], name)
        except ActionError as e:
            report.add_error(source_id, SyncError(str(e), e.error))
            return
        except InvalidObject as e:
            report.add_error(source_id, SyncError(f"invalid dataset: {e}"))
            return
        if differs(merged, current):
            self._write(report.updated, report, source_id, "package_update", merged)
        else:
            report.unchanged.append(source_id)

    def _needs_write(self, source_id: str, current: dict[str, Any]) -> bool:
        """Whether the merge differs from `current`; True when it fails (`_update` says why)."""
        try:
            return differs(self._merged(source_id, current), current)
        except InvalidObject:
            return True

    def _merged(
        self, source_id: str, current: dict[str, Any] | None, name: str | None = None
    ) -> dict[str, Any]:
        return merge_dataset(
            self._content[source_id],
            current,
            self._options,
            self._org_ids,
            self._group_ids,
            ownership_marker(self._source_name, source_id),
            name=name,
        )

    def _write(
        self,
        done: list[str],
        report: SyncReport,
        source_id: str,
        action: str,
        data: dict[str, Any],
    ) -> dict[str, Any] | None:
        """Call a write action; on success add `source_id` to `done` and return the result."""
        try:
            result = self._api.call(action, data)
        except ActionError as e:
            report.add_error(source_id, SyncError(str(e), e.error))
            return None
        done.append(source_id)
        return result if isinstance(result, dict) else {}
