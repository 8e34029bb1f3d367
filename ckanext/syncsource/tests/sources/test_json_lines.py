import gzip
import io
import json

import pytest

from ckanext.syncsource.sources import Record, SourceError
from ckanext.syncsource.sources.compression import open_decompressed
from ckanext.syncsource.sources.json_lines import read_json_lines


def read(data: bytes, max_bytes: int = 10_000_000) -> list[Record]:
    raw = io.BytesIO(data)
    return list(read_json_lines(lambda: open_decompressed(raw, max_bytes), max_bytes))


def lines(*objects) -> bytes:
    return b"".join(json.dumps(obj).encode() + b"\n" for obj in objects)


def test_organizations_and_groups_come_before_datasets():
    data = lines(
        {"type": "dataset", "id": "d1"},
        {"type": "group", "name": "g1"},
        {"type": "dataset", "id": "d2", "x": 0.5},
        {"type": "organization", "name": "o1"},
    )
    assert read(data) == [
        Record("organization", "o1", {"type": "organization", "name": "o1"}),
        Record("group", "g1", {"type": "group", "name": "g1"}),
        Record("dataset", "d1", {"type": "dataset", "id": "d1"}),
        Record("dataset", "d2", {"type": "dataset", "id": "d2", "x": 0.5}),
    ]


def test_blank_lines_and_missing_final_newline_are_fine():
    data = b'\n  \n{"type": "dataset", "id": "d1"}\n\n{"type": "dataset", "id": "d2"}'
    assert [r.key for r in read(data)] == ["d1", "d2"]


def test_gzip_is_detected_by_content():
    data = lines({"type": "organization", "name": "o"}, {"type": "dataset", "id": "d"})
    assert read(gzip.compress(data)) == read(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"type": "dataset", "id": "a"}\n{"id": "b"}\n', 'line 2: "type" must be one of'),
        (
            b'{"type": "package", "id": "b"}\n',
            "line 1: \"type\" must be one of organization, group, dataset (got 'package')",
        ),
        (b'\n{"type": "dataset"}\n', "line 2: dataset without a 'id'"),
        (b'{"type": "group", "name": ""}\n', "line 1: group without a 'name'"),
        (b'{"type": "organization", "name": 5}\n', "line 1: organization without a 'name'"),
        (b"[1, 2]\n", "line 1 is not a JSON object (got array)"),
        (b'{"type": "dataset", "id": "a"}\n{"type": "data', "truncated JSON on line 2"),
        (b'{"type": "dataset", "id": "a"} x\n{}\n', "invalid JSON on line 1, column 32"),
        (b'{"type": "dataset", "id": "\xc3"}\n', "invalid UTF-8 on line 1 at byte 28"),
    ],
)
def test_errors_name_the_line(data, message):
    with pytest.raises(SourceError) as caught:
        read(data)
    assert str(caught.value).startswith(message)


def test_errors_come_before_any_record():
    data = lines({"type": "dataset", "id": "d1"}) + b"not json\n"
    records = read_json_lines(lambda: io.BytesIO(data), 1000)
    with pytest.raises(SourceError, match="line 2"):
        next(records)


def test_line_length_limit():
    data = lines({"type": "dataset", "id": "d", "notes": "x" * 200})
    with pytest.raises(SourceError, match="line 1 is longer than 100 bytes"):
        read(data, max_bytes=100)


def test_gzip_bomb_is_stopped_by_the_size_limit():
    bomb = gzip.compress(b"\n" * 50_000_000)
    with pytest.raises(SourceError, match="larger than 1000000 bytes once decompressed"):
        read(bomb, max_bytes=1_000_000)


def test_an_id_with_an_unpaired_surrogate_is_a_source_error():
    data = b'{"type": "dataset", "id": "d\\ud800x", "name": "d"}\n'
    with pytest.raises(SourceError, match=r"dataset key .* contains an unpaired UTF-16 surrogate"):
        read(data)
