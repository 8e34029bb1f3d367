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


def sync_fingerprint(
    canonical: Any, options: SyncOptions, adjustments: tuple[str, ...] = ()
) -> str:
    """The fingerprint to plan with and to record once a dataset is synced.

    It covers the dataset merge options and what the site adjusts after the merge
    (`adjustments`) as well as the content, so that changing either makes every dataset an
    update candidate instead of leaving it as it was merged before.
    """
    covered = {
        "content": canonical,
        "dataset_preserve_names": options.dataset_preserve_names,
        "dataset_preserve_organization": options.dataset_preserve_organization,
        "dataset_group_merge_strategy": options.dataset_group_merge_strategy,
    }
    if adjustments:  # absent otherwise: fingerprints recorded before plugins existed still hold
        covered["adjustments"] = list(adjustments)
    return fingerprint(covered)
