"""Each person hears what happened to them (issue 27), on the fake transport: a meeting's reminders
mention its organiser unless `notify: none` says not to; a member who may not set a code is told
why and who may; an organiser whose message was removed for showing a code is told what was and
was not done. Handled again (a replay after a crash), nothing is posted twice."""

from __future__ import annotations

from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings

from matrixbot.testing import FakeBot, FakeClock, MakeFakeBot, Posted

ALICE, BOB, CAROL = "@alice:x", "@bob:x", "@carol:x"


async def _bot(fake_bot: MakeFakeBot, *, bot_level: int = 100) -> tuple[FakeBot, str]:
    bot = await fake_bot(plugins=[DatePoll, Meetings], clock=FakeClock("2024-02-20 12:00", "Europe/London"))
    return bot, bot.room(ALICE, BOB, CAROL, admins=[CAROL], bot_level=bot_level)


def _reminder(posted: list[Posted], title: str) -> Posted:
    [found] = [p for p in posted if p.msgtype == "m.text" and f"🔔 {title} is" in p.body]
    return found


async def test_reminders_mention_the_organiser_unless_notify_none(fake_bot: MakeFakeBot) -> None:
    bot, room = await _bot(fake_bot)
    bot.fake.rooms[room].users[ALICE].display_name = "<b>Al</b>"  # a display name is user text
    plain = await bot.say(room, ALICE, "!meeting Plain\nwhen: tomorrow 3pm\nremind: 1 hour")
    assert "Mentions: <b>Al</b>" in plain.body, "the confirmation says the organiser is mentioned"
    quiet = await bot.say(room, ALICE, "!meeting Quiet\nwhen: tomorrow 3pm\nremind: 1 hour\nnotify: none")
    assert "Mentions: nobody (notify: none): its reminders notify no one" in quiet.body
    await bot.react(room, CAROL, quiet.event_id, "👍")
    others = await bot.say(
        room, ALICE, "!meeting Others\nwhen: tomorrow 3pm\nremind: 1 hour\nnotify: only @bob:x"
    )
    assert "Mentions: bob" in others.body
    both = await bot.say(room, ALICE, "!meeting Both\nwhen: tomorrow 3pm\nremind: 1 hour\nnotify: @bob:x")
    assert "Mentions: <b>Al</b>, bob" in both.body

    bot.clock.set("2024-02-21 14:00", "Europe/London")
    posted = await bot.run_due()
    assert _reminder(posted, "Plain").mentions == [ALICE], "no notify: line still reaches the organiser"
    assert '<a href="https://matrix.to/#/@alice:x"><bdi>&lt;b&gt;Al&lt;/b&gt;</bdi></a>' in (
        _reminder(posted, "Plain").html
    ), "the organiser's pill shows the display name, escaped and isolated"
    assert _reminder(posted, "Quiet").mentions == [CAROL], "none drops the organiser, not who reacted 👍"
    assert _reminder(posted, "Others").mentions == [BOB]
    assert _reminder(posted, "Both").mentions == [ALICE, BOB]


async def test_an_edited_notify_line_decides_anew_and_none_with_people_is_refused(
    fake_bot: MakeFakeBot,
) -> None:
    bot, room = await _bot(fake_bot)
    await bot.say(room, ALICE, "!meeting Call\nwhen: tomorrow 3pm\nnotify: none")
    back = await bot.say(room, CAROL, "!meeting edit M1\nnotify: @bob:x")
    assert "Mentions: alice, bob" in back.body, "a notify: line without none brings the organiser back"
    mixed = await bot.say(room, ALICE, "!meeting edit M1\nnotify: none @bob:x")
    assert mixed.body == (
        "Line 2 (notify:): 'none' means nobody, not even the organiser: to mention some people but "
        "not yourself, write 'only' before them (e.g. notify: only @ann:example.org)."
    )


async def test_a_member_who_may_not_set_a_code_is_told_why_and_who_may(fake_bot: MakeFakeBot) -> None:
    bot, room = await _bot(fake_bot)
    await bot.say(room, ALICE, "!meeting Call\nwhen: tomorrow 3pm")
    refused = await bot.say(room, BOB, "!meeting code M1 123456")
    assert refused.body == (
        "Only alice (its organiser) or a room admin (carol) can set the access code of M1 "
        "(in a direct message to me). I removed your message."
    )
    assert refused.reply_to in bot.fake.redacted
    assert "<bdi>alice</bdi> (its organiser)" in refused.html and "(<bdi>carol</bdi>)" in refused.html
    assert await bot.replay(refused) == [], "handled again, the refusal is not posted twice"

    without_id = await bot.say(room, BOB, "!meeting code 123456")  # the room's only meeting is meant
    assert without_id.body.startswith("Only alice (its organiser) or a room admin (carol) can set")
    in_direct = await bot.say(bot.room(BOB), BOB, "!meeting code M1 123456")
    assert (
        in_direct.body == "Only alice (its organiser) or a room admin (carol) can set the access code of M1."
    )
    allowed = await bot.say(room, ALICE, "!meeting code M1 123456")
    assert allowed.body == (
        "I did not set the code: send it to me in a direct message instead, so the room does not see "
        "it: !meeting code ID CODE. I removed your message."
    ), "what was done and what was not, in one line"


async def test_a_removed_message_is_explained_when_nothing_was_done(fake_bot: MakeFakeBot) -> None:
    bot, room = await _bot(fake_bot)
    poll = await bot.say(
        room, ALICE, "!poll Social\n3pm Monday 26 February 2024\n3pm Tuesday 27 February 2024"
    )
    assert "P1" in poll.body
    early = await bot.say(room, ALICE, "!meeting from-poll P1\ncode: 486072")
    assert early.body.endswith(
        "Nothing was scheduled. I removed your message, since it showed the access code: "
        "send the code to me in a direct message (!meeting code ID CODE)."
    ), early.body
    assert "still open" in early.body and early.reply_to in bot.fake.redacted
    assert "486072" not in early.body
    assert await bot.replay(early) == []

    await bot.say(room, ALICE, "!meeting Call\nwhen: tomorrow 3pm")
    edit = await bot.say(room, BOB, "!meeting edit M1\ncode: 486072")
    assert edit.body.startswith(
        "Only alice (its organiser) or a room admin (carol) can edit M1. Nothing was changed."
    )
    assert "I removed your message" in edit.body

    low, unseen = await _bot(fake_bot, bot_level=0)  # the bot may not remove messages there
    shown = await low.say(unseen, ALICE, "!meeting from-poll P9\ncode: 486072")
    assert shown.body.endswith(
        "Nothing was scheduled. ⚠️ Your message shows the access code to everyone here, and I may "
        "not remove it: next time send the code to me in a direct message (!meeting code ID CODE)."
    )
    assert low.fake.redacted == []


async def test_a_room_mention_refusal_names_who_may(fake_bot: MakeFakeBot) -> None:
    bot, room = await _bot(fake_bot)
    refused = await bot.say(room, BOB, "!meeting All hands\nwhen: tomorrow 3pm\nnotify: @room")
    assert refused.body == (
        "You may not mention @room in this room, so the meeting's reminders may not either. "
        "Leave @room out, or let carol (who may) schedule it."
    )
