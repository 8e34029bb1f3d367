"""A directory with `organization/`, `group/` and `dataset/` folders of `*.json` files.

Each file holds one object. The key comes from the object (`name` for organizations and groups,
`id` for datasets); a file's name means nothing beyond its `.json` suffix. Files are read in
name order, and each must resolve (symlinks included) below the site's allowed directories.
"""

import json
import os
from collections.abc import Iterator
from pathlib import Path

from .errors import SourceError
from .local_files import allowed_path
from .records import KINDS, Record, keyed_record, require_object, too_deep
from .settings import ReaderSettings


def read_directory(root: Path, settings: ReaderSettings) -> Iterator[Record]:
    if not root.is_dir():
        raise SourceError(f"{str(root)!r} is not a directory")
    if not any((root / kind).is_dir() for kind in KINDS):
        raise SourceError(f"no {', '.join(k + '/' for k in KINDS)} folder in the directory")
    for kind in KINDS:
        folder = root / kind
        if not folder.is_dir():
            continue
        names = sorted(entry.name for entry in os.scandir(folder) if entry.name.endswith(".json"))
        for name in names:
            yield _read_file(kind, folder / name, settings)


def _read_file(kind, path: Path, settings: ReaderSettings) -> Record:
    where = f"{kind}/{path.name}"
    real = allowed_path(path, settings)
    if not real.is_file():
        raise SourceError(f"{where} is not a regular file")
    if real.stat().st_size > settings.max_record_bytes:
        raise SourceError(f"{where} is larger than {settings.max_record_bytes} bytes")
    try:
        value = json.loads(real.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as e:
        raise SourceError(f"{where}: invalid UTF-8 at byte {e.start}") from e
    except json.JSONDecodeError as e:
        raise SourceError(
            f"{where}: invalid JSON at line {e.lineno}, column {e.colno} ({e.msg})"
        ) from e
    except RecursionError as e:
        raise too_deep(where) from e
    return keyed_record(kind, require_object(value, where), where)
