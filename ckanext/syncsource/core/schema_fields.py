"""Source extras that the site's dataset schema holds as fields of their own.

A site with a custom schema (ckanext-scheming, DCAT-AP) refuses an extra whose key is a schema
field ("There is a schema field with the same name"), and a required field the source carries
as an extra is missing. Such extras become the top-level field, in the form CKAN gives back, so
an unchanged source compares equal to what CKAN holds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InvalidObject

TEXT, LIST, COMPOSITE = "text", "list", "composite"
"""Field kinds: a string; a list of strings (`multiple_text`, ...); a list of objects
(`repeating_subfields`, stored by scheming as JSON)."""

RESERVED_FIELDS = frozenset(
    {
        "id",
        "name",
        "type",
        "state",
        "owner_org",
        "groups",
        "tags",
        "tag_string",
        "resources",
        "extras",
        "plugin_data",
    }
)
"""Fields an extra never becomes: the sync sets them itself, or CKAN shows them in another form."""


_LIST_PRESETS = ("multiple_text", "multiple_checkbox", "multiple_select")


@dataclass(frozen=True)
class SiteSchema:
    """The top-level dataset fields of the site's schema for the synced dataset type."""

    fields: Mapping[str, str]
    """Field name -> kind (TEXT, LIST or COMPOSITE)."""

    @property
    def controls_extras(self) -> bool:
        """Whether the schema defines `extras` itself (a site that refuses or drops free
        extras): then the ownership extra is not written, only kept outside the schema."""
        return "extras" in self.fields


def scheming_site_schema(answer: Any) -> SiteSchema:
    """The SiteSchema of ckanext-scheming's `scheming_dataset_schema_show` answer (in process or
    over HTTP); ValueError names what is wrong with an answer of another form."""
    fields = answer.get("dataset_fields") if isinstance(answer, Mapping) else None
    if not isinstance(fields, list) or not all(
        isinstance(field, Mapping) and isinstance(field.get("field_name"), str) for field in fields
    ):
        raise ValueError("the dataset schema has no list of dataset_fields with field_name")
    return SiteSchema({field["field_name"]: _kind(field) for field in fields})


def _kind(field: Mapping[str, Any]) -> str:
    if "repeating_subfields" in field:
        return COMPOSITE
    validators = str(field.get("validators", ""))
    if field.get("preset") in _LIST_PRESETS or "scheming_multiple" in validators:
        return LIST
    return TEXT


def extras_to_fields_problem(value: Any) -> str | None:
    """Why `extras_to_fields` (source config) is invalid, or None."""
    if not isinstance(value, Mapping):
        return (
            "extras_to_fields must map extra keys to field names, e.g. "
            f'{{"contact": "contact_email"}}, not {value!r}'
        )
    targets: dict[str, str] = {}
    for key, target in value.items():
        if not isinstance(key, str) or not key or not isinstance(target, str) or not target:
            return f"extras_to_fields: {key!r} -> {target!r} must be two non-empty strings"
        if target in RESERVED_FIELDS:
            return f"extras_to_fields: extra {key!r} may not become the field {target!r}"
        if target in targets:
            return (
                f"extras_to_fields: extras {targets[target]!r} and {key!r} both map to "
                f"the field {target!r}"
            )
        targets[target] = key
    return None


def map_extras_to_fields(
    dataset: Mapping[str, Any], schema: SiteSchema | None, renames: Mapping[str, str]
) -> dict[str, Any]:
    """`dataset` (canonical) with each extra whose key (after `renames`) is a schema field moved
    to that field. Without a site schema (CKAN's default one) only `renames` apply, and each must
    name a field the schema has: otherwise the dataset is refused, naming the extra."""
    fields = schema.fields if schema is not None else {}
    result = dict(dataset)
    kept = []
    for extra in dataset.get("extras", ()):
        key = extra["key"]
        target = renames.get(key, key)
        kind = fields.get(target) if target not in RESERVED_FIELDS else None
        if kind is None:
            if key in renames:
                raise InvalidObject(
                    f"extras.{key}",
                    f"extras_to_fields maps it to {target!r}, a field the site's dataset "
                    "schema does not have",
                )
            kept.append(extra)
            continue
        value = _field_value(key, target, kind, extra["value"])
        if target in dataset and dataset[target] != value:
            raise InvalidObject(
                f"extras.{key}",
                f"becomes the field {target!r}, which the dataset also gives another value",
            )
        result[target] = value
    result["extras"] = kept
    return result


def _field_value(key: str, target: str, kind: str, text: str) -> Any:
    if kind == TEXT:
        return text
    decoded = _json_or_none(text)
    if kind == LIST:
        if isinstance(decoded, list) and all(isinstance(item, str) for item in decoded):
            return decoded
        return [text]
    if isinstance(decoded, dict):
        decoded = [decoded]
    if not isinstance(decoded, list) or not all(isinstance(item, dict) for item in decoded):
        raise InvalidObject(
            f"extras.{key}",
            f"the field {target!r} holds a list of objects: the value must be JSON "
            'like [{"name": "...", "email": "..."}]',
        )
    return decoded


def _json_or_none(text: str) -> Any:
    stripped = text.strip()
    if not stripped.startswith(("[", "{")):
        return None
    try:
        return json.loads(stripped)
    except ValueError:
        return None
