"""Stable fingerprints of canonical content."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .options import SyncOptions

_ENCODER = json.JSONEncoder(
    sort_keys=True, ensure_ascii=True, separators=(",", ":"), allow_nan=False
)


def fingerprint(canonical: Any) -> str:
    """Hex digest of the canonical JSON of `canonical`: the same across processes and versions."""
    data = _ENCODER.encode(canonical).encode("ascii")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def sync_fingerprint(canonical: Any, options: SyncOptions) -> str:
    """The fingerprint to plan with and to record once a dataset is synced.

    It covers the dataset merge options as well as the content, so that changing an option
    makes every dataset an update candidate instead of leaving it as it was merged before.
    """
    return fingerprint(
        {
            "content": canonical,
            "dataset_preserve_names": options.dataset_preserve_names,
            "dataset_preserve_organization": options.dataset_preserve_organization,
            "dataset_group_merge_strategy": options.dataset_group_merge_strategy,
        }
    )
