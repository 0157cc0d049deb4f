"""`!calendar` and its addresses: random tokens kept only as hashes, one address per member (a new
one ends the old), working while its holder is in the room; `reset` and `off` end them at once."""

from __future__ import annotations

import hashlib
import logging
import re

import pytest

from matrixbot.calendar.addresses import TOKEN_BYTES
from matrixbot.testing.fakebot import FakeBot
from matrixbot.time import FakeClock
from tests.calendar.feeds import ALICE, BOB, CAROL, address_of, calendar_bot, get

APPS = ("Google Calendar", "Apple Calendar", "Thunderbird", "Outlook")


@pytest.fixture
async def bot(fake_bot) -> FakeBot:
    return await calendar_bot(fake_bot, FakeClock("2024-03-01 12:00", "Europe/London"))


@pytest.fixture
def room(bot: FakeBot) -> str:
    return bot.room(ALICE, BOB, CAROL, admins=[ALICE])


async def test_calendar_gives_the_webcal_and_https_addresses_and_how_to_add_them(bot, room):
    reply = await bot.say(room, BOB, "!calendar")
    https = re.search(r"(http://127\.0\.0\.1:\d+/calendar/([A-Za-z0-9_-]+)\.ics)", reply.body)
    assert https, reply.body
    url, token = https.groups()
    assert f"webcal://{url.removeprefix('http://')}" in reply.body
    page = re.search(re.escape(url.removesuffix(".ics")) + r"(\s|$)", reply.body)
    assert page, "the agenda page: the same address without .ics"
    assert all(app in reply.body for app in APPS), reply.body
    assert len(token) * 6 >= 128 and TOKEN_BYTES * 8 >= 128, "at least 128 random bits"
    assert (await get(url)).status == 200


async def test_only_a_hash_of_the_token_is_stored(bot, room):
    url = await address_of(bot, room, BOB)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    stored = await bot.database.fetch_all("SELECT token_hash, room_id, user_id FROM calendar_feeds")
    assert [tuple(r) for r in stored] == [(hashlib.sha256(token.encode()).hexdigest(), room, BOB)]
    if bot.database.path is None:
        return  # PostgreSQL: the server's files are out of the bot's reach; the table above holds no token
    files = [p for p in bot.config.data_dir.iterdir() if p.name.startswith("matrixbot.sqlite3")]
    assert files and not any(token.encode() in p.read_bytes() for p in files), (
        "the token is in no database file"
    )


async def test_asking_again_gives_a_new_address_and_ends_the_old(bot, room):
    first = await address_of(bot, room, BOB)
    again = await bot.say(room, BOB, "!calendar")
    assert "Your earlier address of it stops working now" in again.body
    second = re.search(r"http://\S+\.ics", again.body)
    assert second and second.group() != first
    assert (await get(first)).status == 404 and (await get(second.group())).status == 200
    assert (await get(await address_of(bot, room, CAROL))).status == 200, "each member has their own"
    assert (await get(second.group())).status == 200, "another member's address leaves Bob's working"


async def test_an_address_stops_working_when_its_holder_leaves_the_room(bot, room):
    url = await address_of(bot, room, BOB)
    del bot.fake.rooms[room].users[BOB]
    assert (await get(url)).status == 404


async def test_reset_is_for_room_admins_and_ends_every_address_at_once(bot, room):
    bobs, carols = await address_of(bot, room, BOB), await address_of(bot, room, CAROL)
    refused = await bot.say(room, BOB, "!calendar reset")
    assert "room admin" in refused.body and (await get(bobs)).status == 200

    reset = await bot.say(room, ALICE, "!calendar reset")

    assert "2 earlier addresses of this room's calendar stopped working" in reset.body
    assert (await get(bobs)).status == 404 and (await get(carols)).status == 404
    fresh = re.search(r"http://\S+\.ics", reset.body)
    assert fresh and (await get(fresh.group())).status == 200


async def test_off_ends_the_feed_until_an_admin_turns_it_on(bot, room):
    url = await address_of(bot, room, BOB)
    assert "room admin" in (await bot.say(room, BOB, "!calendar off")).body

    off = await bot.say(room, ALICE, "!calendar off")

    assert "This room's calendar is off; 1 address stopped working" in off.body
    assert (await get(url)).status == 404
    refused = await bot.say(room, BOB, "!calendar")
    assert (
        refused.body
        == "A room admin turned this room's calendar off; a room admin can turn it on with !calendar on."
    )
    assert "is on again" in (await bot.say(room, ALICE, "!calendar on")).body
    assert (await get(await address_of(bot, room, BOB))).status == 200


@pytest.mark.parametrize(
    ("listen", "public", "missing"),
    [(False, False, "sets http.listen and http.public_url"), (True, False, "sets http.public_url")],
)
async def test_a_bot_without_a_listener_or_public_address_says_what_to_configure(
    fake_bot, listen, public, missing
):
    clock = FakeClock("2024-03-01 12:00", "Europe/London")
    bot = await (
        calendar_bot(fake_bot, clock, public=public) if listen else fake_bot(plugins=[], clock=clock)
    )
    room = bot.room(ALICE, BOB, admins=[ALICE])
    for command in ("!calendar", "!calendar reset"):
        reply = await bot.say(room, ALICE, command)
        assert missing in reply.body and "\n" not in reply.body, reply.body
    assert await bot.database.fetch_value("SELECT COUNT(*) FROM calendar_feeds") == 0


async def test_no_log_line_shows_an_address(bot, room, debug_log):
    url = await address_of(bot, room, BOB)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    await get(url)
    logging.getLogger("matrixbot.test").warning("a client asked for %s", url)
    text = debug_log.getvalue()
    assert "a client asked for" in text and token not in text
