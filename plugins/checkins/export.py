"""A round's answers as CSV, safe to open in a spreadsheet."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from matrixbot import N_, csv_file

from .model import MemberState
from .texts import _

HEADER = (N_("member"), N_("name"), N_("org"), N_("answered at"), N_("note"))
"""The columns, said in the language of the moment."""


def render_csv(members: Sequence[MemberState], zone: str) -> bytes:
    """One row per member asked or answering: answered-at in the room's zone (ISO 8601), blank if not."""
    tz = ZoneInfo(zone)
    rows = []
    for m in members:
        answered = m.answer.answered_at.astimezone(tz).isoformat(timespec="minutes") if m.answer else ""
        note = m.answer.note if m.answer else ""
        rows.append((m.user_id, m.name, m.org or "", answered, note))
    return csv_file([_(column) for column in HEADER], rows)
