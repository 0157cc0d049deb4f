"""What a person types or pastes at the demo's prompt, as the messages they mean.

A line typed is a message. A block pasted is one message, whatever its last line ends with. In a
terminal the kernel hands over input a line at a time, so a pasted block whose last line has no
newline arrives in two parts: the lines before it at once, and its last line only when Enter is
pressed, seconds later. Timing cannot join those, so the prompt turns on the terminal's bracketed
paste mode: the terminal wraps each paste in `ESC[200~ … ESC[201~`, and everything from one marker
to the other (and what is typed after it on its last line) is one message, sent on Enter. Where the
markers never come (a pipe, a terminal without the mode), lines arriving within `PASTE_GAP` of each
other still count as one paste. A line ending with a backslash continues on the next.
"""

from __future__ import annotations

import asyncio
import sys
import termios
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import TextIO

PASTE_GAP = 0.15
"""Lines arriving within this many seconds of each other (a paste without markers) are one message."""
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"
BRACKETED_ON, BRACKETED_OFF = "\x1b[?2004h", "\x1b[?2004l"


@contextmanager
def bracketed_paste(stdin: TextIO, stdout: TextIO) -> Iterator[None]:
    """While it lasts, the terminal marks pastes, and the markers are not echoed as `^[[200~`
    (ECHOCTL off); both are undone on the way out. Nothing happens when either side is not a terminal."""
    if not (stdin.isatty() and stdout.isatty()):
        yield
        return
    fd = stdin.fileno()
    saved = termios.tcgetattr(fd)
    quiet = [*saved]
    quiet[3] = saved[3] & ~termios.ECHOCTL
    termios.tcsetattr(fd, termios.TCSANOW, quiet)
    stdout.write(BRACKETED_ON)
    stdout.flush()
    try:
        yield
    finally:
        stdout.write(BRACKETED_OFF)
        stdout.flush()
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


async def messages(stdin: TextIO = sys.stdin) -> AsyncIterator[str]:
    """The messages typed or pasted on `stdin`, until the end of input."""
    lines = stdin_lines(stdin)
    while (message := await next_message(lines)) is not None:
        yield message


def stdin_lines(stdin: TextIO = sys.stdin) -> asyncio.Queue[str | None]:
    """Lines typed or pasted, read on a thread (None at the end of input)."""
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def read() -> None:
        for line in stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\n"))
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, daemon=True, name="demo-stdin").start()
    return queue


async def next_message(lines: asyncio.Queue[str | None]) -> str | None:
    """One message: a line, with the rest of a paste it starts (to its end marker, or, without
    markers, the lines arriving within `PASTE_GAP`), or continued with a trailing backslash."""
    first = await lines.get()
    if first is None:
        return None
    parts = [first]
    while True:
        text = "\n".join(parts)
        marked = PASTE_START in text
        if text.count(PASTE_START) > text.count(PASTE_END) or parts[-1].endswith("\\"):
            wait: float | None = None  # a paste still open, or a line continued: wait for the rest
        elif marked:
            break  # the terminal said where the paste ended: no guessing by time
        else:
            wait = PASTE_GAP
        try:
            line = await asyncio.wait_for(lines.get(), wait)
        except TimeoutError:
            break
        if line is None:
            lines.put_nowait(None)  # the end of input, for the next call
            break
        parts.append(line)
    unmarked = [p.replace(PASTE_START, "").replace(PASTE_END, "") for p in parts]
    return "\n".join(p[:-1] if p.endswith("\\") else p for p in unmarked)
