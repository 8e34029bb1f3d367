"""The legacy `SynchronizationClient` Python API, syncing a CKAN site over its action API.

It runs the same engine as the harvester (`ckanext.syncsource.core`) and needs only
`requests`: nothing from CKAN or ckanext-harvest, so it works from any machine.
"""

from ..core.errors import OptionError
from .action_api import ActionError, CkanUnreachable
from .report import GroupsReport, SyncError, SyncReport
from .sync import SynchronizationClient

__all__ = [
    "ActionError",
    "CkanUnreachable",
    "GroupsReport",
    "OptionError",
    "SyncError",
    "SyncReport",
    "SynchronizationClient",
]
