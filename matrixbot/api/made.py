"""Making a thing once per command, however often the command is handled.

A command can be handled twice: the process may die after a handler's transaction committed but
before its event was marked handled, and the next start handles the same event again (a replay).
The guard against making the thing twice is one query, the same in every plugin: each table of
things a command makes has an `id INTEGER PRIMARY KEY` and a `source_event TEXT UNIQUE` column
holding the id of the command event that made the row.

The guarantee, when `make_once` runs inside the transaction that makes the thing (and schedules its
jobs): the row, its jobs and the record of which event made it commit together or not at all, so
a replay finds the row and makes nothing (no second row, no second set of jobs). The handler then
answers as it did the first time; its outbox's transaction ids are derived from the event id
(`event:<id>`), so an answer that had already been posted is recognised by the homeserver and the
command is answered once.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from matrixbot.db import Tx

_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Made:
    """The row a command event made: its id, and whether this handling made it (False: a replay)."""

    id: int
    new: bool


async def made_by(tx: Tx, table: str, event_id: str) -> int | None:
    """The id of the row of `table` that the command event `event_id` made, or None if it made none."""
    value = await tx.fetch_value(f"SELECT id FROM {_table(table)} WHERE source_event = ?", (event_id,))
    return None if value is None else int(value)


async def make_once(tx: Tx, table: str, event_id: str, make: Callable[[], Awaitable[int]]) -> Made:
    """The row of `table` that `event_id` made: found (a replay; `make` is not called) or made now.

    `make` inserts the row (it may set `source_event` itself, or leave it to this) and whatever goes
    with it, in `tx`, and returns the row's id; the row is then stamped with `event_id`.
    """
    found = await made_by(tx, table, event_id)
    if found is not None:
        return Made(found, new=False)
    row_id = await make()
    await tx.execute(f"UPDATE {_table(table)} SET source_event = ? WHERE id = ?", (event_id, row_id))
    return Made(row_id, new=True)


def _table(name: str) -> str:
    """`name`, checked to be a plain table name: it is put into the SQL text."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a table name: {name!r}")
    return name
