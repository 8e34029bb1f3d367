"""Local sources (`file://` URLs and absolute paths), allowed only below the site's directories."""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import SourceError
from .settings import LOCAL_SOURCE_DIRS_OPTION, ReaderSettings


def is_local(url: str) -> bool:
    return url.startswith("/") or urlsplit(url).scheme == "file"


def local_path(url: str, settings: ReaderSettings) -> Path:
    """The real path a local source URL names, checked against the allowed directories."""
    if url.startswith("/"):
        path = url
    else:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise SourceError(f"file URL with a remote host {parts.netloc!r} is not supported")
        path = unquote(parts.path)
    if not os.path.isabs(path):
        raise SourceError(f"local source path {path!r} is not absolute")
    return allowed_path(Path(path), settings)


def allowed_path(path: Path, settings: ReaderSettings) -> Path:
    """`path` with symlinks and `..` resolved, if that lies below an allowed directory."""
    if not settings.local_source_dirs:
        raise SourceError(f"local sources disabled (the site sets no {LOCAL_SOURCE_DIRS_OPTION})")
    real = path.resolve()
    if not any(real.is_relative_to(Path(d).resolve()) for d in settings.local_source_dirs):
        raise SourceError(f"path {str(path)!r} is outside the allowed directories")
    if not real.exists():
        raise SourceError(f"no such file or directory: {str(path)!r}")
    return real
