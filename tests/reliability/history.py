"""A room's history as the homeserver keeps it, read through `/messages`: what the fault suites count."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import aiohttp

from matrixbot.matrix.markup import FSI, PDI


async def room_history(homeserver: str, access_token: str, room_id: str) -> list[dict[str, Any]]:
    """Every event of the room, oldest first, read by a member (its `access_token`) straight from
    the homeserver."""
    events: list[dict[str, Any]] = []
    url = f"{homeserver}/_matrix/client/v3/rooms/{quote(room_id)}/messages"
    params = {"dir": "b", "limit": "500"}
    headers = {"Authorization": f"Bearer {access_token}"}
    async with aiohttp.ClientSession() as session:
        while True:
            async with session.get(url, params=params, headers=headers) as answer:
                answer.raise_for_status()
                page = await answer.json()
            events.extend(page.get("chunk", []))
            if not page.get("chunk") or not page.get("end"):
                return list(reversed(events))
            params["from"] = page["end"]


def reply_to(event: dict[str, Any]) -> str | None:
    relates = event.get("content", {}).get("m.relates_to") or {}
    return (relates.get("m.in_reply_to") or {}).get("event_id")


def body(event: dict[str, Any]) -> str:
    """The body as a person reads it: without the invisible marks isolating user values."""
    text = event.get("content", {}).get("body")
    return text.replace(FSI, "").replace(PDI, "") if isinstance(text, str) else ""
