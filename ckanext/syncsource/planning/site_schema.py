"""The site's dataset schema, read once per job or plan: ckanext-scheming's when it is loaded,
else None (CKAN's default schema, where every source extra stays an extra)."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

from ..core.schema_fields import SiteSchema, scheming_site_schema


def dataset_schema(dataset_type: str = "dataset") -> SiteSchema | None:
    try:
        show = tk.get_action("scheming_dataset_schema_show")
    except KeyError:
        return None
    try:
        schema = show({"ignore_auth": True}, {"type": dataset_type})
    except tk.ObjectNotFound:
        return None
    return scheming_site_schema(schema)
