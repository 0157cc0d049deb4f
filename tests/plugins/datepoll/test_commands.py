"""datepoll's commands on the fake transport: busy dates, refusals of bad lines, escaping, clashes.
Voting by reaction and native poll, restarts and deadlines go through the homeserver (test_plugin.py)."""

from __future__ import annotations

from matrixbot.plugins.datepoll import DatePoll

from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock


async def test_busy_dates_clash_escaping_and_unreadable_line(fake_bot: MakeFakeBot) -> None:
    bot = await fake_bot(plugins=[DatePoll], clock=FakeClock("2024-02-20 12:00", "Europe/London"))
    room = bot.room("@alice:x")

    async def ask(text: str) -> str:
        return (await bot.say(room, "@alice:x", text)).body

    added = await ask("!busy add Workers Co-op Weekend 17-19 May 2024")
    assert "Busy date 1 added: Workers Co-op Weekend, Fri 17 – Sun 19 May 2024." in added
    added = await ask("!busy add Stir to Action Festival Tuesday 10th-11th July 2024")
    assert "10 July 2024 is a Wednesday, not a Tuesday" in added
    assert "Stir to Action Festival: Wed 10 – Thu 11 Jul 2024" in await ask("!busy")

    refused = await ask("!poll Summer <b>social</b>\n2pm Saturday 18th May 2024\nsometime soonish")
    assert refused.startswith("Line 3: ") and "Nothing was changed" in refused
    assert "There are no open polls" in await ask("!polls")

    text = await bot.say(
        room,
        "@alice:x",
        "!poll Summer <b>social</b>\n2pm Saturday 18th May 2024\n2pm Saturday 18 May 2024\n10 July 2024",
    )
    assert "<b>social</b>" not in text.html and "&lt;b&gt;social&lt;/b&gt;" in text.html
    assert text.body.count("clashes with Workers Co-op Weekend") == 2
    assert "the same as option 1" in text.body
    assert "clashes with Stir to Action Festival" in text.body
    assert "!poll fix P1 N NEW OPTION" in text.body

    await ask("!busy remove 2")
    listed = await ask("!busy")
    assert "Stir to Action" not in listed and "Workers Co-op Weekend" in listed


async def test_typo_fixes_lie_among_the_polls_own_options(fake_bot: MakeFakeBot) -> None:
    """Issue 22: among options in March 2027, "Tuesday 5th March 2014" got "did you mean Tuesday 5
    March 2030?" (3 years from every option), and "Tuesday 2nd March 2032" was not flagged at all."""
    bot = await fake_bot(plugins=[DatePoll], clock=FakeClock("2027-02-01 09:00", "Europe/London"))
    room = bot.room("@alice:x")
    poll = await bot.say(
        room,
        "@alice:x",
        "!poll MoU call\n3-4pm Tuesday 2nd March 2027\n3-4pm Thursday 4th March 2027\n"
        "3-4pm Tuesday 5th March 2014\n3-4pm Tuesday 2nd March 2032",
    )
    assert (
        "5 March 2014 was a Wednesday, not a Tuesday; did you mean Tuesday 2 March 2027 or Friday 5 March 2027?"
        in (poll.body)
    )
    assert "2030" not in poll.body
    assert "2 March 2032 is 5 years from the other dates; did you mean Tuesday 2 March 2027?" in poll.body

    await bot.say(room, "@alice:x", "!poll fix P1 4 3-4pm Tuesday 9th March 2027")
    await bot.say(room, "@alice:x", "!poll fix P1 3 3-4pm Friday 5th March 2027")
    tally = await bot.say(room, "@alice:x", "!poll P1")
    assert "⚠️" not in tally.body, "fixed as suggested, nothing is flagged"
    await bot.say(room, "@alice:x", "!poll fix P1 2 3-4pm Tuesday 4th March 2031")
    [*_, tally_edit] = [p for p in bot.fake.posted if p.edits and p.type == "m.room.message"]
    assert (
        "4 March 2031 is 4 years from the other dates; did you mean Tuesday 2 March 2027 or Thursday 4 March 2027?"
        in (tally_edit.new_body)
    ), "!poll fix reads the option among the others too"
