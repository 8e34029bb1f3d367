"""Generated malformed and hostile sync documents (hypothesis strategies), pure Python."""

from __future__ import annotations

import json

from hypothesis import strategies as st

FOREIGN_NAMES = ("hand-made", "ds-k1", "other-source-ds")
"""Names held by datasets that are not the source's."""

_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "ds-k1", "hand-made", "UPPER", "a" * 120, "x:y", "../..", "\u202e"]),
)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
_field_values = {
    "name": _text | _json,
    "title": _text | _json,
    "notes": _text | _json,
    "owner_org": st.sampled_from(["org-a", "missing", None]) | _json,
    "groups": st.lists(_text | _json, max_size=3) | _json,
    "tags": st.lists(_text | st.dictionaries(_text, _text), max_size=3) | _json,
    "extras": st.dictionaries(_text, _text | _json, max_size=3) | _json,
    "resources": st.lists(st.dictionaries(_text, _text | _json, max_size=4), max_size=3) | _json,
    "id": _text | _json,
    "state": st.sampled_from(["deleted", "draft", "active"]) | _json,
    "private": _json,
}
_dataset = st.fixed_dictionaries({}, optional=_field_values) | _json
_document = st.fixed_dictionaries(
    {},
    optional={
        "organization": st.dictionaries(_text, st.fixed_dictionaries({"title": _text}) | _json),
        "group": st.dictionaries(_text, _json),
        "dataset": st.dictionaries(_text, _dataset, max_size=6) | _json,
    },
)
structured_documents = _document.map(lambda doc: json.dumps(doc).encode())


_line = st.builds(
    lambda fields, kind: json.dumps({**fields, "type": kind} if kind else fields),
    st.fixed_dictionaries({}, optional=_field_values),
    st.sampled_from(["dataset", "dataset", "organization", "group", "", "user"]),
) | _json.map(json.dumps)
structured_lines = st.lists(_line, max_size=6).map(lambda lines: "\n".join(lines).encode())


def _damaged(documents):
    @st.composite
    def damaged(draw) -> bytes:
        """A valid-looking document, cut, spliced or with bytes changed."""
        return _damage(draw, bytearray(draw(documents)))

    return damaged()


def _damage(draw, data: bytearray) -> bytes:
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["cut", "flip", "insert"]))
        if action == "cut":
            del data[position:]
        elif action == "flip" and position < len(data):
            data[position] = draw(st.integers(0, 255))
        else:
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


hostile_documents = st.one_of(structured_documents, _damaged(structured_documents))
hostile_lines = st.one_of(structured_lines, _damaged(structured_lines))
