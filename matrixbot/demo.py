"""`matrixbot demo`: a throwaway homeserver, the bot, and a terminal chat with it.

Everything runs on loopback in a temporary folder that is removed on exit, so a second run starts
clean. With `--script FILE` it sends FILE's messages (separated by blank lines; `#wait N` pauses
N seconds), waits after each for the bot's answers (up to 10 s) and prints the transcript.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from matrixbot.config import Config
from matrixbot.engine.bot import Bot
from matrixbot.engine.registry import discover
from matrixbot.engine.tasks import watch
from matrixbot.testing.chat import ChatClient, Seen
from matrixbot.testing.synapse import Synapse

ANSWER_TIMEOUT = 10.0
QUIET_AFTER_ANSWER = 1.5


def parse_script(text: str) -> list[str | float]:
    """Messages (blank-line separated) and waits (`#wait N` → N seconds)."""
    steps: list[str | float] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.rstrip() for line in block.strip("\n").split("\n")]
        message: list[str] = []
        for line in lines:
            if line.strip().lower().startswith("#wait"):
                if message:
                    steps.append("\n".join(message))
                    message = []
                steps.append(float(line.split()[1]) if len(line.split()) > 1 else 1.0)
            elif line.strip():
                message.append(line)
        if message:
            steps.append("\n".join(message))
    return steps


async def run_demo(*, script: Path | None = None, encrypted: bool = False) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    steps = parse_script(await asyncio.to_thread(script.read_text, encoding="utf-8")) if script else None
    workdir = Path(tempfile.mkdtemp(prefix="matrixbot-demo-"))
    synapse = Synapse(workdir / "synapse")
    bot: Bot | None = None
    chat: ChatClient | None = None
    try:
        _status("starting a throwaway homeserver on loopback…", quiet=steps is not None)
        await asyncio.to_thread(synapse.start)
        bot_account = await asyncio.to_thread(synapse.register, "matrixbot")
        person = await asyncio.to_thread(synapse.register, "alice")
        config = Config(
            homeserver=synapse.url,
            user_id=bot_account.user_id,
            password=bot_account.password,
            data_dir=workdir / "bot",
            default_plugins=tuple(cls.name for cls in discover()),
            timezone="Europe/London",
            owners=(person.user_id,),
        )
        bot = Bot(config)
        await bot.start()
        chat = await ChatClient.connect(synapse.url, person, encrypted=encrypted, store_dir=workdir / "alice")
        room_id = await chat.create_room(
            name="matrixbot demo", invite=[bot_account.user_id], encrypted=encrypted
        )
        await chat.wait_for(
            lambda e: (
                e.type == "m.room.member"
                and e.content.get("membership") == "join"
                and e.sender == bot_account.user_id
            ),
            timeout=30,
        )
        if steps is not None:
            await _run_script(chat, room_id, bot_account.user_id, steps)
        else:
            await _interactive(chat, room_id, bot_account.user_id)
        return 0
    finally:
        if chat is not None:
            await chat.close()
        if bot is not None:
            await bot.stop()
        await asyncio.to_thread(synapse.stop)
        shutil.rmtree(workdir, ignore_errors=True)


def _status(text: str, *, quiet: bool) -> None:
    if not quiet:
        print(text, file=sys.stderr, flush=True)


def _print_answer(event: Seen) -> None:
    text = event.body or f"[{event.type}]"
    for line in text.split("\n"):
        print(f"< {line}", flush=True)


def _from_bot(bot_user_id: str, room_id: str) -> Callable[[Seen], bool]:
    return lambda e: e.sender == bot_user_id and e.room_id == room_id and e.type != "m.room.member"


async def _run_script(chat: ChatClient, room_id: str, bot_user_id: str, steps: list[str | float]) -> None:
    from_bot = _from_bot(bot_user_id, room_id)
    for step in steps:
        if isinstance(step, float):
            await asyncio.sleep(step)
            continue
        for line in step.split("\n"):
            print(f"> {line}", flush=True)
        mark = chat.mark()
        await chat.say(room_id, step)
        timeout = ANSWER_TIMEOUT
        while True:
            event = await chat.next_event(from_bot, timeout=timeout, after=mark)
            if event is None:
                break
            _print_answer(event)
            mark = event.position + 1
            timeout = QUIET_AFTER_ANSWER


async def _interactive(chat: ChatClient, room_id: str, bot_user_id: str) -> None:
    print(
        "You are alice in a room with the bot. Type !help. End a line with \\ to continue a message "
        "on the next line; Ctrl-D or /quit leaves.",
        flush=True,
    )
    from_bot = _from_bot(bot_user_id, room_id)

    async def show_answers() -> None:
        mark = chat.mark()
        while True:
            event = await chat.next_event(from_bot, timeout=3600, after=mark)
            if event is None:
                continue
            _print_answer(event)
            mark = event.position + 1

    printer = asyncio.get_running_loop().create_task(show_answers())
    watch(printer, "showing the bot's answers")
    try:
        lines: list[str] = []
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line or line.strip() == "/quit":
                return
            line = line.rstrip("\n")
            if line.endswith("\\"):
                lines.append(line[:-1])
                continue
            lines.append(line)
            message = "\n".join(lines).strip()
            lines = []
            if message:
                await chat.say(room_id, message)
    finally:
        printer.cancel()
        await asyncio.gather(printer, return_exceptions=True)
