"""Fixtures for the tests that run on the real stack (PostgreSQL, Solr, Redis, CKAN).

Tests of the pure engine and readers use none of them and need no database.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

# test.ini lets sources be read from below this directory.
SOURCES_ROOT = Path("/tmp/syncsource-test/sources")


@pytest.fixture
def clean_db(with_plugins, reset_db, migrate_db_for):
    reset_db()
    migrate_db_for("harvest")


@pytest.fixture
def stack(with_plugins, clean_db, clean_index):
    """A clean CKAN database and Solr index, with the harvest and syncsource plugins loaded."""


@pytest.fixture
def catalogue_dir() -> Path:
    """A fresh directory below the allowed local source directory."""
    path = SOURCES_ROOT / uuid.uuid4().hex
    path.mkdir(parents=True)
    return path


@pytest.fixture
def write_catalogue(catalogue_dir):
    """Write a JSON sync document and return its path (rewrite it for the next "day")."""
    path = catalogue_dir / "catalogue.json"

    def write(datasets=None, organizations=None, groups=None) -> str:
        document = {
            "organization": organizations or {},
            "group": groups or {},
            "dataset": datasets or {},
        }
        path.write_text(json.dumps(document))
        return str(path)

    return write
