"""Topics and the agenda's order: pure, no database, no Matrix."""

from __future__ import annotations

from dataclasses import dataclass

from matrixbot import UserError, format_ref

LETTER = "T"
"""Topic ids are T and the row number: T3."""
NOUN = "topic"
MAX_TITLE = 200
"""A topic is a line on an agenda, not a document: longer belongs in the notes."""
SUPPORT = "👍"
"""The reaction that supports a topic (skin tones count too)."""


@dataclass(frozen=True)
class Topic:
    id: int
    room_id: str
    proposer: str
    title: str
    notes: str
    event_id: str | None = None
    done: bool = False
    support: int = 0

    @property
    def ref(self) -> str:
        return format_ref(LETTER, self.id)


def check_title(title: str) -> str:
    """The title as given, or a UserError saying how to shorten it."""
    title = " ".join(title.split())
    if len(title) > MAX_TITLE:
        raise UserError(
            f"That title is {len(title)} characters; keep it under {MAX_TITLE} and put the rest on the lines below."
        )
    return title


def in_order(topics: list[Topic]) -> list[Topic]:
    """The agenda's running order: most supported first, then the order they were added."""
    return sorted(topics, key=lambda t: (-t.support, t.id))


def supports(key: str) -> bool:
    """Whether a reaction key is a 👍 (with or without a skin tone or variation selector)."""
    return key.startswith(SUPPORT)
