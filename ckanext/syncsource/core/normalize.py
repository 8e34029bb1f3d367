"""Canonical content of datasets, organizations and groups.

Both input forms are accepted: the legacy REST form (`extras` as a dict, `tags` as strings,
`groups` as names) and the `package_show` form (`extras` as key/value dicts, `tags` and
`groups` as dicts, an expanded `organization`). The canonical form is the `package_show`
form with everything that is not content removed: server-managed fields, ckanext-harvest's
index extras, the ownership marker, and fields that are None, "" or CKAN's default (CKAN
returns those for fields never set, so they must compare equal to an absent field). Tags,
extras and groups are sorted; resources keep their order.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from .errors import InvalidObject

OWNERSHIP_EXTRA = "_harvest_source"
"""The extra that marks a dataset as synced by a source: `"<source_name>:<source id>"`."""


def ownership_marker(source_name: str, source_id: str) -> str:
    """The `OWNERSHIP_EXTRA` value of a dataset synced by a source (the legacy client's format)."""
    return f"{source_name}:{source_id}"


INDEX_EXTRAS = frozenset({"harvest_object_id", "harvest_source_id", "harvest_source_title"})
"""Extras ckanext-harvest adds when indexing; `package_show` may return them. Never content."""

SOURCE_RESOURCE_ID = "source_resource_id"
"""Resource field holding the source's own id of a resource, so updates can match it."""

DATASET_SERVER_FIELDS = frozenset(
    {
        "id",
        "metadata_created",
        "metadata_modified",
        "revision_id",
        "tracking_summary",
        "num_resources",
        "num_tags",
        "organization",
        "state",
        "creator_user_id",
        "relationships_as_object",
        "relationships_as_subject",
        "isopen",
        "license_title",
        "license_url",
        "plugin_data",
    }
)
RESOURCE_SERVER_FIELDS = frozenset(
    {
        "id",
        "position",
        "created",
        "last_modified",
        "metadata_modified",
        "package_id",
        "revision_id",
        "cache_url",
        "cache_last_updated",
        "datastore_active",
        "tracking_summary",
        "state",
    }
)
GROUP_SERVER_FIELDS = frozenset(
    {
        "id",
        "created",
        "package_count",
        "member_count",
        "num_followers",
        "image_display_url",
        "display_name",
        "users",
        "packages",
        "groups",
        "tags",
        "state",
        "revision_id",
        "is_organization",
        "type",
        "approval_status",
    }
)
DATASET_DEFAULTS = {"private": False, "type": "dataset"}
"""Values CKAN fills in when a field is not given; they compare equal to an absent field."""

_DATASET_STRUCTURED = frozenset({"name", "extras", "tags", "groups", "resources", "owner_org"})
_SCALARS = (str, int, bool, type(None))
_ABSENT = object()

MAX_DEPTH = 100
"""How deeply a field's value may nest: deeper values are refused, not recursed into (the
readers refuse such records too; this also covers datasets handed to the client)."""


def normalize_dataset(obj: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical content of a source dataset, the input of fingerprints and merges.

    References stay source keys: `owner_org` is an organization key (the name inside an
    expanded `organization` wins over a remote `owner_org` id) and groups are `{"name": key}`.
    A resource's `id` is the source's id, kept as `source_resource_id`. Only datasets of type
    `dataset` are synced: a source must not make other types (e.g. `harvest`: harvest sources).
    """
    kind = obj.get("type") if isinstance(obj, Mapping) else None
    if kind not in (None, "", "dataset"):
        raise InvalidObject("type", f"must be 'dataset' (a source may not make {kind!r} datasets)")
    return _dataset(obj, ckan_side=False)


def normalize_ckan_dataset(obj: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical content of a dataset as CKAN holds it (or as it will be written).

    References are CKAN ids: `owner_org` as given, groups as `{"id": id}`; resource ids are
    dropped (they are CKAN's), and the ownership extra is kept, since it is written.
    """
    return _dataset(obj, ckan_side=True)


def normalize_group(obj: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical content of an organization or group.

    Empty values count as absent: CKAN shows `extras: []` for an object that has none (and
    extras that are only ckanext-harvest's index keys are none).
    """
    if not isinstance(obj, Mapping):
        raise InvalidObject("object", "must be a JSON object")
    out: dict[str, Any] = {}
    for key, value in obj.items():
        _check_field_name(key)
        if key == "extras":
            value = _extras(value, keep_marker=True)
        if key in GROUP_SERVER_FIELDS or value in (None, "", [], {}):
            continue
        out[key] = value if key == "extras" else _plain(value, key)
    if "name" in out and not isinstance(out["name"], str):
        raise InvalidObject("name", "must be a string")
    _check_storable(out)
    return out


def _dataset(obj: Mapping[str, Any], ckan_side: bool) -> dict[str, Any]:
    if not isinstance(obj, Mapping):
        raise InvalidObject("dataset", "must be a JSON object")
    name = obj.get("name")
    if not isinstance(name, str):
        raise InvalidObject("name", "must be a string")
    out: dict[str, Any] = {"name": name}
    for key, value in obj.items():
        _check_field_name(key)
        if key in DATASET_SERVER_FIELDS or key in _DATASET_STRUCTURED:
            continue
        if value is None or value == "" or DATASET_DEFAULTS.get(key, _ABSENT) == value:
            continue
        out[key] = _plain(value, key)
    owner = _owner(obj, ckan_side)
    if owner is not None:
        out["owner_org"] = owner
    out["extras"] = _extras(obj.get("extras"), keep_marker=ckan_side)
    out["tags"] = _tags(obj.get("tags"))
    out["groups"] = _groups(obj.get("groups"), ckan_side)
    out["resources"] = _resources(obj.get("resources"), ckan_side)
    _check_storable(out)
    return out


def _check_storable(content: Mapping[str, Any]) -> None:
    """Refuse text PostgreSQL cannot store: NUL characters, and lone UTF-16 surrogates (which
    JSON escapes can produce) that have no UTF-8 form."""
    if _surely_storable(content):
        return
    for field, value in content.items():
        for text in (field, *_texts(value)):
            if "\x00" in text:
                raise InvalidObject(field, "contains a NUL character (\\u0000)")
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as e:
                raise InvalidObject(field, "contains an unpaired UTF-16 surrogate") from e


def _surely_storable(content: Mapping[str, Any]) -> bool:
    """One pass at C speed over the whole content: JSON text writes a NUL as `\\u0000` and
    keeps a lone surrogate, which UTF-8 then refuses. False also for content holding that
    escape as text; the field-by-field search then decides, and names the field."""
    try:
        text = json.dumps(content, ensure_ascii=False)
        text.encode("utf-8")
    except (TypeError, ValueError):  # UnicodeEncodeError is a ValueError
        return False
    return "\\u0000" not in text


def _texts(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield key
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _check_field_name(key: object) -> None:
    if not isinstance(key, str):
        raise InvalidObject(repr(key), "field names must be strings")


def _owner(obj: Mapping[str, Any], ckan_side: bool) -> str | None:
    if not ckan_side:
        organization = obj.get("organization")
        if isinstance(organization, Mapping) and isinstance(organization.get("name"), str):
            return organization["name"]
    owner = obj.get("owner_org")
    if owner is None or owner == "":
        return None
    if not isinstance(owner, str):
        raise InvalidObject("owner_org", "must be a string")
    return owner


def _extras(value: Any, keep_marker: bool) -> list[dict[str, str]]:
    if value is None:
        return []
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, list):
        pairs = []
        for item in value:
            if not isinstance(item, Mapping) or "key" not in item:
                raise InvalidObject("extras", "each extra must be an object with 'key' and 'value'")
            pairs.append((item["key"], item.get("value")))
    else:
        raise InvalidObject("extras", "must be an object or a list of key/value objects")
    extras: dict[str, str] = {}
    for key, item_value in pairs:
        if not isinstance(key, str) or not key:
            raise InvalidObject("extras", f"extra key {key!r} must be a non-empty string")
        if not isinstance(item_value, str):
            raise InvalidObject("extras", f"value of extra {key!r} must be a string")
        if key in extras:
            raise InvalidObject("extras", f"extra {key!r} is given twice")
        if key in INDEX_EXTRAS or (key == OWNERSHIP_EXTRA and not keep_marker):
            continue
        extras[key] = item_value
    return [{"key": key, "value": extras[key]} for key in sorted(extras)]


def _tags(value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidObject("tags", "must be a list")
    names = set()
    for tag in value:
        name = tag.get("name") if isinstance(tag, Mapping) else tag
        if not isinstance(name, str) or not name:
            raise InvalidObject("tags", "each tag must be a non-empty string or have a 'name'")
        names.add(name)
    return [{"name": name} for name in sorted(names)]


def _groups(value: Any, ckan_side: bool) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidObject("groups", "must be a list")
    field = "id" if ckan_side else "name"
    order = ("id", "name") if ckan_side else ("name", "id")
    refs = set()
    for group in value:
        if isinstance(group, Mapping):
            ref = next((group[k] for k in order if isinstance(group.get(k), str)), None)
        else:
            ref = group
        if not isinstance(ref, str) or not ref:
            raise InvalidObject("groups", "each group must be a name or have a 'name' or 'id'")
        refs.add(ref)
    return [{field: ref} for ref in sorted(refs)]


def _resources(value: Any, ckan_side: bool) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidObject("resources", "must be a list")
    resources = []
    for position, resource in enumerate(value):
        if not isinstance(resource, Mapping):
            raise InvalidObject(f"resources[{position}]", "must be a JSON object")
        out: dict[str, Any] = {}
        for key, item in resource.items():
            _check_field_name(key)
            if key in RESOURCE_SERVER_FIELDS or item is None or item == "":
                continue
            out[key] = _plain(item, f"resources[{position}].{key}")
        if not ckan_side and SOURCE_RESOURCE_ID not in out:
            source_id = resource.get("id")
            if source_id is not None and source_id != "":
                if not isinstance(source_id, str):
                    raise InvalidObject(f"resources[{position}].id", "must be a string")
                out[SOURCE_RESOURCE_ID] = source_id
        resources.append(out)
    return resources


def _plain(value: Any, field: str, depth: int = 1) -> Any:
    """A copy of a JSON value; anything JSON cannot carry faithfully is refused."""
    if depth > MAX_DEPTH:
        raise InvalidObject(field, f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidObject(field, "numbers must be finite")
        return value
    if isinstance(value, Mapping):
        copy = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidObject(field, "object keys must be strings")
            copy[key] = _plain(item, field, depth + 1)
        return copy
    if isinstance(value, list | tuple):
        return [_plain(item, field, depth + 1) for item in value]
    raise InvalidObject(field, f"unsupported value of type {type(value).__name__}")
