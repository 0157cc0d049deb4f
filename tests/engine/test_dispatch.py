"""The core's handling of commands on the fake transport: permissions, settings, failures, what it
ignores, escaping and size. The flows that need a homeserver (invites, sync, restarts) are in
test_bot.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from matrixbot.engine.inbox import Inbox
from matrixbot.matrix.events import RoomEvent
from matrixbot.testing.fakebot import FakeBot
from matrixbot.testing.pytest_plugin import MakeFakeBot
from tests.engine.crashy import Crashy


@pytest.fixture
async def bot(fake_bot: MakeFakeBot) -> AsyncIterator[FakeBot]:
    yield await fake_bot(plugins=[Crashy])


async def test_enable_needs_power_to_change_state(fake_bot: MakeFakeBot) -> None:
    bot = await fake_bot(plugins=[Crashy], default_plugins=())
    room = bot.room("@admin:x", "@member:x", admins=["@admin:x"])
    refused = await bot.say(room, "@member:x", "!enable crashy")
    assert refused.body == "Only a room admin (admin) can use !enable.", "the refusal names who may"
    off = await bot.say(room, "@member:x", "!boom")
    assert off.body == (
        "!boom belongs to the crashy plugin, which is off in this room. "
        "A room admin (admin) can turn it on with !enable crashy."
    ), "who may turn it on is named"
    done = await bot.say(room, "@admin:x", "!enable crashy")
    assert "crashy is now on" in done.body
    listing = await bot.say(room, "@member:x", "!plugins")
    assert "crashy on" in listing.body


async def test_owner_from_config_is_admin_everywhere(fake_bot: MakeFakeBot) -> None:
    bot = await fake_bot(plugins=[Crashy], default_plugins=(), owners=("@owner:x",))
    room = bot.room("@creator:x", "@owner:x", "@member:x", admins=["@creator:x"])
    refused = await bot.say(room, "@member:x", "!enable crashy")
    assert refused.body == "Only a room admin (creator or owner) can use !enable.", "an owner here is one"
    assert "crashy is now on" in (await bot.say(room, "@owner:x", "!enable crashy")).body


async def test_set_timezone(bot: FakeBot) -> None:
    room = bot.room("@alice:x", "@bob:x", admins=["@alice:x"])
    bad = await bot.say(room, "@alice:x", "!set timezone Europe/Londno")
    assert "not a time zone I know" in bad.body
    good = await bot.say(room, "@alice:x", "!set timezone America/New_York")
    assert "timezone is now America/New_York" in good.body
    shown = await bot.say(room, "@bob:x", "!settings")
    assert "timezone: America/New_York" in shown.body
    refused = await bot.say(room, "@bob:x", "!set timezone Europe/Paris")
    assert "Only a room admin" in refused.body
    mine = await bot.say(room, "@bob:x", "!set my timezone Europe/Berlin")
    assert "Europe/Berlin" in mine.body


async def test_failing_handler_answers_briefly_and_bot_goes_on(bot: FakeBot) -> None:
    room = bot.room("@alice:x")
    reply = await bot.say(room, "@alice:x", "!boom")
    assert "Sorry, something went wrong" in reply.body
    assert "secret internals" not in reply.body and "Traceback" not in reply.body
    assert (await bot.say(room, "@alice:x", "!echo hi")).body == "echo hi"
    unknown = await bot.say(room, "@alice:x", "!ecko hi")
    assert "Did you mean !echo?" in unknown.body
    usage = await bot.say(room, "@alice:x", "!echo")
    assert usage.body.startswith("TEXT is missing") and "Usage: !echo TEXT" in usage.body


async def test_user_text_escaped_by_the_plugin_goes_out_escaped(bot: FakeBot) -> None:
    reply = await bot.say(bot.room("@alice:x"), "@alice:x", "!echo <b>x</b>&")
    assert "&lt;b&gt;x&lt;/b&gt;&amp;" in reply.html


async def test_ignores_notices_own_messages_edits_and_ignored_users(fake_bot: MakeFakeBot) -> None:
    bot = await fake_bot(plugins=[Crashy], ignore_users=("@otherbot:x",))
    room = bot.room("@alice:x", "@otherbot:x")
    notice = {"msgtype": "m.notice", "body": "!echo notice"}
    assert await bot.send(room, "@alice:x", "m.room.message", notice) == []
    assert (
        await bot.send(room, "@otherbot:x", "m.room.message", {"msgtype": "m.text", "body": "!echo bot"})
        == []
    )
    own = {"msgtype": "m.text", "body": "!echo mine"}
    assert await bot.send(room, bot.config.user_id, "m.room.message", own) == []
    edit = {
        "msgtype": "m.text",
        "body": "* !echo edited",
        "m.new_content": {"msgtype": "m.text", "body": "!echo edited"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": "$earlier"},
    }
    assert await bot.send(room, "@alice:x", "m.room.message", edit) == []
    assert (await bot.say(room, "@alice:x", "!echo heard")).body == "echo heard"


async def test_oversized_answer_is_refused_when_given(bot: FakeBot) -> None:
    reply = await bot.say(bot.room("@alice:x"), "@alice:x", "!echo " + "x" * 35_000)
    assert "Matrix allows about" in reply.body and "shorten" in reply.body


async def test_custom_prefix(fake_bot: MakeFakeBot) -> None:
    bot = await fake_bot(prefix="?")
    room = bot.room("@alice:x")
    assert "?enable PLUGIN" in (await bot.say(room, "@alice:x", "?help")).body
    assert await bot.send(room, "@alice:x", "m.room.message", {"msgtype": "m.text", "body": "!help"}) == []


async def test_a_room_goes_on_while_the_marks_of_handled_commands_are_written(
    bot: FakeBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A handled event is marked done behind the handling (and in batches): the room's next command
    does not wait for that write. Until `flush()` the marks may be missing; a kill then costs a
    replay, whose answers reuse their transaction ids."""
    room = bot.room("@alice:x")
    held = asyncio.Event()
    write_marks = Inbox._write_marks

    async def held_back(inbox: Inbox) -> None:
        await held.wait()
        await write_marks(inbox)

    monkeypatch.setattr(Inbox, "_write_marks", held_back)
    events = [
        RoomEvent(
            f"$e{n}", room, "@alice:x", "m.room.message", {"msgtype": "m.text", "body": f"!echo {n}"}, ts=0
        )
        for n in range(3)
    ]
    await bot.parts.inbox.store(events, "token")
    for event in events:
        bot.parts.dispatcher.submit(event)
    await bot.parts.dispatcher.drain(5)
    assert [p.body for p in bot.fake.posted] == ["echo 0", "echo 1", "echo 2"]
    pending = "SELECT COUNT(*) FROM inbox WHERE state = 'pending'"
    assert await bot.database.fetch_value(pending) == 3, "no mark written yet"
    held.set()
    await bot.parts.inbox.flush()
    assert await bot.database.fetch_value(pending) == 0


async def test_a_refusal_names_up_to_three_admins_escaped_and_counts_the_rest(fake_bot: MakeFakeBot) -> None:
    bot = await fake_bot(plugins=[Crashy], default_plugins=())
    admins = [f"@admin{n}:x" for n in range(1, 6)]
    room = bot.room(*admins, "@member:x", admins=admins)
    bot.fake.rooms[room].users["@admin1:x"].display_name = "<b>Ann</b>\u202e"
    refused = await bot.say(room, "@member:x", "!enable crashy")
    assert refused.body == "Only a room admin (<b>Ann</b>, admin2, admin3 or 2 more) can use !enable."
    assert "(<bdi>&lt;b&gt;Ann&lt;/b&gt;</bdi>, <bdi>admin2</bdi>" in refused.html, "escaped, isolated"
