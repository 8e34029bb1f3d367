"""The target site's dataset schema over HTTP: ckanext-scheming's when the site's API offers
`scheming_dataset_schema_show`, else None (CKAN's default schema: extras stay extras)."""

from __future__ import annotations

from ..core.schema_fields import SiteSchema, scheming_site_schema
from .action_api import ActionApi, ActionError, CkanUnreachable, NotFound

UNKNOWN_ACTION = "Action name not known"
"""In CKAN's answer (400) to an action it does not have: here, a site without ckanext-scheming."""


def dataset_schema(api: ActionApi, dataset_type: str = "dataset") -> SiteSchema | None:
    try:
        answer = api.call("scheming_dataset_schema_show", {"type": dataset_type})
    except NotFound:  # scheming has no schema for the type
        return None
    except ActionError as e:
        if e.status == 400 and UNKNOWN_ACTION in str(e.error.get("message", "")):
            return None
        raise
    try:
        return scheming_site_schema(answer)
    except ValueError as e:
        raise CkanUnreachable(f"scheming_dataset_schema_show: {e}") from None
