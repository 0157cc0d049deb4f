"""What the log says of a homeserver that cannot be reached: one line when it starts, one when it is
back with how long it was away, not a line per try (a try every 2 s once made 38 identical lines
of a 76 s outage, none saying when it was over). The reminder each minute: tests/matrix/test_outages.py.

The bot logs in through `FaultProxy`, which drops every connection for a few seconds first.
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from matrixbot.testing.testbot import TestBot
from tests.reliability.faultproxy import FaultProxy

DOWN_SECONDS = 6.0


@pytest.mark.slow
async def test_an_outage_at_log_in_is_one_line_and_its_end_another(synapse, account, tmp_path, caplog):
    proxy = FaultProxy(synapse.url, seed=1, rates={"drop": 1.0})
    await proxy.start()
    proxy.faulty = True
    bot = None
    try:
        with caplog.at_level(logging.INFO, logger="matrixbot.engine.bot"):
            starting = asyncio.create_task(
                TestBot.start(synapse, account("bot"), tmp_path / "bot", homeserver=proxy.url)
            )
            began = time.monotonic()
            await asyncio.sleep(DOWN_SECONDS)
            proxy.faulty = False
            bot = await asyncio.wait_for(starting, 30)
        tries = len(proxy.requests("/login"))
    finally:
        if bot is not None:
            await bot.stop()
        await proxy.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "matrixbot.engine.bot"]
    about_login = [line for line in lines if line.startswith("log in")]
    assert tries >= 4, f"the bot kept trying every couple of seconds: {tries} tries"
    assert len(about_login) == 2, f"one line as it starts, one as it ends, for {tries} tries: {about_login}"
    assert about_login[0].startswith("log in failed (homeserver unreachable"), about_login
    away = float(about_login[1].split(" after ")[1].split("s ")[0])
    assert about_login[1].startswith("log in works again after "), about_login
    assert DOWN_SECONDS - 1 <= away <= time.monotonic() - began + 1, about_login  # whole seconds
    assert "the homeserver was unreachable" in about_login[1], about_login
