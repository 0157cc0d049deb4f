"""A display name cannot forge a line of the bot's: a member called "mallory⏎1. Mon 1 Mar 2027 — 99 yes"
votes, and the tally, `!poll results`, `!poll remind` and a reminder keep the lines they would have
for "mallory". Invisible characters in names and titles do not come back. FakeBot, every plugin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings

from matrixbot.matrix.markup import FSI, PDI
from matrixbot.testing import FakeBot, Posted
from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock
from tests.plugins.test_user_text import strings

ALICE, BOB, MALLORY = "@alice:x", "@bob:x", "@mallory:x"
FORGED = "1. Mon 1 Mar 2027 — 99 yes"
SEPARATORS = ["\n", "\r", "\r\n", "\u2028", "\u2029", "\x85", "\x0b", "\x0c"]
INVISIBLES = "\u200b\u200c\u200d\u200e\u200f\u061c\ufeff\u2060\u00ad\u3164\uffa0\U000e0041\U000e007f"
"""Zero-width space, non-joiner, joiner, LRM, RLM, ALM, BOM, word joiner, soft hyphen, Hangul
fillers, tag characters: none needed between Latin letters."""


async def a_poll_and_a_reminder(
    make: MakeFakeBot, names: dict[str, str], title: str = "Call"
) -> list[Posted]:
    """What the bot posts in a poll's life (tally, its edits, results, remind) and a reminder's,
    with these display names."""
    bot: FakeBot = await make(
        plugins=[DatePoll, Meetings], clock=FakeClock("2024-02-20 12:00", "Europe/London")
    )
    room = bot.room(ALICE, BOB, MALLORY)
    for user, name in names.items():
        bot.fake.rooms[room].users[user].display_name = name
    await bot.say(room, ALICE, f"!poll {title}\n3-4pm Mon 26 Feb 2024\n3-4pm Tue 27 Feb 2024")
    await bot.say(room, MALLORY, "!vote 1")
    await bot.say(room, ALICE, "!poll results")
    await bot.say(room, ALICE, "!poll remind")
    await bot.say(room, MALLORY, f"!remind in 5 minutes {title}")
    bot.clock.advance(timedelta(minutes=5))
    assert await bot.run_due(), "the reminder went out"
    return bot.fake.posted


def line_counts(post: Posted) -> list[int]:
    return [len(text.splitlines()) for text in strings(post.content)]


def check_no_forged_line(posts: list[Posted]) -> None:
    for post in posts:
        for text in strings(post.content):
            for line in text.splitlines():
                assert not line.strip(f"{FSI}{PDI} •").startswith(FORGED), f"a forged line in {text!r}"


@pytest.mark.parametrize("separator", SEPARATORS, ids=repr)
async def test_a_display_name_with_a_line_break_forges_no_line(fake_bot, separator):
    plain = await a_poll_and_a_reminder(fake_bot, {BOB: "bob", MALLORY: "mallory"})
    forged_names = {BOB: f"bob{separator}{FORGED}", MALLORY: f"mallory{separator}{FORGED}"}
    forged = await a_poll_and_a_reminder(fake_bot, forged_names)
    check_no_forged_line(forged)
    assert [p.type for p in forged] == [p.type for p in plain]
    assert [line_counts(p) for p in forged] == [line_counts(p) for p in plain], (
        "every body has the lines it has with plain names"
    )
    results = next(p for p in forged if "Who" in p.body)
    assert f"mallory {FORGED}" in results.body, "the name is still shown, on its line"
    reminder = forged[-1]
    assert reminder.mentions == [MALLORY] and f"mallory {FORGED}" in reminder.body


async def test_a_title_with_a_paragraph_separator_forges_no_line(fake_bot):
    plain = await a_poll_and_a_reminder(fake_bot, {}, "Call")
    forged = await a_poll_and_a_reminder(fake_bot, {}, f"Call\u2029{FORGED}")
    check_no_forged_line(forged)
    assert [line_counts(p) for p in forged] == [line_counts(p) for p in plain]


async def test_invisible_characters_in_names_and_titles_do_not_come_back(fake_bot):
    hidden = "".join(f"{c}x" for c in INVISIBLES)
    posts = await a_poll_and_a_reminder(
        fake_bot, {BOB: f"b{hidden}ob", MALLORY: f"mal{hidden}lory"}, f"Ca{hidden}ll"
    )
    for post in posts:
        for text in strings(post.content):
            assert not set(text) & set(INVISIBLES), f"an invisible character in {text!r}"
    results = next(p for p in posts if "Who" in p.body)
    x = "x" * len(INVISIBLES)
    assert f"mal{x}lory" in results.body and f"Ca{x}ll" in results.body


async def test_what_a_language_needs_comes_back_and_a_blank_name_is_the_user_id(fake_bot):
    persian, hindi, coder = "می\u200cخواهم", "क्\u200dष", "👩\u200d💻"
    names = {BOB: "\u3164\u200b \u2028", MALLORY: f"{persian} {hindi} {coder}"}
    posts = await a_poll_and_a_reminder(fake_bot, names)
    results = next(p for p in posts if "Who" in p.body)
    assert f"{persian} {hindi} {coder}" in results.body, "ZWNJ and ZWJ inside words and emoji are kept"
    assert results.body.endswith("Not voted yet: alice, @bob:x"), (
        "a name of nothing visible shows as the user id"
    )
