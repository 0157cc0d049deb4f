"""The bot's hello through the real homeserver (issue 27): on its first join to a room, once (not
again when it is kicked and invited back), and the short one in a direct chat. The wording and
the crash and replay cases: test_hello.py (FakeBot)."""

from __future__ import annotations

import nio
from matrixbot.plugins.meetings import Meetings

from matrixbot.testing.chat import Seen
from matrixbot.testing.testbot import TestBot


def _hello(t: TestBot, room: str):
    def match(e: Seen) -> bool:
        return e.sender == t.user_id and e.room_id == room and e.body.startswith("👋 Hello!")

    match.__qualname__ = f"the bot's hello in {room}"
    return match


async def test_a_hello_on_the_first_join_not_on_a_rejoin_and_a_short_one_in_a_direct_chat(start_bot, chat):
    t = await start_bot(plugins=[Meetings])
    alice = await chat("alice")
    room = await t.room_with(alice)  # the bot joins at power 0: it may not remove messages
    hello = await alice.wait_for(_hello(t, room), after=0, timeout=20)
    assert hello.body == (
        "👋 Hello! I'm a bot. On in this room: meetings (!plugins says what each does).\n"
        "Say !help to see the commands you can use here.\n"
        "I may not remove messages here, so I can only warn about messages that show a meeting's "
        "access code. Give me power level 50 (Moderator) and I will remove them."
    )
    assert hello.msgtype == "m.notice"

    assert isinstance(await alice.nio.room_kick(room, t.user_id), nio.RoomKickResponse)
    await alice.wait_for_membership(room, t.user_id, "leave", timeout=20)
    await alice.invite(room, t.user_id)
    await alice.wait_for_membership(room, t.user_id, "join", timeout=20)
    await t.ask(alice, room, "!plugins", timeout=20)  # handled after the rejoin, so the join was too
    await alice.until_synced()
    assert len([e for e in alice.events(room) if _hello(t, room)(e)]) == 1, "a rejoin is quiet"

    direct = await alice.create_room(invite=[t.user_id], direct=True)
    short = await alice.wait_for(_hello(t, direct), after=0, timeout=20)
    assert short.body == (
        "👋 Hello! This is a direct chat with me, a bot: what you say here only I see. "
        "Say !help to see what I can do."
    )
