"""The time parser as plugins reach it: on one worker thread, off the event loop, with a budget.

dateparser is CPU-bound and not known to be thread-safe, so every parse runs on a single dedicated
thread: the event loop (and every other room) never waits for it, and dateparser never runs on
two threads at once. A plugin hands over the whole parse of a command, a function of the
`TimeParser`:

    draft = await self.times.read(lambda times: parse_reminder(text, times, ctx.zone, now))

Each such function runs under a budget (`BUDGET`, from when it starts); one that spends it is
stopped at the parser's next step and the command is answered "I could not read a time in that".
The input limits in `timebudget` keep real commands far below the budget.

dateparser reads the room's language and English, and nothing else (see `matrixbot.i18n`; the
parser's own date words cover a member's own language too): each such pair has its parser, made
and warmed (outside the budget) the first time that language is read. The parse runs in a copy of
the caller's context, so what it says is in the language being written.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from matrixbot.errors import OutOfTime, TimeParseError
from matrixbot.i18n import ENGLISH, N_, _, room_language
from matrixbot.time import budget as timebudget
from matrixbot.time.parse import TimeParser

T = TypeVar("T")
BUDGET = 0.5
"""Seconds of parsing one command may take; a 20-option poll needs about 0.05."""
PATIENCE = 10.0
"""Seconds to wait for a parse at most, queue included: a backstop should a parse not stop itself."""
TOO_SLOW = N_(
    "I could not read a time in that: it took me too long. "
    "Write the time on its own and shorter, e.g. 'tomorrow 9am'."
)


class TimeService:
    """Runs parses of user text on one worker thread, each under `budget` seconds."""

    def __init__(self, parser: TimeParser, *, budget: float = BUDGET, patience: float = PATIENCE) -> None:
        self.parser = parser
        """The parser of English (and the config's `languages`)."""
        self._budget = budget
        self._patience = patience
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="timeparse")
        self._parsers: dict[str, TimeParser] = {}
        self._warm: set[str] = set()

    async def read(self, parse: Callable[[TimeParser], T]) -> T:
        """`parse(parser)` on the worker thread, with the parser of the language being written;
        a parse over budget raises a `TimeParseError`."""
        context = contextvars.copy_context()
        future = asyncio.get_running_loop().run_in_executor(self._worker, context.run, self._run, parse)
        try:
            return await asyncio.wait_for(future, self._patience)
        except (OutOfTime, TimeoutError):
            raise TimeParseError(_(TOO_SLOW)) from None

    async def warm(self) -> None:
        """Load dateparser's data now (about 0.1–2 s, once), rather than in the first command's budget."""
        await asyncio.get_running_loop().run_in_executor(self._worker, self._ready, ENGLISH)

    def close(self) -> None:
        """Stop the worker thread once the parse under way (if any) ends; queued parses are dropped."""
        self._worker.shutdown(wait=False, cancel_futures=True)

    def _run(self, parse: Callable[[TimeParser], T]) -> T:
        parser = self._ready(room_language())
        with timebudget.within(self._budget):
            return parse(parser)

    def _ready(self, language: str) -> TimeParser:
        """The parser of `language` and English, warmed; only ever called on the worker thread."""
        parser = self.parser if language == ENGLISH else self._parsers.get(language)
        if parser is None:
            parser = self._parsers[language] = self.parser.reading(language)
        if language not in self._warm:
            parser.warm()
            self._warm.add(language)
        return parser
