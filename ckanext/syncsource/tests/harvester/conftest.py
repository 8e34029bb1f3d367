"""Fixtures of the harvester tests: a catalogue file to edit between jobs and its source."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from ckanext.harvest import queue

from ..harvest_runner import create_source, save_source_config
from .catalogue import org

# Show the compared values when an assertion in the helper module fails.
pytest.register_assert_rewrite("ckanext.syncsource.tests.harvester.site_view")

SOURCE_NAME = "cat"


@dataclass
class Catalogue:
    """The source catalogue, edited in place between jobs and written by `write()`."""

    write_document: Any
    organizations: dict = field(default_factory=lambda: {"org-a": org("Organization A")})
    groups: dict = field(default_factory=dict)
    datasets: dict = field(default_factory=dict)

    def write(self) -> str:
        return self.write_document(
            datasets=self.datasets, organizations=self.organizations, groups=self.groups
        )


@pytest.fixture
def catalogue(stack, write_catalogue) -> Catalogue:
    return Catalogue(write_catalogue)


@pytest.fixture
def make_source(catalogue):
    """Write the catalogue and create a syncsource harvest source for it (source_name "cat")."""

    def make(**config: Any) -> dict:
        return create_source(catalogue.write(), {"source_name": SOURCE_NAME, **config})

    return make


def _purge_queues() -> None:
    # On RabbitMQ a queue exists once a consumer has declared it, and ckanext-harvest's purge
    # fails on a missing one: declare both first (on Redis this only opens a connection).
    queue.get_gather_consumer()
    queue.get_fetch_consumer()
    queue.purge_queues()


@pytest.fixture
def empty_queues(stack):
    """Start with empty gather and fetch queues (a failed test may leave messages behind)."""
    _purge_queues()
    yield
    _purge_queues()


@pytest.fixture
def reconfigure():
    """Save a new config for a source through `harvest_source_update`, as the edit form does."""

    def save(source: dict, **config: Any) -> dict:
        return save_source_config(source, {"source_name": SOURCE_NAME, **config})

    return save
