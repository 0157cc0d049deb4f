"""Run a bot with the Announcer plugin set to SIGKILL itself after its first post.

Usage: python -m tests.engine.crash_run HOMESERVER USER_ID PASSWORD DATA_DIR
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from matrixbot.config import Config
from matrixbot.engine.bot import Bot
from tests.engine.announcer import Announcer


async def main(homeserver: str, user_id: str, password: str, data_dir: str) -> None:
    config = Config(
        homeserver=homeserver,
        user_id=user_id,
        password=password,
        data_dir=Path(data_dir),
        default_plugins=("announcer",),
        plugins={"announcer": {"crash_after_send": True}},
    )
    bot = Bot(config, plugins=[Announcer])
    await bot.start()
    await bot.run_until_stopped()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
