"""A line's key may be typed in the room's words (`wann:` for `when:`), so a refusal about keys
names them in those words: the known keys, the one meant by a typo, the keys an edit takes."""

from __future__ import annotations

from matrixbot.plugins.meetings import Meetings
from matrixbot.plugins.signups import Signups

from matrixbot.testing import FakeClock, MakeFakeBot

ALICE = "@alice:x"


async def test_keys_are_named_in_the_room_s_words(fake_bot: MakeFakeBot) -> None:
    bot = await fake_bot(plugins=[Meetings, Signups], clock=FakeClock("2027-02-15 12:00", "Europe/Berlin"))
    room = bot.room(ALICE, "@bob:x", admins=[ALICE])
    await bot.say(room, ALICE, "!set language de")
    typo = await bot.say(room, ALICE, "!meeting Plan\nwenn: morgen 9 Uhr")
    assert typo.body.startswith(
        "Zeile 2: unbekannter Schlüssel „wenn:“; meintest du „wann:“? Bekannte Schlüssel: wann, dauer, url,"
    ), typo.body
    loose = await bot.say(room, ALICE, "!signup new Treffen\nwann: 20. März 10 Uhr\nirgendwas")
    assert "(Schlüssel: wann, wo, vorträge, plätze, schließt, länge)" in loose.body, loose.body
    await bot.say(room, ALICE, "!meeting Plan\nwann: morgen 9 Uhr")
    edit = await bot.say(room, ALICE, "!meeting edit M1")
    assert "(Schlüssel: titel, wann," in edit.body, edit.body


async def test_in_english_the_keys_read_as_before(fake_bot: MakeFakeBot) -> None:
    bot = await fake_bot(plugins=[Meetings])
    room = bot.room(ALICE, "@bob:x", admins=[ALICE])
    typo = await bot.say(room, ALICE, "!meeting Plan\nwehn: tomorrow 9am")
    assert "unknown key 'wehn:'; did you mean 'when:'? Known keys: when, duration, url," in typo.body
