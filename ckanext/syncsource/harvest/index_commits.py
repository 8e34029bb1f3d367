"""The search index commits of the harvester's own dataset writes.

CKAN asks Solr for a hard commit after each dataset it indexes (`ckan.search.solr_commit`),
which is much of the cost of a write. While the import writes a dataset, the commit is left
out (`ckanext.syncsource.defer_index_commits`). The process that writes asks for a soft commit
at most every `COMMIT_EVERY` seconds, which makes the writes searchable without flushing the
index to disk (about a tenth of a hard commit's cost, measured on Solr 9.10); the job's end asks
for a hard commit. Solr's own autoSoftCommit, when it has one, shows the writes sooner. Only
the import's writes are affected: the option is switched back as soon as the write returns, and
web requests never run an import.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import ckan.plugins.toolkit as tk
from ckan.lib import search
from ckan.lib.search.common import make_connection

COMMIT_EVERY = 5.0
"""Seconds between the index commits of a process that writes datasets."""

_SOLR_COMMIT = "ckan.search.solr_commit"
_last_commit = time.monotonic()


def deferring() -> bool:
    return tk.config.get("ckanext.syncsource.defer_index_commits")


@contextmanager
def without_index_commit() -> Iterator[None]:
    """Write datasets inside: CKAN indexes them without asking Solr to commit."""
    if not deferring():
        yield
        return
    before = tk.config.get(_SOLR_COMMIT)
    tk.config[_SOLR_COMMIT] = False
    try:
        yield
    finally:
        tk.config[_SOLR_COMMIT] = before
    _commit_if_due()


def _commit_if_due() -> None:
    global _last_commit
    if time.monotonic() - _last_commit >= COMMIT_EVERY:
        try:
            make_connection().commit(softCommit=True, waitSearcher=False)
        except Exception as e:
            raise search.SearchIndexError(e) from e
        _last_commit = time.monotonic()


def commit_index() -> None:
    """Commit the search index to disk now (a no-op for Solr when nothing changed)."""
    global _last_commit
    search.commit()
    _last_commit = time.monotonic()
