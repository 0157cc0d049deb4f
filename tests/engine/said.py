"""A stand-in for the sender's outboxes that keeps the text of each message posted (for engine
parts tested alone: the gap filler, the unreadable-message notices)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any


class Posts:
    def __init__(self) -> None:
        self.said: list[str] = []

    def outbox(self, origin: str) -> Any:
        async def message(room_id: str, message: Any) -> str:
            self.said.append(message.text)
            return "$notice"

        return SimpleNamespace(message=message)
