"""The site's dataset schema, read once per job or plan: ckanext-scheming's when it is loaded,
else None (CKAN's default schema, where every source extra stays an extra)."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

from ..core.schema_fields import COMPOSITE, LIST, TEXT, SiteSchema

_LIST_PRESETS = ("multiple_text", "multiple_checkbox", "multiple_select")


def dataset_schema(dataset_type: str = "dataset") -> SiteSchema | None:
    try:
        show = tk.get_action("scheming_dataset_schema_show")
    except KeyError:
        return None
    try:
        schema = show({"ignore_auth": True}, {"type": dataset_type})
    except tk.ObjectNotFound:
        return None
    return SiteSchema({field["field_name"]: _kind(field) for field in schema["dataset_fields"]})


def _kind(field: dict) -> str:
    if "repeating_subfields" in field:
        return COMPOSITE
    validators = str(field.get("validators", ""))
    if field.get("preset") in _LIST_PRESETS or "scheming_multiple" in validators:
        return LIST
    return TEXT
