"""A round's answers as CSV, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from .model import MemberState

HEADER = ("member", "name", "org", "answered at", "note")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """Prefix a cell a spreadsheet would run as a formula with a quote (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def render_csv(members: Sequence[MemberState], zone: str) -> bytes:
    """One row per member asked or answering: answered-at in the room's zone (ISO 8601), blank if not."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    tz = ZoneInfo(zone)
    for m in members:
        answered = m.answer.answered_at.astimezone(tz).isoformat(timespec="minutes") if m.answer else ""
        note = m.answer.note if m.answer else ""
        writer.writerow([safe_cell(v) for v in (m.user_id, m.name, m.org or "", answered, note)])
    return out.getvalue().encode("utf-8")
