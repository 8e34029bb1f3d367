"""JSON Lines: one object per line, `"type"` telling its kind; blank lines are ignored.

Read in two streaming passes: the first checks every line and collects the organizations and
groups, which are few; the second yields the datasets. Records thus come as organizations,
groups, datasets, whatever the line order. An object keeps its `"type"` field, which matches
CKAN's own `type` for organizations, groups and (default-typed) datasets.
"""

import json
from collections.abc import Callable, Iterator
from typing import BinaryIO

from .errors import SourceError
from .records import KINDS, Record, json_type_name, keyed_record, require_object, too_deep

_SMALL_KINDS = frozenset({"organization", "group"})


def _parse_lines(stream: BinaryIO, max_line_bytes: int, kinds: frozenset) -> Iterator[Record]:
    """The records of `kinds` in the input; every line is checked to be an object of a known
    kind, and the records yielded are checked whole."""
    number = 0
    while line := stream.readline(max_line_bytes + 1):
        number += 1
        if len(line) > max_line_bytes:
            raise SourceError(f"line {number} is longer than {max_line_bytes} bytes")
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as e:
            raise SourceError(f"invalid UTF-8 on line {number} at byte {e.start + 1}") from e
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as e:
            if not line.endswith(b"\n"):
                raise SourceError(f"truncated JSON on line {number} (the input ends there)") from e
            raise SourceError(f"invalid JSON on line {number}, column {e.colno} ({e.msg})") from e
        except RecursionError as e:
            raise too_deep(f"line {number}") from e
        obj = require_object(value, f"line {number}")
        kind = obj.get("type")
        if kind not in KINDS:
            shown = repr(kind)[:40] if isinstance(kind, str) else json_type_name(kind)
            raise SourceError(
                f'line {number}: "type" must be one of {", ".join(KINDS)} (got {shown})'
            )
        if kind in kinds:
            yield keyed_record(kind, obj, f"line {number}")


def read_json_lines(open_stream: Callable[[], BinaryIO], max_line_bytes: int) -> Iterator[Record]:
    """Records of the input; `open_stream` returns the content from its start on each call."""
    small: dict[str, list[Record]] = {"organization": [], "group": []}
    for record in _parse_lines(open_stream(), max_line_bytes, _SMALL_KINDS):
        small[record.kind].append(record)
    yield from small["organization"]
    yield from small["group"]
    # The datasets are checked whole in this pass only (the first one skips them).
    yield from _parse_lines(open_stream(), max_line_bytes, frozenset({"dataset"}))
