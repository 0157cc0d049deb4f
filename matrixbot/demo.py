"""`matrixbot demo`: a throwaway homeserver, the bot, and a terminal chat with it.

Everything runs on loopback in a temporary folder that is removed on exit, so a second run starts
clean. The room has two people, alice (you) and bob, so it is not a direct chat. With
`--script FILE` it sends FILE's messages (separated by blank lines; `#wait N` pauses N seconds;
`bob: …` is said by bob) and prints everything the bot posts, whenever it comes: answers, and its
own posts during a `#wait` and up to a few seconds after the last step. Files show their name,
size and a preview.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from matrixbot.config import Config
from matrixbot.engine.bot import Bot
from matrixbot.engine.registry import discover
from matrixbot.engine.tasks import watch
from matrixbot.matrix.markup import FSI, PDI, html_to_text
from matrixbot.terminal import bracketed_paste, messages
from matrixbot.testing.chat import ChatClient, Seen
from matrixbot.testing.synapse import Synapse

ANSWER_TIMEOUT = 10.0
QUIET_AFTER_ANSWER = 1.0
AFTER_LAST_STEP = 3.0
"""Seconds the script waits after its last step for posts that come later (a `#wait` there adds to it)."""


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
    members: dict[str, ChatClient] = {}
    try:
        _status("starting a throwaway homeserver on loopback…", quiet=steps is not None)
        await asyncio.to_thread(synapse.start)
        bot_account = await asyncio.to_thread(synapse.register, "matrixbot")
        person = await asyncio.to_thread(synapse.register, "alice")
        second = await asyncio.to_thread(synapse.register, "bob")
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
            name="matrixbot demo", invite=[bot_account.user_id, second.user_id], encrypted=encrypted
        )
        # a second member, so the room is not a direct chat: leaked codes are redacted, nudges go to others
        bob = await ChatClient.connect(synapse.url, second, encrypted=encrypted, store_dir=workdir / "bob")
        members["bob"] = bob
        await bob.join(room_id)
        await chat.set_power_level(room_id, bot_account.user_id, 50)  # a moderator: it may redact
        await chat.wait_for(
            lambda e: (
                e.type == "m.room.member"
                and e.content.get("membership") == "join"
                and e.sender == bot_account.user_id
            ),
            timeout=30,
        )
        if steps is not None:
            await _run_script(chat, room_id, bot_account.user_id, steps, members)
        else:
            await _interactive(chat, room_id, bot_account.user_id, members)
        return 0
    finally:
        for client in (chat, *members.values()):
            if client is not None:
                await client.close()
        if bot is not None:
            await bot.stop()
        await asyncio.to_thread(synapse.stop)
        shutil.rmtree(workdir, ignore_errors=True)


def _status(text: str, *, quiet: bool) -> None:
    if not quiet:
        print(text, file=sys.stderr, flush=True)


def _from_bot(bot_user_id: str, room_id: str) -> Callable[[Seen], bool]:
    return lambda e: e.sender == bot_user_id and e.room_id == room_id and e.type != "m.room.member"


def speaker(step: str, members: dict[str, ChatClient], default: ChatClient) -> tuple[ChatClient, str, str]:
    """ "bob: !signup attend" is sent by the demo's second member; anything else by alice."""
    name, sep, rest = step.partition(": ")
    if sep and name.lower() in members:
        return members[name.lower()], rest, f"{name.lower()}> "
    return default, step, "> "


class Printer:
    """Prints everything the bot posts in the room, in order, whenever it comes (answers, and
    posts of its own: reminders during a `#wait`, announcements), files with a preview."""

    def __init__(self, chat: ChatClient, from_bot: Callable[[Seen], bool], *, numbered: bool = False) -> None:
        self.chat, self.from_bot, self.numbered = chat, from_bot, numbered
        self.count = 0
        self._new = asyncio.Condition()
        self.seen: dict[int, Seen] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(self.chat.mark()))
        watch(self._task, "showing the bot's posts")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self, mark: int) -> None:
        while True:
            event = await self.chat.next_event(self.from_bot, timeout=3600, after=mark)
            if event is None:
                continue
            mark = event.position + 1
            self.count += 1
            self.seen[self.count] = event
            tag = f"[{self.count}] " if self.numbered else ""
            for number, line in enumerate(await describe(self.chat, event)):
                print(f"< {tag if number == 0 else ' ' * len(tag)}{line}", flush=True)
            async with self._new:
                self._new.notify_all()

    async def settle(
        self, before: int, first: float = ANSWER_TIMEOUT, quiet: float = QUIET_AFTER_ANSWER
    ) -> None:
        """Wait for a post after `before` (at most `first` seconds), then until `quiet` seconds pass without one."""
        if await self._posted_after(before, first):
            while await self._posted_after(self.count, quiet):
                pass

    async def _posted_after(self, count: int, timeout: float) -> bool:
        try:
            async with self._new:
                await asyncio.wait_for(self._new.wait_for(lambda: self.count > count), timeout)
        except TimeoutError:
            return False
        return True


async def describe(chat: ChatClient, event: Seen) -> list[str]:
    """The lines a person sees of one post: its text with tables lined up, or a file with its
    name, size and a preview."""
    if event.msgtype == "m.file":
        info = event.content.get("info") or {}
        data = await _download(chat, event.content)
        size = info.get("size", len(data) if data is not None else "?")
        head = f"[file {event.body}, {size} bytes, {info.get('mimetype', 'unknown type')}]"
        return [head, *(f"  {line}" for line in preview(event.body, data or b""))]
    if event.type == "m.room.redaction":
        reason = event.content.get("reason")
        return [f"[removed a message{': ' + str(reason) if reason else ''}]"]
    content = event.content
    if event.relates_to.get("rel_type") == "m.replace" and isinstance(content.get("m.new_content"), dict):
        content = content["m.new_content"]  # an edit (e.g. a poll's live tally): show the new text
    text = str(content.get("body") or f"[{event.type}]").replace(FSI, "").replace(PDI, "")
    if content is not event.content:
        text = f"(edited) {text}"
    html = content.get("formatted_body")
    if isinstance(html, str) and "<table" in html:
        text = align_tables(text, html)
    return text.split("\n")


async def _download(chat: ChatClient, content: dict[str, object]) -> bytes | None:
    """The file's bytes (decrypted in an encrypted room), or None when it cannot be fetched."""
    file = content.get("file")
    url = file.get("url") if isinstance(file, dict) else content.get("url")
    if not isinstance(url, str):
        return None
    response = await chat.nio.download(url)
    body = getattr(response, "body", None)
    if not isinstance(body, bytes):
        return None
    if isinstance(file, dict):
        from nio.crypto.attachments import decrypt_attachment

        try:
            plain: bytes = decrypt_attachment(body, file["key"]["k"], file["hashes"]["sha256"], file["iv"])
        except (KeyError, ValueError, TypeError):
            return None
        return plain
    return body


PREVIEW_LINES = 4


def preview(name: str, data: bytes) -> list[str]:
    """The first lines of a CSV file; an iCalendar file's events (summary, start with its zone, rule)."""
    text = data.decode("utf-8", errors="replace")
    if name.lower().endswith(".ics") or text.startswith("BEGIN:VCALENDAR"):
        unfolded = text.replace("\r\n ", "").replace("\n ", "").splitlines()
        lines: list[str] = []
        in_event = False
        for line in unfolded:
            key, _, value = line.partition(":")
            field = key.split(";")[0]
            if line in ("BEGIN:VEVENT", "END:VEVENT"):
                in_event = line == "BEGIN:VEVENT"
            elif not in_event:
                continue  # a VTIMEZONE's own DTSTART and RRULE are not the event's
            elif field == "SUMMARY":
                lines.append(f"event: {value}")
            elif field == "DTSTART":
                zone = next(
                    (p[5:] for p in key.split(";") if p.startswith("TZID=")),
                    "UTC" if value.endswith("Z") else "",
                )
                lines.append(f"start: {value}{' ' + zone if zone else ''}")
            elif field == "RRULE":
                lines.append(f"repeats: {value}")
        return lines
    rows = text.splitlines()
    more = [f"… {len(rows) - PREVIEW_LINES} more lines"] if len(rows) > PREVIEW_LINES else []
    return rows[:PREVIEW_LINES] + more


def align_tables(text: str, html: str) -> str:
    """Line up the columns of the tables in a post: each row's cells padded to their column's width."""
    for table in re.findall(r"<table.*?</table>", html, flags=re.S):
        rows = [
            [
                html_to_text(cell).replace(FSI, "").replace(PDI, "")
                for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
            ]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
        ]
        widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(max(map(len, rows), default=0))]
        for row in rows:
            plain = "  ".join(row).rstrip()
            aligned = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
            text = text.replace(plain, aligned, 1)
    return text


async def _run_script(
    chat: ChatClient, room_id: str, bot_user_id: str, steps: list[str | float], members: dict[str, ChatClient]
) -> None:
    printer = Printer(chat, _from_bot(bot_user_id, room_id))
    printer.start()
    try:
        for step in steps:
            if isinstance(step, float):
                await asyncio.sleep(step)  # the bot's own posts meanwhile are printed as they come
                continue
            client, text, prompt = speaker(step, members, chat)
            for line in text.split("\n"):
                print(f"{prompt}{line}", flush=True)
            before = printer.count
            await client.say(room_id, text)
            await printer.settle(before)
        await printer.settle(printer.count, first=AFTER_LAST_STEP)  # what comes a few seconds later
    finally:
        await printer.stop()


DEMO_HELP = """Demo commands (everything else is sent to the room as alice):
  /help            this list
  /react N 👍      react to the bot's post [N] (e.g. /react 3 2️⃣ to vote for option 2)
  /tick N 2 3      tick options 2 and 3 of the native poll [N]
  bob: TEXT        say TEXT as bob, the room's second member
  /quit            leave (or Ctrl-D)
A message of several lines: paste it and press Enter (the whole paste is one message, whether or
not its last line ends with a newline), or end a line with \\ to continue it on the next."""


async def _interactive(
    chat: ChatClient, room_id: str, bot_user_id: str, members: dict[str, ChatClient]
) -> None:
    print(
        "You are alice in a room with the bot and bob. Type !help for the bot's commands, /help for "
        "the demo's. Paste several lines and press Enter, or end a line with \\, to send one message "
        "of several lines; Ctrl-D or /quit leaves.",
        flush=True,
    )
    printer = Printer(chat, _from_bot(bot_user_id, room_id), numbered=True)
    printer.start()
    try:
        with bracketed_paste(sys.stdin, sys.stdout):
            async for message in messages(sys.stdin):
                if message.strip() == "/quit":
                    return
                if message.strip():
                    await _handle(message.strip(), chat, room_id, members, printer)
    finally:
        await printer.stop()


async def _handle(
    message: str, chat: ChatClient, room_id: str, members: dict[str, ChatClient], printer: Printer
) -> None:
    words = message.split()
    if words[0] == "/help":
        print(DEMO_HELP, flush=True)
        return
    if words[0] in ("/react", "/tick"):
        target = printer.seen.get(int(words[1])) if len(words) > 2 and words[1].isdigit() else None
        if target is None:
            print(
                f"! say which post, by its [N]: {words[0]} N {'👍' if words[0] == '/react' else '2 3'}",
                flush=True,
            )
        elif words[0] == "/react":
            await chat.react(room_id, target.event_id, words[2])
        elif target.type != POLL_START:
            print(f"! [{words[1]}] is not a native poll", flush=True)
        else:
            relation = {"rel_type": "m.reference", "event_id": target.event_id}
            await chat.send(
                room_id, POLL_RESPONSE, {"m.relates_to": relation, POLL_RESPONSE: {"answers": words[2:]}}
            )
        return
    client, text, _ = speaker(message, members, chat)
    await client.say(room_id, text)


POLL_START = "org.matrix.msc3381.poll.start"
POLL_RESPONSE = "org.matrix.msc3381.poll.response"
