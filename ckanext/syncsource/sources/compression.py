"""Transparent gzip, detected by magic bytes, with a cap on the decompressed size."""

import gzip
import io
import zlib
from typing import BinaryIO

from .errors import SourceError

GZIP_MAGIC = b"\x1f\x8b"


class _CappedGunzip(io.RawIOBase):
    def __init__(self, compressed: BinaryIO, max_bytes: int) -> None:
        self._gzip = gzip.GzipFile(fileobj=compressed, mode="rb")
        self._max_bytes = max_bytes
        self._total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            count = self._gzip.readinto(buffer)
        except EOFError as e:
            raise SourceError(f"truncated gzip data after {self._total} bytes") from e
        except (gzip.BadGzipFile, zlib.error) as e:
            raise SourceError(f"corrupt gzip data after {self._total} bytes ({e})") from e
        self._total += count
        if self._total > self._max_bytes:
            raise SourceError(f"larger than {self._max_bytes} bytes once decompressed")
        return count


def open_decompressed(raw: BinaryIO, max_bytes: int) -> BinaryIO:
    """Rewind `raw` and return a binary reader of its content, gunzipped if it is gzip."""
    raw.seek(0)
    magic = raw.read(len(GZIP_MAGIC))
    raw.seek(0)
    if magic != GZIP_MAGIC:
        return raw
    return io.BufferedReader(_CappedGunzip(raw, max_bytes))
