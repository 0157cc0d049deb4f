"""The listener serves feeds well: ETag and 304, Cache-Control, HEAD, a plain 404 for anything
wrong, rate limits per address and per client (behind a trusted proxy too), feeds written off the
event loop and kept by ETag, bounded work at once; /health and /metrics as before."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest

from matrixbot import CalendarItem, Plugin
from matrixbot.calendar import http, service
from matrixbot.calendar.ics import render_ics
from matrixbot.config import Config
from matrixbot.engine.health import HealthServer
from matrixbot.testing.fakebot import FakeBot
from matrixbot.time import FakeClock
from tests.calendar.feeds import ALICE, BOB, CAROL, address_of, calendar_bot, events, get
from tests.ops.test_processes import free_port

CLOCK = "2024-03-01 12:00"


class Board(Plugin):
    """A plugin that puts one item on the calendar; a test can make it fail, or make it wait."""

    name = "board"
    failing = False
    gate: asyncio.Event | None = None
    asked = 0

    async def calendar_items(self, room_id: str, start: datetime, end: datetime) -> list[CalendarItem]:
        Board.asked += 1
        if Board.gate is not None:
            await Board.gate.wait()
        if Board.failing:
            raise RuntimeError("the board's store is broken")
        at = datetime(2024, 3, 10, 10, tzinfo=UTC)
        return [CalendarItem("B1", "Board meeting", at, at + timedelta(hours=1), "UTC", kind="meeting")]


@pytest.fixture(autouse=True)
def fresh_board():
    Board.failing, Board.gate, Board.asked = False, None, 0


async def board_bot(fake_bot, **settings) -> FakeBot:
    return await calendar_bot(fake_bot, FakeClock(CLOCK, "Europe/London"), plugins=[Board], **settings)


@pytest.fixture
async def bot(fake_bot) -> FakeBot:
    return await board_bot(fake_bot)


@pytest.fixture
def room(bot: FakeBot) -> str:
    return bot.room(ALICE, BOB, CAROL, admins=[ALICE])


def base(bot: FakeBot) -> str:
    assert bot.config.http_public_url
    return bot.config.http_public_url


async def test_an_unchanged_feed_is_a_304_and_a_changed_one_a_new_etag(bot, room):
    url = await address_of(bot, room, BOB)
    first = await get(url)
    etag = first.headers["etag"]
    assert first.status == 200 and first.headers["cache-control"] == "private, no-cache"
    assert first.headers["referrer-policy"] == "no-referrer"

    again = await get(url, {"If-None-Match": etag})
    assert again.status == 304 and again.body == b"" and again.headers["etag"] == etag
    assert again.headers["cache-control"] == "private, no-cache"
    assert (await get(url, {"If-None-Match": f'"other", W/{etag}'})).status == 304

    await bot.say(room, ALICE, "!set timezone Europe/Berlin")
    changed = await get(url, {"If-None-Match": etag})
    assert changed.status == 200 and changed.headers["etag"] != etag
    assert b"X-WR-TIMEZONE:Europe/Berlin" in changed.body


async def test_head_gives_the_headers_of_get_without_the_body(bot, room):
    url = await address_of(bot, room, BOB)
    full, head = await get(url), await get(url, method="HEAD")
    assert head.status == 200 and head.body == b""
    assert (
        head.headers["content-length"] == str(len(full.body)) and head.headers["etag"] == full.headers["etag"]
    )


async def test_anything_wrong_is_the_listeners_plain_404(bot, room):
    url = await address_of(bot, room, BOB)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    unknown = "A" * len(token)
    plain = (await get(f"{base(bot)}/nothing-here")).raw
    assert plain.startswith(b"HTTP/1.1 404 Not Found\r\n")
    for path in (
        f"/calendar/{unknown}.ics",
        f"/calendar/{unknown}",
        "/calendar/short.ics",
        f"/calendar/{token}.ics.x",
        f"/calendar/{token}.json",
        "/calendar/",
        "/calendar/../health",
    ):
        assert (await get(base(bot) + path)).raw == plain, path
    assert (await get(url, method="POST")).status == 405


async def test_health_and_metrics_answer_as_before(bot, room):
    await get(await address_of(bot, room, BOB))
    health = await get(f"{base(bot)}/health")
    assert health.status in (200, 503) and health.headers["content-type"] == "application/json"
    assert b'"scheduler"' in health.body
    metrics = await get(f"{base(bot)}/metrics")
    assert metrics.status == 200 and b"matrixbot_" in metrics.body
    assert (await get(f"{base(bot)}/health", method="POST")).status == 405


async def test_fetches_are_limited_per_address(fake_bot, monkeypatch):
    monkeypatch.setattr(http, "ADDRESS_BURST", 3)
    bot = await board_bot(fake_bot)
    room = bot.room(ALICE, BOB, CAROL)
    bobs, carols = await address_of(bot, room, BOB), await address_of(bot, room, CAROL)
    statuses = [(await get(bobs)).status for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = await get(bobs)
    assert limited.status == 429 and int(limited.headers["retry-after"]) >= 1
    assert (await get(carols)).status == 200, "another address has its own share"


async def test_fetches_are_limited_per_client_behind_a_trusted_proxy(fake_bot, monkeypatch):
    monkeypatch.setattr(http, "CLIENT_BURST", 2)
    bot = await board_bot(fake_bot)
    room = bot.room(ALICE, BOB, CAROL)
    url = await address_of(bot, room, BOB)
    one, two = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "198.51.100.9, 127.0.0.1"}
    assert [(await get(url, one)).status for _ in range(3)] == [200, 200, 429]
    assert (await get(url, two)).status == 200, "a client behind the same proxy has its own share"
    assert (await get(f"{base(bot)}/calendar/{'A' * 32}.ics", one)).status == 429, "guesses count too"


async def test_forwarded_for_is_ignored_from_a_proxy_not_trusted(fake_bot, monkeypatch):
    monkeypatch.setattr(http, "CLIENT_BURST", 2)
    bot = await board_bot(fake_bot, http_trusted_proxies=("10.0.0.0/8",))
    url = await address_of(bot, bot.room(ALICE, BOB), BOB)
    statuses = [(await get(url, {"X-Forwarded-For": f"203.0.113.{n}"})).status for n in range(3)]
    assert statuses == [200, 200, 429], "a client cannot pick its own address to escape the limit"


async def test_the_feed_is_written_off_the_event_loop_and_kept_by_its_etag(bot, room, monkeypatch):
    threads: list[threading.Thread] = []
    original = render_ics

    def render(*args, **kwargs):
        threads.append(threading.current_thread())
        return original(*args, **kwargs)

    monkeypatch.setattr(service, "render_ics", render)
    url = await address_of(bot, room, BOB)
    first, second = await get(url), await get(url)
    assert first.body == second.body
    assert len(threads) == 1, "written once: the second fetch was served as written for its ETag"
    assert threads[0] is not threading.main_thread()


async def test_a_failing_plugin_is_served_as_before_and_a_plugin_turned_off_is_cancelled(bot, room, caplog):
    url = await address_of(bot, room, BOB)
    before = next(iter(events((await get(url)).body).values()))
    Board.failing = True
    during = next(iter(events((await get(url)).body).values()))
    assert during.status == "CONFIRMED" and during.sequence == before.sequence
    assert "board could not say what is on a room's calendar" in caplog.text
    Board.failing = False
    await bot.say(room, ALICE, "!disable board")
    after = next(iter(events((await get(url)).body).values()))
    assert after.status == "CANCELLED" and after.sequence == before.sequence + 1


async def test_at_most_a_few_calendars_are_gathered_at_once_and_health_still_answers(bot):
    rooms = [bot.room(ALICE, BOB) for _ in range(http.MAX_AT_ONCE + 1)]
    urls = [await address_of(bot, room, BOB) for room in rooms]
    Board.gate = asyncio.Event()
    waiting = [asyncio.create_task(get(url)) for url in urls[:-1]]
    while Board.asked < http.MAX_AT_ONCE:  # noqa: ASYNC110 (each room's calendar is gathered, then waits)
        await asyncio.sleep(0.01)
    busy = await get(urls[-1])
    assert busy.status == 503 and busy.headers["retry-after"] == "5"
    assert (await get(f"{base(bot)}/health")).headers["content-type"] == "application/json"
    Board.gate.set()
    assert [a.status for a in await asyncio.gather(*waiting)] == [200] * http.MAX_AT_ONCE


async def test_the_same_key_in_two_rooms_is_two_uids(bot):
    """A key need be unique among a plugin's items in its room only: a member who subscribes to two
    rooms' calendars gets two events, not one that each calendar takes for the other's."""
    first, second = bot.room(ALICE, BOB), bot.room(ALICE, BOB)
    uids = [set(events((await get(await address_of(bot, room, BOB))).body)) for room in (first, second)]
    assert all(len(u) == 1 and next(iter(u)).startswith("B1.board.") for u in uids)
    assert uids[0] != uids[1]


async def test_calendars_are_a_503_until_the_bot_knows_its_rooms(tmp_path):
    """The listener starts before the login; until the first sync, no holder's membership can be
    checked, so a calendar app is asked to come back rather than told its address is gone (404)."""
    config = Config(
        homeserver="http://fake.invalid", user_id="@bot:fake", password="unused", data_dir=tmp_path
    )
    port = free_port()
    server = await HealthServer.start(FakeBot(config), "127.0.0.1", port)
    try:
        early = await get(f"http://127.0.0.1:{port}/calendar/{'A' * 32}.ics")
        assert early.status == 503 and early.headers["retry-after"] == "10"
    finally:
        await server.stop()
