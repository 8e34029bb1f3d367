"""Which fields of a dataset an update would change, for people to read (the Plan page)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .normalize import normalize_ckan_dataset

VALUE_CHARS = 200
"""Longer values are cut to this many characters (with an ellipsis) when shown."""


def field_changes(merged: Mapping[str, Any], current: Mapping[str, Any]) -> list[dict[str, str]]:
    """The top-level fields in which the dataset to write (`merged`) differs from `current`,
    judged the way `merge.differs` judges them, each as {"field", "old", "new"} text; a field
    absent on one side reads as an empty text."""
    old = normalize_ckan_dataset(current)
    new = normalize_ckan_dataset(merged)
    return [
        {"field": key, "old": shown_value(old.get(key)), "new": shown_value(new.get(key))}
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    ]


def shown_value(value: Any) -> str:
    """A value as short text: strings as they are, the rest as JSON; cut to VALUE_CHARS."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"
