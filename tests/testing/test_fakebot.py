"""The fake transport: the real core and plugins, no homeserver, answers in milliseconds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings

from matrixbot import Plugin, Reaction, on_reaction
from matrixbot.api.plugin import Services
from matrixbot.config import Config
from matrixbot.testing import FakeBot, FakeClock, NotStarted


@pytest.fixture
async def bot(tmp_path):
    clock = FakeClock("2024-02-20 12:00", "Europe/London")
    fake = await FakeBot.create(tmp_path, plugins=[DatePoll, Meetings], clock=clock)
    yield fake
    await fake.stop()


async def test_help_and_admin_rights(bot):
    room = bot.room("@alice:x", "@bob:x", admins=["@alice:x"])
    assert "!poll" in (await bot.say(room, "@bob:x", "!help")).body
    assert "Only a room admin" in (await bot.say(room, "@bob:x", "!disable datepoll")).body
    assert "datepoll is now off" in (await bot.say(room, "@alice:x", "!disable datepoll")).body
    assert "off in this room" in (await bot.say(room, "@bob:x", "!polls")).body


async def test_typo_is_flagged(bot):
    room = bot.room("@alice:x")
    reply = await bot.say(
        room, "@alice:x", "!poll MoU call\n3-4pm Monday 26th February 2024\n3-4pm Tuesday 5th March 2014"
    )
    assert "5 March 2014 was a Wednesday, not a Tuesday; did you mean Tuesday 5 March 2024?" in reply.body
    assert reply.msgtype == "m.notice"


async def test_reminder_reveals_the_code_when_due(bot):
    room = bot.room("@alice:x", "@bob:x")
    made = await bot.say(
        room,
        "@alice:x",
        "!meeting Call\nwhen: tomorrow 3pm\ncode: 486072\nremind: 10 minutes\nnotify: @bob:x",
    )
    assert "486072" not in made.body and "••••••" in made.body
    assert await bot.run_due() == []
    bot.clock.advance(timedelta(hours=26, minutes=50))
    [reminder] = [p for p in await bot.run_due() if p.msgtype == "m.text"]
    assert "486072" in reminder.body and reminder.mentions == ["@alice:x", "@bob:x"]
    assert await bot.run_due() == []


async def test_a_command_handled_again_after_a_crash_creates_nothing_twice(bot):
    """The inbox re-handles a command whose handling was cut short; nothing may be made twice."""
    room = bot.room("@alice:x")
    for body in ("!meeting Call\nwhen: tomorrow 3pm\nremind: 10 minutes", "!remind tomorrow 9am invoices"):
        answer = await bot.say(room, "@alice:x", body)
        jobs = await bot.database.fetch_value("SELECT COUNT(*) FROM jobs")
        assert await bot.replay(answer) == [], "the second answer reuses the first one's transaction id"
        assert await bot.database.fetch_value("SELECT COUNT(*) FROM jobs") == jobs
    assert await bot.database.fetch_value("SELECT COUNT(*) FROM meetings_meetings") == 1
    assert await bot.database.fetch_value("SELECT COUNT(*) FROM meetings_reminders") == 1


class Watcher(Plugin):
    """Records the reactions it is handed (a test plugin)."""

    name = "watcher"
    description = "Records reactions."

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.seen: list[Reaction] = []

    @on_reaction
    async def reaction(self, reaction: Reaction) -> None:
        self.seen.append(reaction)


async def test_a_reaction_and_its_removal_reach_the_plugin(tmp_path):
    bot = await FakeBot.create(tmp_path, plugins=[Watcher])
    try:
        room = bot.room("@alice:x", "@bob:x")
        target = (await bot.say(room, "@alice:x", "!help")).event_id
        assert await bot.react(room, "@bob:x", target, "👍") == []
        assert await bot.unreact(room, "@bob:x", target, "👍") == []
        watcher = bot.plugin(Watcher)
        added, removed = watcher.seen
        assert (added.sender, added.target, added.key, added.removed) == ("@bob:x", target, "👍", False)
        assert (removed.sender, removed.target, removed.key, removed.event_id) == (
            "@bob:x",
            target,
            "👍",
            added.event_id,
        )
        assert removed.removed and removed.removed_by not in (None, added.event_id), (
            "a removal names the redaction that made it, so what it causes gets its own transaction ids"
        )
        await bot.unreact(room, "@bob:x", target, "👍")  # a second redaction of it: nothing left to remove
        assert len(watcher.seen) == 2
        with pytest.raises(LookupError, match="@alice:x has no 🎉 reaction"):
            await bot.unreact(room, "@alice:x", target, "🎉")
    finally:
        await bot.stop()


async def test_replay_hands_the_same_event_over_again(bot):
    room = bot.room("@alice:x")
    answer = await bot.say(room, "@alice:x", "!remind tomorrow 9am invoices")
    assert answer.reply_to is not None
    assert await bot.replay(answer.reply_to) == []
    assert await bot.database.fetch_value("SELECT source_event FROM meetings_reminders") == answer.reply_to
    with pytest.raises(LookupError, match="no event '\\$nope' was delivered"):
        await bot.replay("$nope")


async def test_every_installed_plugin_with_plugins_none(tmp_path):
    bot = await FakeBot.create(tmp_path, plugins=None)
    try:
        listed = (await bot.say(bot.room("@alice:x"), "@alice:x", "!plugins")).body
        for name in ("checkins", "datepoll", "meetings", "signups"):
            assert f"{name} on" in listed, listed
        assert isinstance(bot.plugin(Meetings), Meetings)
        with pytest.raises(LookupError, match="Watcher \\('watcher'\\) is not loaded"):
            bot.plugin(Watcher)
    finally:
        await bot.stop()


def test_parts_of_a_bot_not_started_say_so(tmp_path):
    bot = FakeBot(
        Config(homeserver="http://fake.invalid", user_id="@bot:fake", password="-", data_dir=tmp_path)
    )
    with pytest.raises(NotStarted, match="has not started"):
        bot.database  # noqa: B018 (reading it is the test)
