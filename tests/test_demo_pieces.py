"""The demo's own pieces, without a homeserver: previews of uploads, lined-up tables, pasted lines."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import subprocess
import sys
import time
from typing import Any

from matrixbot.demo import DEMO_HELP, align_tables, preview, speaker
from matrixbot.matrix.markup import Message
from matrixbot.terminal import PASTE_END, PASTE_START, next_message
from matrixbot.testing.chat import ChatClient

ICS = (
    "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/London\r\nBEGIN:STANDARD\r\nDTSTART:19701025T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nSUMMARY:Planning call\r\n"
    "DTSTART;TZID=Europe/London:20270302T150000\r\nRRULE:FREQ=WEEKLY;INTERVAL=2\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_an_ics_file_is_previewed_by_its_event_start_with_zone_and_rule():
    assert preview("meeting-M1.ics", ICS.encode()) == [
        "event: Planning call",
        "start: 20270302T150000 Europe/London",
        "repeats: FREQ=WEEKLY;INTERVAL=2",
    ]


def test_a_csv_file_is_previewed_by_its_first_lines():
    data = "\n".join(["list,kind,state", *(f"S1,attend,confirmed,{n}" for n in range(6))]).encode()
    assert preview("signups-S1.csv", data) == [
        "list,kind,state",
        "S1,attend,confirmed,0",
        "S1,attend,confirmed,1",
        "S1,attend,confirmed,2",
        "… 3 more lines",
    ]


def test_tables_line_up():
    html = (
        "<b>P1</b><table><tr><th>Option</th><th>Yes</th><th>Who</th></tr>"
        "<tr><td>1. Mon 1 Mar</td><td>10</td><td>alice</td></tr><tr><td>2. Tue 2 Mar 2027</td><td>1</td><td>–</td></tr></table>"
    )
    body = Message.from_html(html).content()["body"]
    lines = align_tables(str(body), html).split("\n")
    assert lines[1:] == [
        "Option             Yes  Who",
        "1. Mon 1 Mar       10   alice",
        "2. Tue 2 Mar 2027  1    –",
    ]


def test_a_paste_of_several_lines_is_one_message_and_a_backslash_continues():
    async def run() -> list[str | None]:
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        for line in ["!poll Call", "3pm 1 March", "3pm 2 March"]:
            lines.put_nowait(line)
        first = await next_message(lines)
        lines.put_nowait("!meeting Call\\")

        async def later() -> None:
            await asyncio.sleep(0.3)  # typed after a pause, but the line before ended with \
            lines.put_nowait("when: tomorrow 3pm")
            lines.put_nowait(None)

        task = asyncio.create_task(later())
        second = await next_message(lines)
        await task
        return [first, second, await next_message(lines)]

    assert asyncio.run(asyncio.wait_for(run(), 5)) == [
        "!poll Call\n3pm 1 March\n3pm 2 March",
        "!meeting Call\nwhen: tomorrow 3pm",
        None,
    ]


def test_a_marked_paste_is_one_message_however_late_its_last_line_comes():
    """A terminal hands over a pasted block's last line (no newline after it) only when Enter is
    pressed; the paste markers say it belongs to the block, and a line typed after it is its own."""

    async def run() -> list[str | None]:
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        for line in [f"{PASTE_START}!poll Call", "3pm 1 March"]:
            lines.put_nowait(line)

        async def enter_later() -> None:
            await asyncio.sleep(0.5)  # well past the paste gap: the person reads, then presses Enter
            lines.put_nowait(f"3pm 2 March{PASTE_END}")
            lines.put_nowait("!polls")
            lines.put_nowait(None)

        task = asyncio.create_task(enter_later())
        pasted = await next_message(lines)
        await task
        return [pasted, await next_message(lines), await next_message(lines)]

    assert asyncio.run(asyncio.wait_for(run(), 5)) == ["!poll Call\n3pm 1 March\n3pm 2 March", "!polls", None]


def test_a_paste_in_a_real_terminal_is_one_message_sent_on_enter():
    """Through a pseudo-terminal, as a person's terminal would: the prompt turns bracketed paste on,
    the kernel's line discipline holds the last pasted line until Enter, and the markers are not
    echoed as ^[[200~."""
    code = (
        "import asyncio, sys\n"
        "from matrixbot.terminal import bracketed_paste, messages\n"
        "async def main():\n"
        "    with bracketed_paste(sys.stdin, sys.stdout):\n"
        "        async for m in messages(sys.stdin):\n"
        "            print('MESSAGE', repr(m), flush=True)\n"
        "asyncio.run(main())\n"
    )
    main, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=child, stdout=child, stderr=child)
    os.close(child)
    seen = b""

    def read_for(seconds: float) -> None:
        nonlocal seen
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if select.select([main], [], [], left)[0]:
                try:
                    seen += os.read(main, 4096)
                except OSError:  # the child closed the terminal
                    return

    try:
        read_for(3)  # the start, up to the mode switch
        assert b"\x1b[?2004h" in seen, seen
        os.write(main, f"{PASTE_START}!poll Call\r3pm 1 March\r3pm 2 March{PASTE_END}".encode())
        read_for(1)  # the paste sits there, its last line unsent, until Enter
        os.write(main, b"\r!polls\r")
        read_for(2)
        os.write(main, b"\x04")  # Ctrl-D: the end of input
        read_for(3)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    out = seen.decode(errors="replace")
    sent = [line.split("MESSAGE ", 1)[1].strip() for line in out.splitlines() if "MESSAGE " in line]
    assert sent == [repr("!poll Call\n3pm 1 March\n3pm 2 March"), repr("!polls")], out
    assert "^[" not in out, "the paste markers are not echoed"
    assert "\x1b[?2004l" in out, "the mode is turned off again"


def test_the_demo_help_and_the_second_member():
    assert "/react N 👍" in DEMO_HELP and "/tick N 2 3" in DEMO_HELP and "bob: TEXT" in DEMO_HELP
    alice, bob = Recorder(), Recorder()
    assert speaker("bob: !signup attend", {"bob": bob}, alice) == (bob, "!signup attend", "bob> ")
    assert speaker("!poll x: y", {"bob": bob}, alice) == (alice, "!poll x: y", "> ")


class Recorder(ChatClient):
    """A ChatClient that connects nowhere: every event it would send (its `say` and `react` build
    theirs and call `send`) is recorded instead."""

    def __init__(self) -> None:  # no homeserver, so none of ChatClient's connection state
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def send(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        self.sent.append((event_type, content))
        return f"$sent{len(self.sent)}"


def test_react_and_tick_name_the_bots_posts_by_number(capsys):
    from matrixbot.demo import POLL_RESPONSE, POLL_START, Printer, _handle
    from matrixbot.testing.chat import Seen

    alice, bob = Recorder(), Recorder()
    printer = Printer(alice, lambda e: True, numbered=True)
    printer.seen[1] = Seen("$text", "!r", "@bot:x", "m.room.message", {"body": "P1"}, 0)
    printer.seen[2] = Seen("$poll", "!r", "@bot:x", POLL_START, {}, 0)

    async def run() -> None:
        for line in ("/react 1 2️⃣", "/tick 2 1 3", "/tick 1 2", "/react 9 👍", "bob: !vote 1", "/help"):
            await _handle(line, alice, "!r", {"bob": bob}, printer)

    asyncio.run(run())
    reaction = {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$text", "key": "2️⃣"}}
    tick = {
        "m.relates_to": {"rel_type": "m.reference", "event_id": "$poll"},
        POLL_RESPONSE: {"answers": ["1", "3"]},
    }
    assert alice.sent == [("m.reaction", reaction), (POLL_RESPONSE, tick)]
    assert bob.sent == [("m.room.message", {"msgtype": "m.text", "body": "!vote 1"})]
    out = capsys.readouterr().out
    assert "[1] is not a native poll" in out and "say which post, by its [N]" in out and "/tick N 2 3" in out
