"""What a member types comes back harmless: no control or bidi characters, HTML escaped, and each
value isolated (`<bdi>`, FSI … PDI) so it cannot reorder the bot's own words. Every plugin, FakeBot."""

from __future__ import annotations

import re
from typing import Any

import pytest
from matrixbot.plugins.checkins import Checkins
from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings
from matrixbot.plugins.signups import Signups

from matrixbot.testing import FakeBot, Posted
from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock

EVIL = "Ti\x00t\x1bl\x07e\x7f\x85\u202eXY\u2066 <b>bold</b><script>x</script> **md** [a](https://e.x)"
"""NUL, ESC, BEL, DEL, a C1 character, RLO and LRI, then HTML and Markdown."""
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2067]")
"""What no reply may carry (FSI and PDI are allowed: the bot isolates with them)."""
ISOLATED_HTML = re.compile("<bdi>Ti[^<]*&lt;script&gt;x&lt;/script&gt; [*][*]md[*][*] [^<]*</bdi>")
ISOLATED_TEXT = re.compile("\u2068Ti[^\u2069]*<script>x</script> [*][*]md[*][*] [^\u2069]*\u2069")
"""EVIL as shown: the controls gone (the command parser may have read NEL as a space), the rest
kept as text, inside an isolate."""


def strings(value: Any) -> list[str]:
    """Every string in an event's content, however deep."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def check(posts: list[Posted], *, shown: bool = True) -> None:
    for post in posts:
        for text in strings(post.content):
            assert not FORBIDDEN.search(text), f"a control or bidi character in {text!r}"
        assert "<script>" not in post.html and "<b>bold</b>" not in post.html, post.html
    if shown:
        assert any(ISOLATED_HTML.search(p.html) for p in posts), [p.html for p in posts]
        assert any(ISOLATED_TEXT.search(p.content["body"]) for p in posts), [p.content["body"] for p in posts]


@pytest.fixture
async def bot(fake_bot: MakeFakeBot) -> FakeBot:
    return await fake_bot(
        plugins=[DatePoll, Meetings, Checkins, Signups], clock=FakeClock("2024-02-20 12:00", "Europe/London")
    )


async def said(bot: FakeBot, room: str, sender: str, text: str) -> list[Posted]:
    posted = await bot.send(room, sender, "m.room.message", {"msgtype": "m.text", "body": text})
    assert posted, f"the bot did not answer {text!r}"
    return posted


async def test_datepoll_titles(bot):
    room = bot.room("@alice:x", "@bob:x")
    made = await said(bot, room, "@alice:x", f"!poll {EVIL}\n3-4pm Mon 26 Feb 2024\n3-4pm Tue 27 Feb 2024")
    check(made)
    assert any("org.matrix.msc3381.poll.start" in p.type or "poll" in p.type for p in made)
    check(await said(bot, room, "@bob:x", "!polls"))
    check(await said(bot, room, "@bob:x", "!poll results"))
    await bot.send(room, "@alice:x", "m.room.message", {"msgtype": "m.text", "body": "!poll close"})
    check(await bot.run_due())  # the announcement, and the poll's end event


async def test_meetings_and_reminders(bot):
    room = bot.room("@alice:x")
    check(await said(bot, room, "@alice:x", f"!meeting {EVIL}\nwhen: tomorrow 3pm\nurl: https://e.x/m"))
    check(await said(bot, room, "@alice:x", "!meetings"))
    check(await said(bot, room, "@alice:x", "!meeting M1"))
    check(await said(bot, room, "@alice:x", "!meeting cancel M1"))
    check(await said(bot, room, "@alice:x", f"!remind tomorrow 9am {EVIL}"))
    check(await said(bot, room, "@alice:x", "!reminders"))


async def test_checkins_questions_notes_and_orgs(bot):
    room = bot.room("@alice:x", "@bob:x", admins=["@alice:x"])
    check(await said(bot, room, "@alice:x", f"!checkin start {EVIL}"))
    check(await said(bot, room, "@bob:x", f"!checkin org {EVIL}"))
    check(await said(bot, room, "@bob:x", f"!here {EVIL}"), shown=False)
    check(await said(bot, room, "@alice:x", "!checkin status"))
    check(await said(bot, room, "@alice:x", "!checkin history @bob:x"))


async def test_signups_titles_places_and_topics(bot):
    room = bot.room("@alice:x", "@bob:x")
    made = await said(
        bot, room, "@alice:x", f"!signup new {EVIL}\nwhen: 1 March 2024 6pm\nwhere: {EVIL}\ntalks: 3"
    )
    check(made)
    check(await said(bot, room, "@bob:x", f"!signup talk {EVIL}"))
    check(await said(bot, room, "@bob:x", "!signups"))


async def test_display_names_in_pills(bot):
    room = bot.room("@alice:x", "@bob:x")
    bot.fake.rooms[room].users["@bob:x"].display_name = EVIL
    check(
        await said(bot, room, "@alice:x", "!poll Call\n3-4pm Mon 26 Feb 2024\n3-4pm Tue 27 Feb 2024"),
        shown=False,
    )
    await said(bot, room, "@bob:x", "!vote 1")
    check(await said(bot, room, "@alice:x", "!poll results"))


async def test_an_error_repeating_user_text_is_clean(bot):
    room = bot.room("@alice:x")
    check(await said(bot, room, "@alice:x", f"!meeting edit {EVIL}"), shown=False)
    check(await said(bot, room, "@alice:x", f"!vote {EVIL}"), shown=False)
    check(await said(bot, room, "@alice:x", f"!set timezone {EVIL}"), shown=False)
