"""A round's answers as CSV, safe to open in a spreadsheet."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from matrixbot import csv_file

from .model import MemberState

HEADER = ("member", "name", "org", "answered at", "note")


def render_csv(members: Sequence[MemberState], zone: str) -> bytes:
    """One row per member asked or answering: answered-at in the room's zone (ISO 8601), blank if not."""
    tz = ZoneInfo(zone)
    rows = []
    for m in members:
        answered = m.answer.answered_at.astimezone(tz).isoformat(timespec="minutes") if m.answer else ""
        note = m.answer.note if m.answer else ""
        rows.append((m.user_id, m.name, m.org or "", answered, note))
    return csv_file(HEADER, rows)
