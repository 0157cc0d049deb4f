"""Can one message freeze the bot? `python -m bench.freeze` (on FakeBot: the real core, no homeserver).

Times `!remind 1 1 1 … x` and `!busy add 1 1 1 … x` at 100, 200, 400 and 600 words, then sends
another room's `!help` 50 ms after a 600-word `!remind` (and after a 20-option poll of 100-character
lines) and prints how long that `!help` waited. Issue 13 measured 0.59 / 2.17 / 9.66 s and a
19.5 s wait before the parser was bounded and moved off the event loop.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings

from matrixbot.testing.fakebot import FakeBot
from matrixbot.time import FakeClock


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock("2024-02-20 12:00", "Europe/London")
        bot = await FakeBot.create(Path(tmp), plugins=[DatePoll, Meetings], clock=clock)
        room, other = bot.room("@alice:x"), bot.room("@bob:x")
        await bot.say(room, "@alice:x", "!remind tomorrow 9am warm up")  # dateparser loaded
        for words in (100, 200, 400, 600):
            for command in ("remind", "busy add"):
                text = f"!{command} " + " ".join(["1"] * words) + " x"
                began = time.perf_counter()
                reply = await bot.say(room, "@alice:x", text)
                took = time.perf_counter() - began
                print(f"!{command} {words} words: {took:.3f} s -> {reply.body[:70]!r}", flush=True)
        poll = "!poll Worst\n" + "\n".join([" ".join(["1"] * 49) + " x"] * 20)
        for label, text in (
            ("600-word !remind", "!remind " + " ".join(["1"] * 600) + " x"),
            ("20-option !poll of 100-character lines", poll),
        ):
            began = time.perf_counter()
            slow = asyncio.create_task(bot.say(room, "@alice:x", text))
            await asyncio.sleep(0.05)  # on a frozen loop this sleep itself lasts until the parse ends
            await bot.say(other, "@bob:x", "!help")
            waited = time.perf_counter() - (began + 0.05)
            await slow
            print(f"{label}: another room's !help, sent 50 ms in, waited {waited:.3f} s", flush=True)
        await bot.stop()


if __name__ == "__main__":
    asyncio.run(main())
