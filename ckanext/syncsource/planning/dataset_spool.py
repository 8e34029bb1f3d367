"""A spool of canonical source datasets on disk, so gather holds ids, not content, in memory."""

from __future__ import annotations

import json
import tempfile
from typing import Any


class DatasetSpool:
    """Append-only store of one JSON document per source id, read back by id."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self._where: dict[str, tuple[int, int]] = {}

    def add(self, source_id: str, content: Any) -> None:
        data = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
        self._file.seek(0, 2)
        self._where[source_id] = (self._file.tell(), len(data))
        self._file.write(data)

    def get_text(self, source_id: str) -> str:
        offset, length = self._where[source_id]
        self._file.seek(offset)
        return self._file.read(length).decode()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> DatasetSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
