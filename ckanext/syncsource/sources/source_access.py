"""What a source format's reader is given: the URL, the limits, and the only ways to reach it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from .compression import open_decompressed
from .errors import SourceError
from .http_fetch import HttpFetcher
from .local_files import is_local, local_path
from .settings import ReaderSettings

T = TypeVar("T")


class SourceAccess:
    """Reads go through here, so every format keeps the site's rules: local paths only inside
    `local_source_dirs`, downloads only to allowed addresses and within the byte caps."""

    def __init__(
        self,
        url: str,
        settings: ReaderSettings,
        options: Mapping[str, Any],
        fetcher: HttpFetcher,
        stack: ExitStack,
    ) -> None:
        self.url = url
        self.settings = settings
        self.options = options
        """Options of the source config that belong to its format (e.g. `sqlite_tables`)."""
        self.fetcher = fetcher
        self._stack = stack

    @property
    def is_local(self) -> bool:
        return is_local(self.url)

    def local_path(self) -> Path:
        """The local path of the URL, refused outside `local_source_dirs`."""
        return local_path(self.url, self.settings)

    def open_file(self, expected: str) -> tuple[Path, BinaryIO]:
        """The source as one file: a local regular file, or the whole download (an HTML page
        refused, as not the `expected` kind of document). Open until the source is closed."""
        if self.is_local:
            path = self.local_path()
            if not path.is_file():
                raise SourceError(f"{str(path)!r} is not a regular file")
            return path, self.keep(path.open("rb"))
        download = self.keep(self.fetcher.download(self.url))
        download.reject_html(expected)
        return Path(download.file.name), download.file

    def reopener(self, file: BinaryIO) -> Callable[[], BinaryIO]:
        """A function that opens `file` from its start, decompressed (gzip), within
        `max_bytes`: streaming readers may read a document twice."""
        return lambda: open_decompressed(file, self.settings.max_bytes)

    def keep(self, resource: AbstractContextManager[T]) -> T:
        """Enter `resource`; it is closed when the source is."""
        return self._stack.enter_context(resource)
