"""PostgreSQL advisory locks, held on a connection of their own.

CKAN's actions commit the shared session as they go, which would end a transaction-level lock
early; a session-level lock on a separate connection lasts exactly as long as the `with`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from ckan import model


def _lock_key(name: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


@contextmanager
def advisory_lock(name: str, wait: bool = False) -> Iterator[bool]:
    """Hold the lock called `name`; yields False when `wait` is off and another holder has it."""
    key = _lock_key(name)
    with model.meta.engine.connect() as connection:
        # Autocommit: nothing to commit, and the same code on SQLAlchemy 2 (CKAN 2.12) and 1.4
        # (CKAN 2.11, whose connections have no commit()).
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        if wait:
            connection.execute(sa.select(sa.func.pg_advisory_lock(key)))
            locked = True
        else:
            locked = connection.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar()
        try:
            yield bool(locked)
        finally:
            if locked:
                connection.execute(sa.select(sa.func.pg_advisory_unlock(key)))
