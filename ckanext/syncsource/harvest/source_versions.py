"""Record what unchanged datasets were read from, so the next read may skip downloading them.

A dataset found unchanged by its fingerprint gets no harvest object; when the source's stamp
of it moved (a remote edit that changed nothing synced) or none was recorded yet (datasets
synced before stamps were recorded), its current object gets the new source version here.
"""

from __future__ import annotations

import sqlalchemy as sa
from ckan import model
from ckanext.harvest.model import HarvestObject, HarvestObjectExtra

from ..planning.harvest_objects import SOURCE_VERSION_EXTRA

_CHUNK = 1000


def record_source_versions(harvest_source_id: str, versions: dict[str, str]) -> None:
    """Set the source version of the current objects of these datasets (CKAN id -> version);
    not committed."""
    package_ids = sorted(versions)
    extras = HarvestObjectExtra.__table__
    for start in range(0, len(package_ids), _CHUNK):
        chunk = package_ids[start : start + _CHUNK]
        objects = model.Session.execute(
            sa.select(HarvestObject.id, HarvestObject.package_id).where(
                HarvestObject.harvest_source_id == harvest_source_id,
                HarvestObject.current,
                HarvestObject.package_id.in_(chunk),
            )
        ).all()
        object_ids = [object_id for object_id, _ in objects]
        model.Session.execute(
            extras.delete().where(
                extras.c.harvest_object_id.in_(object_ids), extras.c.key == SOURCE_VERSION_EXTRA
            )
        )
        rows = [
            {"harvest_object_id": object_id, "key": SOURCE_VERSION_EXTRA, "value": versions[pid]}
            for object_id, pid in objects
        ]
        if rows:
            model.Session.execute(extras.insert(), rows)
