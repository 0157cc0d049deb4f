"""An invite the config's `allowed_inviters` does not allow is rejected with a reason the inviter's
client shows, through the real homeserver (the rejection itself: tests/engine/test_bot.py)."""

from __future__ import annotations


async def test_a_refused_invite_says_why_to_the_inviter(start_bot, chat):
    t = await start_bot(allowed_inviters=("@ann:localhost", "@*:coop.example"))
    mallory = await chat("mallory")
    room = await mallory.create_room(invite=[t.user_id])
    await mallory.wait_for_membership(room, t.user_id, "leave", timeout=20)
    rejected = await mallory.wait_for(
        lambda e: e.room_id == room and e.state_key == t.user_id and e.membership == "leave", timeout=5
    )
    assert rejected.sender == t.user_id, "the bot rejected it itself"
    assert rejected.content.get("reason") == (
        "This bot accepts invites only from @ann:localhost, @*:coop.example (its admin can change that)."
    ), rejected.content


async def test_a_refused_invite_speaks_the_inviters_own_language(start_bot, chat):
    """mallory chose German in a room she shares with the bot; her own room's invite is refused in German."""
    ann, mallory = await chat(), await chat()
    t = await start_bot(allowed_inviters=(ann.user_id,))
    shared = await t.room_with(ann, mallory)
    await t.ask(mallory, shared, "!set my language de")
    room = await mallory.create_room(invite=[t.user_id])
    await mallory.wait_for_membership(room, t.user_id, "leave", timeout=20)
    rejected = await mallory.wait_for(
        lambda e: e.room_id == room and e.state_key == t.user_id and e.membership == "leave", timeout=5
    )
    assert rejected.content.get("reason", "").startswith(
        f"Dieser Bot nimmt Einladungen nur von {ann.user_id} an"
    )
