"""A spool of canonical source datasets on disk, so gather holds ids, not content, in memory."""

from __future__ import annotations

import json
import tempfile
from array import array
from typing import Any


class DatasetSpool:
    """Append-only store of one JSON document per source id, read back by id.

    Memory per dataset is one dict entry and one small int: the documents lie end to end in
    the file, and `_ends[i]` is where the i-th one ends (a 1,000,000-dataset source held a
    tuple of two ints per dataset before: 100 MB more at the peak of its plan).
    """

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self._index: dict[str, int] = {}
        self._ends = array("q", [0])

    def add(self, source_id: str, content: Any) -> None:
        data = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
        self._file.seek(self._ends[-1])
        self._file.write(data)
        self._index[source_id] = len(self._ends) - 1
        self._ends.append(self._ends[-1] + len(data))

    def get_text(self, source_id: str) -> str:
        i = self._index[source_id]
        self._file.seek(self._ends[i])
        return self._file.read(self._ends[i + 1] - self._ends[i]).decode()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> DatasetSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
