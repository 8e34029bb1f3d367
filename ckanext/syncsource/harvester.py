"""The `syncsource` harvester: ckanext-harvest's three stages over the sync engine."""

from __future__ import annotations

import logging

from ckan import model
from ckanext.harvest.harvesters.base import HarvesterBase

from .harvest.datasets_sync import ImportFailed, import_object
from .harvest.gather import GatherFailed, gather
from .planning.source_config import ConfigError, parse_source_config

log = logging.getLogger(__name__)


class SyncSourceHarvester(HarvesterBase):
    """Holds no per-job state: the plugin object is shared by every job and consumer."""

    force_import = False
    """Set by ckanext-harvest's `harvest_objects_import` (`ckan harvester import`), and only
    when the harvester declares it; that command runs in a process of its own."""

    def info(self) -> dict[str, str]:
        return {
            "name": "syncsource",
            "title": "Sync source (catalogue sync)",
            "description": (
                "Keeps this site in step with a catalogue of organizations, groups and datasets "
                "(JSON, JSON Lines, directory, SQLite or another CKAN): creates, updates and "
                "deletes exactly the source's datasets and touches nothing else."
            ),
            "form_config_interface": "Text",
        }

    def validate_config(self, config: str | None) -> str | None:
        try:
            parse_source_config(config)
        except ConfigError as e:
            raise ValueError(str(e)) from e
        return config

    def gather_stage(self, harvest_job) -> list[str] | None:
        try:
            gathered = gather(harvest_job, self._get_user_name())
        except GatherFailed as e:
            log.error("Gather of job %s failed: %s", harvest_job.id, e)
            self._save_gather_error(str(e), harvest_job)
            return None
        except Exception as e:
            # Raising would make ckanext-harvest delete the job's objects (maybe half imported)
            # and leave the job without a word on its page.
            log.exception("Gather of job %s failed unexpectedly", harvest_job.id)
            model.Session.rollback()
            self._save_gather_error(f"The gather stage failed unexpectedly: {e!r}", harvest_job)
            return None
        for problem in gathered.problems:
            self._save_gather_error(problem, harvest_job)
        return gathered.object_ids

    def fetch_stage(self, harvest_object) -> bool:
        # Gather stores each dataset's content in its object: nothing is left to fetch.
        return True

    def import_stage(self, harvest_object) -> bool | str:
        try:
            return import_object(harvest_object, self._get_user_name(), self.force_import)
        except ImportFailed as e:
            self._save_object_error(str(e), harvest_object, "Import")
            return False
        except Exception as e:
            # One dataset's fault (the search index down, a database error) must not kill the
            # consumer and leave the object IMPORT forever; the next job retries the dataset.
            log.exception("Import of object %s failed unexpectedly", harvest_object.id)
            model.Session.rollback()
            self._save_object_error(
                f"The import failed unexpectedly: {e!r}", harvest_object, "Import"
            )
            return False
