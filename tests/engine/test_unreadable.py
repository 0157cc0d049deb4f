"""The notice about messages the bot could not decrypt: one per sender per room in a window,
counting them, in the room's language."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from matrixbot.engine.lanes import Lanes
from matrixbot.engine.unreadable import UnreadableNotices
from matrixbot.matrix.crypto import Unreadable
from tests.engine.said import Posts

ROOM = "!r:x"


def _notices(posts: Posts, lanes: Lanes, spoken: str) -> UnreadableNotices:
    async def zone(_: str) -> str:
        return "Europe/Paris"

    async def language(_: str) -> str:
        return spoken

    transport = SimpleNamespace(device_id="BOTDEVICE", devices=SimpleNamespace(fingerprint="abcd efgh"))
    settings = SimpleNamespace(zone=zone, language=language)
    rooms = SimpleNamespace(display_name=lambda room, user: "mallory")
    return UnreadableNotices(
        cast(Any, transport), cast(Any, settings), cast(Any, rooms), cast(Any, posts), lanes
    )


def _unreadable(n: int) -> Unreadable:
    event = SimpleNamespace(
        sender="@mallory:x", server_timestamp=1_800_000_000_000 + n * 1000, event_id=f"$e{n}"
    )
    return Unreadable(cast(Any, event), ROOM, 0.0)


async def test_the_notice_counts_a_sender_s_messages_in_the_room_s_language() -> None:
    posts, lanes = Posts(), Lanes()
    notices = _notices(posts, lanes, "fr")
    notices.tell([_unreadable(1), _unreadable(2)], now=100.0)
    notices.tell([_unreadable(3)], now=200.0)  # within the window: not told again
    await lanes.settle(1)
    assert posts.said == [
        "Je n'ai pas pu lire 2 messages envoyés par mallory (le premier vendredi 15 janvier 2027, 09:00 "
        "(CET)) : ils sont chiffrés avec une clé que ma session n'a pas reçue. Merci de renvoyer ce qui "
        "compte. Si ça se reproduit, ton appli ne partage peut-être ses clés qu'avec des sessions "
        "vérifiées : vérifie ma session (appareil BOTDEVICE, clé abcd efgh) ou autorise les sessions "
        "non vérifiées."
    ]


async def test_one_message_in_english_as_before() -> None:
    posts, lanes = Posts(), Lanes()
    _notices(posts, lanes, "en").tell([_unreadable(1)], now=100.0)
    await lanes.settle(1)
    assert posts.said[0].startswith(
        "I could not read a message mallory sent (Fri 15 Jan 2027, 09:00 CET): it is encrypted with a "
        "key my session did not receive. Please send again what matters."
    )
