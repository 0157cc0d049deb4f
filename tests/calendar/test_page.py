"""The agenda page: the room's coming meetings and gatherings in its zone (named), repeats and skips
resolved, a subscribe link, user text escaped, a strict Content-Security-Policy, in the language
of the address's holder (theirs, else the room's) with CLDR dates; read in a real
browser (Debian's Chromium, headless): its DOM in the normal suite, a phone-sized screenshot in
the slow one."""

from __future__ import annotations

import asyncio
import re
import shutil
import struct
import zlib
from pathlib import Path

import pytest

from matrixbot.testing.fakebot import FakeBot
from matrixbot.time import FakeClock
from tests.calendar.feeds import ALICE, BOB, address_of, calendar_bot, get

HOSTILE = '<script>document.title="owned"</script><img src=x onerror=alert(1)>'
LONG = "Quarterlygeneralassemblyofthehousingandfoodcooperatives" * 3  # no place to break a line
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


@pytest.fixture
async def bot(fake_bot) -> FakeBot:
    return await calendar_bot(
        fake_bot, FakeClock("2024-03-20 12:00", "Europe/London"), timezone="Europe/London"
    )


@pytest.fixture
async def page_url(bot: FakeBot) -> str:
    room = bot.room(ALICE, BOB, admins=[ALICE])
    await bot.say(
        room,
        ALICE,
        "!meeting Planning call\nwhen: Tuesday 26 March 2024 3pm\nrepeat: weekly\nurl: https://meet.example.coop/plan",
    )
    await bot.say(room, ALICE, "!meeting skip M1")
    await bot.say(room, ALICE, f"!meeting {HOSTILE}\nwhen: Thursday 28 March 2024 6pm\nduration: 90 minutes")
    await bot.say(
        room, ALICE, f"!signup new {LONG}\nwhen: 6 April 2024 2pm-5pm\nwhere: Town hall\nplaces: 10"
    )
    return (await address_of(bot, room, BOB)).removesuffix(".ics")


async def test_the_page_lists_coming_occurrences_in_the_rooms_zone_with_a_strict_csp(page_url):
    page = await get(page_url)
    assert page.status == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "'unsafe-inline'" not in csp
    assert page.headers["referrer-policy"] == "no-referrer"
    html = page.text
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert "Times are in <b>Europe/London</b> (GMT)" in html
    rows = re.findall(r"<h2><time[^>]*>([^<]+)</time></h2><ul>(.*?)</ul>", html, re.S)
    days = [day for day, _ in rows]
    assert days[:5] == [
        "Tue 26 Mar 2024",
        "Thu 28 Mar 2024",
        "Tue 2 Apr 2024",
        "Sat 6 Apr 2024",
        "Tue 9 Apr 2024",
    ]
    first = dict(rows)["Tue 26 Mar 2024"]
    assert 'class="off"' in first and "(skipped)" in first and "15:00–16:00" in first
    after_summer_time = dict(rows)["Tue 2 Apr 2024"]
    assert "15:00–16:00</time> BST" in after_summer_time and "meet.example.coop/plan" in after_summer_time
    assert 'href="webcal://' in html and 'rel="noreferrer noopener"' in html


async def test_a_cancelled_meeting_is_shown_as_cancelled(bot, page_url):
    room = next(iter(bot.fake.rooms))
    assert "(cancelled)" not in (await get(page_url)).text
    await bot.say(room, ALICE, "!meeting cancel M2")
    html = (await get(page_url)).text
    row = re.search(r'<li class="off" data-uid="M2\.[^"]*">.*?</li>', html)
    assert row and "&lt;script" in row.group() and "(cancelled)" in row.group()


async def test_the_page_is_in_the_holders_language_else_the_rooms(bot, page_url):
    """Bob's address gives the page in his own language (German, in an English room), its dates from
    CLDR; Alice chose none, so hers is in the room's: English, then Spanish once the room says so.
    (The items' own words are the plugins', in the room's language.)"""
    room = next(iter(bot.fake.rooms))
    await bot.say(room, BOB, "!set my language de")
    await bot.say(room, ALICE, "!signup new Clean-up day\nwhen: 13 April 2024\nplaces: 5")
    assert "(abgesagt)" not in (await get(page_url)).text
    await bot.say(room, ALICE, "!meeting cancel M2")

    html = (await get(page_url)).text

    assert html.startswith('<!doctype html><html lang="de">') and "<title>!fake1: Kalender</title>" in html
    assert (
        "<p>Das steht in den nächsten 8 Wochen an. "
        "Die Zeiten sind in <b>Europe/London</b> (GMT) angegeben.</p>" in html
    )
    assert ">In deiner Kalender-App abonnieren</a> " in html and ">herunterladen (.ics)</a>" in html
    rows = dict(re.findall(r"<h2><time[^>]*>([^<]+)</time></h2><ul>(.*?)</ul>", html, re.S))
    assert list(rows)[:4] == [
        "Di., 26. März 2024",
        "Do., 28. März 2024",
        "Di., 2. Apr. 2024",
        "Sa., 6. Apr. 2024",
    ]
    assert (
        "meeting (entfällt)" in rows["Di., 26. März 2024"]
        and "15:00–16:00</time> GMT" in rows["Di., 26. März 2024"]
    )
    assert "meeting (abgesagt)" in rows["Do., 28. März 2024"]
    assert '<span class="time">ganztägig</span>' in rows["Sa., 13. Apr. 2024"]

    alices = (await address_of(bot, room, ALICE)).removesuffix(".ics")
    english = (await get(alices)).text
    assert english.startswith('<!doctype html><html lang="en">') and "Sat 13 Apr 2024" in english
    await bot.say(room, ALICE, "!set language es")
    spanish = (await get(alices)).text
    assert (
        spanish.startswith('<!doctype html><html lang="es">')
        and "<title>!fake1: calendario</title>" in spanish
    )
    assert ">sáb, 13 abr 2024</time>" in spanish and '<span class="time">todo el día</span>' in spanish
    assert ">Di., 26. März 2024</time>" in (await get(page_url)).text, "Bob's own language still wins"


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        pytest.skip(
            "chromium is not installed: the page is read in Debian's Chromium (apt-get install chromium; .ci/run does)"
        )
    return found


async def browse(*args: str, tmp_path: Path) -> bytes:
    process = await asyncio.create_subprocess_exec(
        chromium(),
        *CHROMIUM_FLAGS,
        f"--user-data-dir={tmp_path / 'chromium'}",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()[-2000:]
    return out


async def test_chromium_shows_the_page_as_served(page_url, tmp_path):
    dom = (await browse("--dump-dom", page_url, tmp_path=tmp_path)).decode()
    assert "<title>!fake1: calendar</title>" in dom
    assert "owned" not in re.sub(r"&lt;script&gt;.*?&lt;/script&gt;", "", dom), "no script ran"
    assert "<script" not in dom and "<img" not in dom, "user text stayed text"
    assert dom.count('data-uid="M1.meetings.') >= 8, "the weekly meeting, resolved over eight weeks"
    assert re.search(
        r'<li class="off" data-uid="M1\.meetings\.[^"]*"><span class="time"><time datetime="2024-03-26T15:00:00\+00:00">',
        dom,
    )
    assert "Town hall" in dom and "10 of 10 places left" in dom
    subscribe = re.search(r'<a class="subscribe" href="(webcal://[^"]+)"', dom)
    assert subscribe and subscribe.group(1).endswith(".ics")


async def test_chromium_reads_the_page_in_the_holders_language(bot, page_url, tmp_path):
    await bot.say(next(iter(bot.fake.rooms)), BOB, "!set my language fr")
    dom = (await browse("--dump-dom", page_url, tmp_path=tmp_path)).decode()
    assert '<html lang="fr">' in dom and "<title>!fake1 : calendrier</title>" in dom
    assert ">mar. 26 mars 2024</time>" in dom and "(pas cette fois)" in dom
    assert ">Abonne-toi dans ton appli de calendrier</a>" in dom


@pytest.mark.slow
async def test_a_phone_sized_screenshot_shows_the_page_within_the_screen(page_url, tmp_path):
    shot = tmp_path / "agenda.png"
    await browse(f"--screenshot={shot}", "--window-size=390,844", page_url, tmp_path=tmp_path)
    width, height, rows = read_png(shot.read_bytes())
    assert (width, height) == (390, 844)
    background = rows[0][0]
    assert sum(pixel != background for row in rows for pixel in row) > 2000, "the page drew something"
    right_margin = {row[x] for row in rows for x in range(width - 6, width)}
    assert right_margin == {background}, "nothing runs past the right edge: long titles wrap on a phone"


def read_png(data: bytes) -> tuple[int, int, list[list[bytes]]]:
    """Width, height and the pixels (as bytes per pixel) of an 8-bit RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        chunks.append((data[at + 4 : at + 8], data[at + 8 : at + 8 + length]))
        at += 12 + length
    header = dict(chunks)[b"IHDR"]
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and color in (2, 6), (depth, color)
    size = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride, previous, rows = width * size, bytearray(width * size), []
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - size] if i >= size else 0
            up, corner = previous[i], previous[i - size] if i >= size else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append([bytes(line[x : x + size]) for x in range(0, stride, size)])
        previous = line
    return width, height, rows
