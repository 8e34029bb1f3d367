"""What the CKAN site holds for a source, read through its action API.

The source's datasets are found with `package_search`. CKAN indexes every extra as the Solr
field `extras_<key>` (so `_harvest_source` becomes `extras__harvest_source`) of type `text`,
which is tokenized: a phrase query on the source name finds every marker holding those words,
a superset, and each hit's marker is then compared exactly. Drafts and private datasets are
included; deleted ones only when the site keeps them in the index
(`ckan.search.remove_deleted_packages = false`, CKAN's default is to drop them). A deleted
dataset that the search cannot see is found by `NameProbe` when its source dataset comes back.

The hits are the dataset dicts CKAN indexed, which are what `package_show` returns (it serves
them from the index itself while they are current), so they tell which datasets are unchanged
without one request per dataset.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..core.entries import ExistingEntry, ExistingGroup
from ..core.names import name_candidates, name_problem
from ..core.normalize import OWNERSHIP_EXTRA, ownership_marker
from .action_api import ActionApi, CkanUnreachable

SEARCH_PAGE_SIZE = 1000  # CKAN's default ckan.search.rows_max


def owned_datasets(
    api: ActionApi, source_name: str
) -> tuple[list[ExistingEntry], dict[str, dict[str, Any]]]:
    """The datasets carrying the source's ownership marker that the search index holds, and
    their indexed dicts by CKAN id."""
    prefix = ownership_marker(source_name, "")
    entries, indexed = [], {}
    for hit in _search_marked(api, source_name):
        marker = _marker_of(hit)
        if isinstance(marker, str) and marker.startswith(prefix):
            entries.append(_entry(marker[len(prefix) :], hit))
            indexed[hit["id"]] = hit
    return entries, indexed


def _search_marked(api: ActionApi, source_name: str) -> Iterator[dict[str, Any]]:
    """Search hits whose marker holds the words of `source_name`, paged by ascending id so
    that writes during the read do not shift pages."""
    marker_query = f'+extras_{OWNERSHIP_EXTRA}:"{source_name}"'
    last_id = ""
    while True:
        fq = marker_query
        if last_id:
            fq += f' +id:{{"{last_id}" TO *]'
        result = api.call(
            "package_search",
            {
                "q": "*:*",
                "fq": fq,
                "sort": "id asc",
                "rows": SEARCH_PAGE_SIZE,
                "facet": "false",
                "include_private": True,
                "include_drafts": True,
                "include_deleted": True,
            },
        )
        page = result.get("results") if isinstance(result, dict) else None
        if not isinstance(page, list):
            raise CkanUnreachable("package_search: the answer has no list of results")
        if not page:
            return
        for hit in page:
            if not isinstance(hit, dict) or not all(
                isinstance(hit.get(key), str) for key in ("id", "name")
            ):
                raise CkanUnreachable("package_search: a result has no id or name")
            if hit["id"] <= last_id:
                raise CkanUnreachable("package_search: results are not in ascending id order")
            last_id = hit["id"]
            yield hit


def _entry(source_id: str, dataset: dict[str, Any]) -> ExistingEntry:
    # Over HTTP nothing records what was last synced, so every dataset is an update candidate
    # (synced_fingerprint None) and the merge decides whether it needs a write; nothing links a
    # dataset either, so the planner adopts the oldest one carrying the marker.
    state = "deleted" if dataset.get("state") == "deleted" else "active"
    created = dataset.get("metadata_created")
    return ExistingEntry(
        source_id,
        dataset["id"],
        dataset["name"],
        state,
        None,
        created=created if isinstance(created, str) else "",
    )


class NameProbe:
    """Which dataset names are taken, asked with `package_show` (which also shows deleted
    datasets) and remembered for the run.

    Probing the names a returning source dataset would get also finds its deleted CKAN dataset
    when that kept the name it was created or last synced with, so it is revived.
    """

    def __init__(self, api: ActionApi) -> None:
        self._api = api
        self._shown: dict[str, dict[str, Any] | None] = {}

    def dataset(self, name: str) -> dict[str, Any] | None:
        if name not in self._shown:
            self._shown[name] = self._api.show("package_show", id=name)
        return self._shown[name]

    def taken(self, name: str) -> bool:
        return self.dataset(name) is not None

    def find_own(
        self, wanted: str, marker: str, source_id: str, max_tries: int
    ) -> ExistingEntry | None:
        """The dataset with `marker` among those holding `wanted` or its suffixed forms, up to
        the first free name (where a create would stop looking too)."""
        for name in name_candidates(wanted, max_tries):
            dataset = self.dataset(name)
            if dataset is None:
                return None
            if _marker_of(dataset) == marker:
                return _entry(source_id, dataset)
        return None


def _marker_of(dataset: dict[str, Any]) -> str | None:
    for extra in dataset.get("extras") or ():
        if isinstance(extra, dict) and extra.get("key") == OWNERSHIP_EXTRA:
            return extra.get("value")
    return None


def existing_groups(api: ActionApi, kind: str, keys: Iterable[Any]) -> dict[str, ExistingGroup]:
    """The organizations (kind 'organization') or groups CKAN holds under these names."""
    found = {}
    for key in keys:
        if name_problem(key) is not None:
            continue  # the planner reports the invalid key
        shown = api.show(
            f"{kind}_show",
            id=key,
            include_datasets=False,
            include_users=False,
            include_groups=False,
            include_tags=False,
            include_followers=False,
            include_extras=True,
        )
        if shown is None or shown.get("name") != key:
            continue  # unknown, or `key` is the id of an object with another name
        state = "deleted" if shown.get("state") == "deleted" else "active"
        found[key] = ExistingGroup(shown["id"], key, state, without_empty_extras(shown))
    return found


def without_empty_extras(obj: Any) -> Any:
    """`obj` without an empty `extras`, which CKAN shows as `[]` for an object that has none:
    otherwise the update strategy would see a difference, and write, on every run."""
    if isinstance(obj, Mapping) and "extras" in obj and not obj["extras"]:
        return {key: value for key, value in obj.items() if key != "extras"}
    return obj
