"""Test helper: let an open read-write connection act for someone else for a moment.

Pages and the command line get their actor from ``store.connect(..., actor=...)``; tests that
check what the audit columns record for two people inside one connection switch it here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from analysis import store
from analysis.access import Access


@contextmanager
def acting(con: store.Connection, who: str | Access) -> Iterator[store.Connection]:
    actor = who if isinstance(who, Access) else Access(email=who)
    before = store._ACTORS[id(con)]
    store._ACTORS[id(con)] = actor
    try:
        yield con
    finally:
        store._ACTORS[id(con)] = before


def digest(db: object) -> str:
    """sha256 over every table's rows (sorted), read through a read-only connection: equal
    digests mean the store's contents are the same, whatever DuckDB did to the file's pages."""
    import hashlib

    h = hashlib.sha256()
    with store.connect(db, read_only=True) as con:  # type: ignore[arg-type]
        for name in sorted(store.table_counts(con)):
            h.update(name.encode())
            for row in con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall():
                h.update(repr(row).encode())
    return h.hexdigest()


def shown(markdown: object) -> str:
    """What a reader sees of text that components.safe.md escaped (AppTest returns the source)."""
    import re

    return re.sub(r"\\(.)", r"\1", str(markdown)).replace("&#58;", ":").replace("\u2060", "")
