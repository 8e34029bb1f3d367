"""CKAN dataset names: the validity rule and the choice of a free name on create."""

from __future__ import annotations

import re
from collections.abc import Callable

MIN_LENGTH = 2
MAX_LENGTH = 100
DEFAULT_MAX_TRIES = 20

_ALLOWED = re.compile(r"[a-z0-9_-]+")
_SOURCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def name_problem(name: object) -> str | None:
    """Why `name` is not a valid CKAN name, or None when it is."""
    if not isinstance(name, str):
        return "the name must be a string"
    if len(name) < MIN_LENGTH:
        return f"the name must have at least {MIN_LENGTH} characters"
    if len(name) > MAX_LENGTH:
        return f"the name must have at most {MAX_LENGTH} characters"
    if not _ALLOWED.fullmatch(name):
        return "the name may hold only lowercase letters, digits, '-' and '_'"
    return None


def is_valid_name(name: object) -> bool:
    return name_problem(name) is None


def wanted_name_problem(name: object) -> str | None:
    """Like `name_problem`, but a name that is only too long is fine: it gets cut."""
    if isinstance(name, str) and len(name) > MAX_LENGTH:
        return name_problem(name[:MAX_LENGTH])
    return name_problem(name)


def cut_name(name: str) -> str:
    return name[:MAX_LENGTH]


def name_candidates(wanted: str, max_tries: int = DEFAULT_MAX_TRIES) -> list[str]:
    """The names tried, in order: `wanted` cut to the limit, then `wanted-1`, `wanted-2`, ...

    The base is cut so that every suffixed name stays within the 100-character limit.
    """
    candidates = [cut_name(wanted)]
    for number in range(1, max_tries):
        suffix = f"-{number}"
        candidates.append(wanted[: MAX_LENGTH - len(suffix)] + suffix)
    return candidates


def name_for_create(
    wanted: str, name_taken: Callable[[str], bool], max_tries: int = DEFAULT_MAX_TRIES
) -> str | None:
    """The first candidate name not taken, or None when all `max_tries` candidates are taken."""
    for candidate in name_candidates(wanted, max_tries):
        if not name_taken(candidate):
            return candidate
    return None


def name_for_rename(
    wanted: str,
    current: str,
    name_taken: Callable[[str], bool],
    max_tries: int = DEFAULT_MAX_TRIES,
) -> str | None:
    """The name an update takes to follow the source's `wanted`: it when free; else `current`
    when that is already one of its suffixed forms (a name another source dataset wants, or a
    lower suffix freed since, never moves it between suffixes); else the first free candidate.
    """
    candidates = name_candidates(wanted, max_tries)
    if not name_taken(candidates[0]):
        return candidates[0]
    if current in candidates:
        return current
    return name_for_create(wanted, name_taken, max_tries)


def source_name_problem(source_name: object) -> str | None:
    """Why `source_name` cannot name a source, or None when it can.

    It goes into the `_harvest_source` extra as "<source_name>:<source id>", so it holds no ':'.
    """
    if isinstance(source_name, str) and _SOURCE_NAME.fullmatch(source_name):
        return None
    return (
        "source_name must be 1 to 100 letters, digits, '.', '-' or '_' (no ':'), "
        f"starting with a letter or digit, not {source_name!r}"
    )
