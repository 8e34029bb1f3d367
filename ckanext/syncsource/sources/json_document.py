"""The JSON sync document: {"organization": {KEY: obj}, "group": {KEY: obj}, "dataset": {ID: obj}}.

Read in two streaming passes over the (rewindable) input: the first checks the whole structure
and collects the organizations and groups, which are few; the second streams the datasets. So
every record comes in the order organizations, groups, datasets, whatever the document's order,
and no more than one dataset is held in memory at a time.

The parser is given at most `max_record_bytes` between two things it returns (a token in the
first pass, a dataset in the second): its lexer slows down badly on a huge token. The first pass
refuses nesting deeper than `MAX_DEPTH` inside a record, before the parser's own per-level
bookkeeping grows.
"""

import codecs
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import ijson

from .errors import SourceError
from .records import KINDS, MAX_DEPTH, Record

_OPENING = frozenset({"start_map", "start_array"})
_CLOSING = frozenset({"end_map", "end_array"})
_EVENT_TYPES = {"start_array": "array", "string": "string", "number": "number"}
_EVENT_TYPES |= {"boolean": "boolean", "null": "null", "start_map": "object"}


class _TrackedStream:
    """Counts bytes read, notes the end of input, rejects invalid UTF-8 with its position, and
    refuses to give more than `max_run` bytes after the last `mark()`."""

    def __init__(self, raw: BinaryIO, max_run: int, what: str, mark: int = 0) -> None:
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._max_run = max_run
        self._what = what
        self._mark = mark
        self.position = 0
        self.at_end = False

    def mark(self) -> None:
        self._mark = self.position

    def read(self, size: int = -1) -> bytes:
        if self.position - self._mark > self._max_run:
            raise SourceError(
                f"{self._what} at byte {self._mark} is larger than {self._max_run} bytes"
            )
        chunk = self._raw.read(size)
        self.at_end = not chunk
        try:
            self._decoder.decode(chunk, final=self.at_end)
        except UnicodeDecodeError as e:
            raise SourceError(f"invalid UTF-8 at byte {self.position + e.start}") from e
        self.position += len(chunk)
        return chunk


def _json_error(error: ijson.JSONError, stream: _TrackedStream, complete: bool) -> SourceError:
    if stream.at_end and not complete:
        return SourceError(f"truncated JSON at byte {stream.position}")
    detail = str(error).splitlines()[0] if str(error) else type(error).__name__
    return SourceError(f"invalid JSON before byte {stream.position} ({detail})")


def _unpaired_surrogate(stream: _TrackedStream) -> SourceError:
    # The input is valid UTF-8 (checked as it is read): ijson fails on a \uXXXX escape that
    # names half of a UTF-16 surrogate pair without the other half.
    position = stream.position
    return SourceError(f"invalid JSON before byte {position} (unpaired \\u surrogate escape)")


def _collect_small_sections(stream: _TrackedStream) -> tuple[dict[str, list[Record]], int]:
    """Check the document's structure; return its organizations and groups, and the byte where
    the dataset section starts (at the latest; 0 when there is none)."""
    collected: dict[str, list[Record]] = {"organization": [], "group": []}
    sections: set[str] = set()
    dataset_start = 0
    section: str | None = None
    item_key: str | None = None
    builder: ijson.ObjectBuilder | None = None
    depth = nesting = 0
    started = complete = False
    try:
        # basic_parse, not parse: parse builds a path string per level, quadratic in the depth.
        for event, value in ijson.basic_parse(stream, use_float=True):
            stream.mark()
            level = nesting
            nesting += (event in _OPENING) - (event in _CLOSING)
            if nesting > MAX_DEPTH + 2:  # the top level and a section hold the records
                raise SourceError(
                    f"nested deeper than {MAX_DEPTH} levels in a record (before byte "
                    f"{stream.position})"
                )
            if builder is not None:
                builder.event(event, value)
                depth += (event in _OPENING) - (event in _CLOSING)
                if depth == 0:
                    collected[section].append(Record(section, item_key, builder.value))
                    builder = item_key = None
            elif item_key is not None:
                if event != "start_map":
                    raise SourceError(
                        f"{section} {item_key!r} is not a JSON object (got {_EVENT_TYPES[event]})"
                    )
                if section == "dataset":
                    item_key = None
                else:
                    builder = ijson.ObjectBuilder()
                    builder.event(event, value)
                    depth = 1
            elif section is not None and (
                level == 1 or (level == 2 and event in ("map_key", "end_map"))
            ):  # the section's own object, not what it holds
                if event == "map_key":
                    item_key = value
                elif event == "end_map":
                    section = None
                elif event != "start_map":
                    raise SourceError(
                        f"{section!r} is not a JSON object (got {_EVENT_TYPES[event]})"
                    )
            elif section is not None:
                continue  # inside a dataset: checked and read in the second pass
            elif not started:
                if event != "start_map":
                    raise SourceError(
                        f"the top level is not a JSON object (got {_EVENT_TYPES[event]})"
                    )
                started = True
            elif event == "map_key":
                if value not in KINDS:
                    raise SourceError(
                        f"unknown top-level key {value!r} (expected one of {', '.join(KINDS)})"
                    )
                if value in sections:
                    raise SourceError(f"top-level key {value!r} appears twice")
                sections.add(value)
                section = value
                if value == "dataset":
                    dataset_start = stream.position
            else:
                complete = True
    except ijson.JSONError as e:
        raise _json_error(e, stream, complete) from e
    except UnicodeDecodeError as e:
        raise _unpaired_surrogate(stream) from e
    return collected, dataset_start


def read_json_document(
    open_stream: Callable[[], BinaryIO], max_record_bytes: int
) -> Iterator[Record]:
    """Records of the document; `open_stream` returns the content from its start on each call."""
    first = _TrackedStream(open_stream(), max_record_bytes, "a JSON token")
    collected, dataset_start = _collect_small_sections(first)
    yield from collected["organization"]
    yield from collected["group"]
    if not dataset_start:
        return
    stream = _TrackedStream(open_stream(), max_record_bytes, "the dataset starting", dataset_start)
    items: Iterator[tuple[str, Any]] = ijson.kvitems(stream, "dataset", use_float=True)
    try:
        for key, obj in items:
            stream.mark()
            yield Record("dataset", key, obj)
    except ijson.JSONError as e:
        raise _json_error(e, stream, complete=False) from e
    except UnicodeDecodeError as e:
        raise _unpaired_surrogate(stream) from e
