"""What a room's calendar served before, and what it serves now: versions and cancellations.

Plugins say only what is on the calendar now. Calendar apps need more: the same UID for the same
thing, a SEQUENCE that rises whenever it changes (or an app may keep the old version), and a
cancelled item served as `STATUS:CANCELLED` for a while (or an app that missed the moment keeps it
for ever). So every item served is remembered (`calendar_items`: its last version as JSON, a
fingerprint of it, its sequence, when it changed and when it went), and `reconcile` compares what
the plugins offer now with that record. Pure: the service runs it off the event loop.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from matrixbot.api.calendar import CalendarItem
from matrixbot.db import Database, Row
from matrixbot.time import Recurrence

CANCELLED_KEPT = timedelta(days=30)
"""How long an item no plugin offers any more is still served, as cancelled."""


@dataclass(frozen=True)
class Offer:
    """An item a plugin offers now, under its UID."""

    uid: str
    plugin: str
    item: CalendarItem


@dataclass(frozen=True)
class Tracked:
    """The record of an item served before (a row of `calendar_items`)."""

    uid: str
    plugin: str
    fingerprint: str
    sequence: int
    changed_at: float
    item: str
    """The item as JSON (`to_json`), as last offered."""
    gone_at: float | None = None
    """When no plugin offered it any more (it is served as cancelled since)."""


@dataclass(frozen=True)
class Entry:
    """One item as the feed and the page show it."""

    uid: str
    item: CalendarItem
    sequence: int
    changed_at: datetime
    cancelled: bool
    fingerprint: str


@dataclass(frozen=True)
class Plan:
    """What to serve, and how the record changes (rows to write, UIDs to forget)."""

    entries: list[Entry]
    writes: list[Tracked]
    forget: list[str]


def to_json(item: CalendarItem) -> str:
    """An item as canonical JSON: the same item always gives the same text (times as UTC seconds)."""
    data = {
        "key": item.key,
        "title": item.title,
        "start": item.start.timestamp(),
        "end": item.end.timestamp(),
        "zone": item.zone,
        "kind": item.kind,
        "all_day": item.all_day,
        "repeat": None if item.repeat is None else item.repeat.to_json(),
        "skipped": sorted(s.timestamp() for s in item.skipped),
        "place": item.place,
        "url": item.url,
        "details": item.details,
        "busy": item.busy,
    }
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def from_json(text: str) -> CalendarItem:
    data = json.loads(text)
    return CalendarItem(
        key=data["key"],
        title=data["title"],
        start=_utc(data["start"]),
        end=_utc(data["end"]),
        zone=data["zone"],
        kind=data["kind"],
        all_day=data["all_day"],
        repeat=None if data["repeat"] is None else Recurrence.from_json(data["repeat"]),
        skipped=tuple(_utc(s) for s in data["skipped"]),
        place=data["place"],
        url=data["url"],
        details=data["details"],
        busy=data["busy"],
    )


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def reconcile(
    offers: Iterable[Offer], tracked: Mapping[str, Tracked], failed: set[str], now: datetime, since: datetime
) -> Plan:
    """What the room's calendar serves now, given what the plugins offer and what was served before.

    - offered for the first time: sequence 0;
    - offered as before: as before; changed, or offered again after it went: its sequence + 1;
    - no longer offered: cancelled (sequence + 1) for `CANCELLED_KEPT`, then forgotten; except
      a one-off item that ended before `since` (it left the window, it was not cancelled), which
      is forgotten at once;
    - of a plugin in `failed` (it raised, or timed out): served as last recorded, unchanged.
    """
    stamp = now.timestamp()
    entries: list[Entry] = []
    writes: list[Tracked] = []
    forget: list[str] = []
    seen: set[str] = set()
    for offer in offers:
        if offer.uid in seen:
            continue
        seen.add(offer.uid)
        text = to_json(offer.item)
        print_ = fingerprint(text)
        before = tracked.get(offer.uid)
        if before is not None and before.fingerprint == print_ and before.gone_at is None:
            record = before
        else:
            sequence = 0 if before is None else before.sequence + 1
            record = Tracked(offer.uid, offer.plugin, print_, sequence, stamp, text)
            writes.append(record)
        entries.append(_entry(record, offer.item, cancelled=False))
    for uid, before in tracked.items():
        if uid in seen:
            continue
        item = from_json(before.item)
        if before.plugin in failed:
            entries.append(_entry(before, item, cancelled=before.gone_at is not None))
        elif before.gone_at is None and item.repeat is None and item.end < since:
            forget.append(uid)
        elif before.gone_at is None:
            record = replace(before, sequence=before.sequence + 1, changed_at=stamp, gone_at=stamp)
            writes.append(record)
            entries.append(_entry(record, item, cancelled=True))
        elif stamp - before.gone_at > CANCELLED_KEPT.total_seconds():
            forget.append(uid)
        else:
            entries.append(_entry(before, item, cancelled=True))
    entries.sort(key=lambda e: (e.item.start, e.uid))
    return Plan(entries, writes, forget)


def _entry(record: Tracked, item: CalendarItem, *, cancelled: bool) -> Entry:
    return Entry(record.uid, item, record.sequence, _utc(record.changed_at), cancelled, record.fingerprint)


class LedgerStore:
    """The SQL of `calendar_items`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def tracked(self, room_id: str) -> dict[str, Tracked]:
        rows = await self._db.fetch_all("SELECT * FROM calendar_items WHERE room_id = ?", (room_id,))
        return {row["uid"]: _tracked(row) for row in rows}

    async def apply(self, room_id: str, plan: Plan) -> None:
        """Write a plan's changes, in one transaction (nothing when nothing changed)."""
        if not plan.writes and not plan.forget:
            return
        async with self._db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO calendar_items (room_id, uid, plugin, fingerprint, sequence, changed_at, item, "
                "gone_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (room_id, uid) DO UPDATE SET "
                "plugin = excluded.plugin, fingerprint = excluded.fingerprint, sequence = excluded.sequence, "
                "changed_at = excluded.changed_at, item = excluded.item, gone_at = excluded.gone_at",
                [
                    (room_id, t.uid, t.plugin, t.fingerprint, t.sequence, t.changed_at, t.item, t.gone_at)
                    for t in plan.writes
                ],
            )
            await tx.executemany(
                "DELETE FROM calendar_items WHERE room_id = ? AND uid = ?",
                [(room_id, u) for u in plan.forget],
            )


def _tracked(row: Row) -> Tracked:
    return Tracked(
        uid=row["uid"],
        plugin=row["plugin"],
        fingerprint=row["fingerprint"],
        sequence=row["sequence"],
        changed_at=row["changed_at"],
        item=row["item"],
        gone_at=row["gone_at"],
    )
