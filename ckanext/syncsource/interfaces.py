"""Plugin points of the syncsource harvester, for other CKAN extensions to implement."""

from __future__ import annotations

from typing import Any

from ckan.plugins.interfaces import Interface


class ISyncSource(Interface):
    """Adjust the datasets the syncsource harvester writes, and hear when one of its jobs ends.

    Every method has a default, so a plugin implements only what it needs.
    """

    def modify_dataset(
        self, dataset: dict[str, Any], current: dict[str, Any] | None, context: dict[str, Any]
    ) -> dict[str, Any]:
        """Return the dataset to write, `dataset` changed in place or a new dict.

        Called for each dataset a job creates or updates, after the merge of the source dataset
        with `current` (the dataset as CKAN holds it; None for a create) and before the harvester
        decides whether to write: when the result equals `current`, nothing is written and the
        job counts the dataset "not modified". The source's rights apply to the result.

        `context` holds `harvest_source_id`, `source_name`, `source_id` (the dataset's id in the
        source) and `source_dataset` (the source's dataset as read, not to be changed).
        """
        return dataset

    def modify_dataset_version(self) -> str:
        """A label for what `modify_dataset` does; change it when that changes.

        A dataset whose source content did not change is not merged again, so a new behaviour
        reaches it only when this label changes (every dataset is then merged once more).
        """
        return ""

    def after_sync(self, job: dict[str, Any], summary: dict[str, int]) -> None:
        """Called once a job of a syncsource source has finished.

        `job` is the job as `harvest_job_show` returns it; `summary` its counts ("added",
        "updated", "deleted", "not modified" (unchanged datasets included), "errored").
        """
