import gzip
import io
import json

import pytest

from ckanext.syncsource.sources import Record, SourceError
from ckanext.syncsource.sources.compression import open_decompressed
from ckanext.syncsource.sources.json_document import read_json_document


def read(data: bytes, max_bytes: int = 10_000_000) -> list[Record]:
    raw = io.BytesIO(data)
    return list(read_json_document(lambda: open_decompressed(raw, max_bytes), max_bytes))


def doc(**sections) -> bytes:
    return json.dumps(sections).encode()


def test_records_come_as_organizations_groups_datasets_whatever_the_order():
    data = doc(
        dataset={"d1": {"id": "d1", "extras": {"x": 1.5}}, "d2": {"id": "d2"}},
        group={"g1": {"name": "g1", "extras": [{"key": "k", "value": "v"}]}},
        organization={"o1": {"name": "o1"}},
    )
    assert read(data) == [
        Record("organization", "o1", {"name": "o1"}),
        Record("group", "g1", {"name": "g1", "extras": [{"key": "k", "value": "v"}]}),
        Record("dataset", "d1", {"id": "d1", "extras": {"x": 1.5}}),
        Record("dataset", "d2", {"id": "d2"}),
    ]
    assert type(read(data)[2].obj["extras"]["x"]) is float


def test_missing_sections_are_empty():
    assert read(b"{}") == []
    assert read(doc(dataset={"d": {}})) == [Record("dataset", "d", {})]


def test_gzip_is_detected_by_content():
    data = doc(organization={"o": {"name": "o"}}, dataset={"d": {"id": "d"}})
    assert read(gzip.compress(data)) == read(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"datasets": {}}', "unknown top-level key 'datasets'"),
        (b"[]", "the top level is not a JSON object (got array)"),
        (b'"x"', "the top level is not a JSON object (got string)"),
        (b'{"dataset": []}', "'dataset' is not a JSON object (got array)"),
        (b'{"group": null}', "'group' is not a JSON object (got null)"),
        (b'{"dataset": {"d1": [1]}}', "dataset 'd1' is not a JSON object (got array)"),
        (b'{"organization": {"o": "x"}}', "organization 'o' is not a JSON object (got string)"),
        (b'{"dataset": {}, "dataset": {}}', "top-level key 'dataset' appears twice"),
        (b'{"dataset": {"d1": {"id": "d1"', "truncated JSON at byte 30"),
        (b"", "truncated JSON at byte 0"),
        (b'{"dataset": {}} junk', "invalid JSON before byte 20 (parse error: trailing garbage)"),
        (b'{"dataset": {"d": {"t": "\xff"}}}', "invalid UTF-8 at byte 25"),
        (b"<html><body>Login</body></html>", "invalid JSON before byte 31"),
    ],
)
def test_errors_name_what_and_where(data, message):
    with pytest.raises(SourceError) as caught:
        read(data)
    assert str(caught.value) == message or str(caught.value).startswith(message)


def test_truncated_gzip():
    data = gzip.compress(doc(dataset={str(n): {"id": str(n)} for n in range(1000)}))
    with pytest.raises(SourceError, match="truncated gzip data"):
        read(data[: len(data) // 2])


def test_corrupt_gzip():
    with pytest.raises(SourceError, match="corrupt gzip data"):
        read(b"\x1f\x8bnot really gzip at all")


def test_gzip_bomb_is_stopped_by_the_size_limit():
    bomb = gzip.compress(b'{"dataset": {' + b" " * 50_000_000 + b"}}")
    assert len(bomb) < 100_000
    with pytest.raises(SourceError, match="larger than 1000000 bytes once decompressed"):
        read(bomb, max_bytes=1_000_000)


@pytest.mark.parametrize("section", ["organization", "dataset"])
def test_an_unpaired_surrogate_escape_is_a_source_error(section):
    data = b'{"%s": {"k1": {"title": "a\\udc00b"}}}' % section.encode()
    with pytest.raises(SourceError, match=r"unpaired \\u surrogate escape"):
        read(data)


def test_a_key_with_a_nul_character_is_a_source_error():
    data = b'{"dataset": {"d\\u0000": {"name": "d"}}}'
    with pytest.raises(SourceError, match=r"dataset key 'd.x00' contains a NUL character"):
        read(data)
