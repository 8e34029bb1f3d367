"""An `ISyncSource` plugin as a site would write one, enabled by the tests that need it
(`syncsource_test_hooks` in the `ckan.plugins` entry points)."""

from __future__ import annotations

from typing import Any

import ckan.plugins as p

from ckanext.syncsource.interfaces import ISyncSource


class SyncHooksPlugin(p.SingletonPlugin):
    """Stamps each dataset with its source and the plugin's label, keeps the titles edited on
    the site when asked to, and records the jobs that finished."""

    p.implements(ISyncSource, inherit=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reset()

    def reset(self) -> None:
        self.label = "v1"
        self.keep_site_titles = False
        self.finished: list[tuple[str, dict[str, int]]] = []

    def modify_dataset(self, dataset, current, context):
        extras = [extra for extra in dataset.get("extras", []) if extra["key"] != "synced_by"]
        stamp = f"{context['source_name']}:{context['source_id']} {self.label}"
        dataset["extras"] = [*extras, {"key": "synced_by", "value": stamp}]
        if self.keep_site_titles and current is not None:
            dataset["title"] = current["title"]
        return dataset

    def modify_dataset_version(self) -> str:
        return self.label

    def after_sync(self, job, summary) -> None:
        self.finished.append((job["id"], summary))
