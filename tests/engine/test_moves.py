"""A room's things move to its successor in one transaction: every table's rows but the event log;
a setting the new room already has wins over the old room's."""

from __future__ import annotations

from datetime import timedelta

from matrixbot.plugins.meetings import Meetings

from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock


async def test_every_table_but_the_event_log_moves_and_the_new_rooms_settings_win(
    fake_bot: MakeFakeBot,
) -> None:
    bot = await fake_bot(plugins=[Meetings], clock=FakeClock("2027-03-01 10:00", "Europe/London"))
    old, new = bot.room("@alice:x", admins=["@alice:x"]), bot.room("@alice:x", admins=["@alice:x"])
    await bot.say(old, "@alice:x", "!set timezone Europe/Berlin")
    await bot.say(old, "@alice:x", "!set working_hours off")
    await bot.say(new, "@alice:x", "!set timezone Europe/Paris")
    await bot.say(old, "@alice:x", "!remind tomorrow 9am water the plants")
    db = bot.database
    await db.execute(
        "INSERT INTO room_moves (old_room, new_room, state) VALUES (?, ?, 'waiting')", (old, new)
    )

    await bot.parts.moves.joined(new)

    assert await db.fetch_value("SELECT COUNT(*) FROM meetings_reminders WHERE room_id = ?", (new,)) == 1
    assert await db.fetch_value("SELECT COUNT(*) FROM jobs WHERE room_id = ?", (old,)) == 0
    settings = {
        r["key"]: r["value"]
        for r in await db.fetch_all("SELECT * FROM room_settings WHERE room_id = ?", (new,))
    }
    assert settings == {"timezone": "Europe/Paris", "working_hours": "off"}
    assert await db.fetch_value("SELECT COUNT(*) FROM room_settings WHERE room_id = ?", (old,)) == 0
    assert await db.fetch_value("SELECT COUNT(*) FROM inbox WHERE room_id = ?", (new,)) == 0, "the log stays"
    assert "R1" in (await bot.say(new, "@alice:x", "!reminders")).body
    assert await db.fetch_value("SELECT state FROM room_moves WHERE old_room = ?", (old,)) == "done"
    await bot.parts.moves.joined(new)  # again (a second join event): nothing more to move
    assert await db.fetch_value("SELECT COUNT(*) FROM meetings_reminders WHERE room_id = ?", (new,)) == 1


async def test_a_post_the_old_room_refuses_while_it_moves_waits_and_goes_to_the_successor(
    fake_bot: MakeFakeBot,
) -> None:
    """Between a room's tombstone and the bot's join to its successor, the old room refuses the
    bot's posts (403): a reminder due then is tried again, not given up, and goes out in the new room."""
    import nio

    bot = await fake_bot(plugins=[Meetings], clock=FakeClock("2027-03-01 10:00", "Europe/London"))
    old, new = bot.room("@alice:x"), bot.room("@alice:x")
    await bot.say(old, "@alice:x", "!remind in 1 minute water the plants")
    await bot.database.execute(
        "INSERT INTO room_moves (old_room, new_room, state) VALUES (?, ?, 'waiting')", (old, new)
    )
    send = bot.fake.send

    async def refused_in_the_old_room(room_id: str, *args: object, **kwargs: object) -> object:
        if room_id == old:
            return nio.RoomSendError("the room was upgraded", "M_FORBIDDEN")
        return await send(room_id, *args, **kwargs)  # type: ignore[arg-type]

    bot.fake.send = refused_in_the_old_room  # type: ignore[assignment]
    bot.clock.advance(timedelta(minutes=1))
    assert await bot.run_due() == []
    assert await bot.database.fetch_value("SELECT state FROM jobs WHERE plugin = 'meetings'") == "pending"
    await bot.parts.moves.joined(new)
    bot.clock.advance(timedelta(minutes=1))
    posted = [p for p in await bot.run_due() if "water the plants" in p.body]
    assert [p.room_id for p in posted] == [new]
