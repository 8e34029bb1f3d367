"""`SynchronizationClient`: the legacy client's Python API on the syncsource engine."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from ..core.delete_guard import DEFAULT_DELETE_LIMIT, delete_limit_problem, refusal
from ..core.errors import OptionError
from ..core.names import DEFAULT_MAX_TRIES, source_name_problem
from ..core.options import SyncOptions
from .action_api import ActionApi
from .datasets_sync import DatasetSync
from .groups_sync import sync_groups
from .report import SyncReport

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0

_OPTION_NAMES = tuple(f.name for f in fields(SyncOptions))


class SynchronizationClient:
    """Keeps the datasets, organizations and groups of a source in step with a CKAN site.

    `base_url` is the site's root URL; `api_key` (an API token) is sent as the `Authorization`
    header and should belong to a sysadmin, who can see and write every dataset of the source.
    The keyword options are the legacy client's: `organization_merge_strategy`,
    `group_merge_strategy` ('create' or 'update'), `dataset_preserve_names`,
    `dataset_preserve_organization` (booleans) and `dataset_group_merge_strategy` ('add',
    'replace' or 'preserve'); bad ones raise `OptionError`. `timeout` bounds each HTTP call;
    `delete_limit` is the largest share of the source's datasets one sync may delete (a source
    with no datasets deletes nothing); a sync that would delete more changes nothing at all and
    its report says why (`refused`), as in the harvester.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_name_tries: int = DEFAULT_MAX_TRIES,
        delete_limit: float = DEFAULT_DELETE_LIMIT,
        **options: Any,
    ) -> None:
        problems = {
            key: f"unknown option {key!r}; the options are {', '.join(_OPTION_NAMES)}"
            for key in options
            if key not in _OPTION_NAMES
        }
        if not _is_number(timeout) or timeout <= 0:
            problems["timeout"] = f"timeout must be a positive number, not {timeout!r}"
        if not isinstance(max_name_tries, int) or isinstance(max_name_tries, bool):
            problems["max_name_tries"] = (
                f"max_name_tries must be an integer, not {max_name_tries!r}"
            )
        elif max_name_tries < 1:
            problems["max_name_tries"] = f"max_name_tries must be at least 1, not {max_name_tries}"
        limit_problem = delete_limit_problem(delete_limit)
        if limit_problem:
            problems["delete_limit"] = limit_problem
        try:
            self.options = SyncOptions.from_config(
                {key: value for key, value in options.items() if key in _OPTION_NAMES}
            )
        except OptionError as e:
            problems.update(e.problems)
        if problems:
            raise OptionError(problems)
        self.max_name_tries = max_name_tries
        self.delete_limit = float(delete_limit)
        self.api = ActionApi(base_url, api_key, float(timeout))

    def __repr__(self) -> str:
        return f"SynchronizationClient({self.api.base_url!r})"

    def sync(self, source_name: str, data: Mapping[str, Any]) -> SyncReport:
        """Make the site match `data` for this source and report what was done.

        `data` maps "organization" and "group" to `{name: object}` and "dataset" to
        `{source id: object}`; a missing key is an empty collection. Datasets are matched by
        their `_harvest_source` extra ("<source_name>:<source id>"), organizations and groups by
        name. Errors of single objects are reported and the run goes on; when CKAN cannot be
        reached, `CkanUnreachable` ends the run (a re-run picks up where it stopped).
        """
        problem = source_name_problem(source_name)
        if problem:
            raise ValueError(problem)
        organizations, groups, datasets = (
            _collection(data, kind) for kind in ("organization", "group", "dataset")
        )
        report = SyncReport()
        dataset_sync = DatasetSync(self.api, source_name, self.options, self.max_name_tries)
        plan = dataset_sync.plan(datasets.items())
        report.refused = refusal(plan, self.delete_limit)
        if report.refused:
            log.warning("sync of %s refused: %s", source_name, report.refused)
            return report
        org_ids = sync_groups(
            self.api,
            "organization",
            organizations,
            self.options.organization_merge_strategy,
            report.organizations,
        )
        group_ids = sync_groups(
            self.api, "group", groups, self.options.group_merge_strategy, report.groups
        )
        dataset_sync.apply(plan, org_ids, group_ids, report)
        return report


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _collection(data: Mapping[str, Any], kind: str) -> dict[Any, Any]:
    try:
        collection = data[kind]
    except KeyError:
        return {}
    if collection is None:
        return {}
    if not hasattr(collection, "items"):
        raise TypeError(f"data[{kind!r}] must map keys to objects, not {type(collection).__name__}")
    return dict(collection.items())
