"""Stable fingerprints of canonical content."""

from __future__ import annotations

import hashlib
import json
from typing import Any

_ENCODER = json.JSONEncoder(
    sort_keys=True, ensure_ascii=True, separators=(",", ":"), allow_nan=False
)


def fingerprint(canonical: Any) -> str:
    """Hex digest of the canonical JSON of `canonical`: the same across processes and versions."""
    data = _ENCODER.encode(canonical).encode("ascii")
    return hashlib.blake2b(data, digest_size=16).hexdigest()
