"""Where the bot is in its life, in one small object that the parts acting on it share.

The sync loop, the dispatcher and the sender each need to know a little of it: whether the first
full-state sync has been processed (before it, nio refuses sends into encrypted rooms and knows no
room's power levels), whether a stop was asked for (the sync loop ends, nothing new starts), and
whether the bot is closing (a send that fails now is left for the next start instead of retried).
A fault the bot cannot ride out is recorded here, and asks for the stop. And the lease: until when
this instance may post and write, which is for ever unless it is one of several instances of the
bot on one PostgreSQL database, where only the leader may, while it can confirm that it leads.
"""

from __future__ import annotations

import asyncio
import math
import time

from matrixbot.errors import MatrixbotError


class Lease:
    """Until when (`time.monotonic()`) this instance may post and write its database.

    Unbounded for a bot alone (SQLite, or PostgreSQL before an election); the leader's lock
    (storage/leadership.py) bounds it to a few seconds past its last answered heartbeat, and ends it
    at once when the lock's connection is cut. The sender and the database ask it before each send
    and write (fencing: a leader cut off from its database stops before another can take over).
    """

    UNCONFIRMED = "this instance cannot confirm that it still leads"

    def __init__(self) -> None:
        self.until = math.inf

    def holds(self) -> bool:
        return time.monotonic() < self.until

    def cause(self) -> str | None:
        """None while the lease holds, else why this instance may not post or write now."""
        return None if self.holds() else self.UNCONFIRMED


class Lifecycle:
    def __init__(self) -> None:
        self.rooms_known = asyncio.Event()
        """Set once the first full-state sync is processed: the transport then knows every joined
        room and whether it is encrypted; after it, a room it does not know is one the bot is not in."""
        self.stopping = asyncio.Event()
        """A stop was asked for (a signal, a fatal fault): the sync loop ends, handlers finish."""
        self.closing = asyncio.Event()
        """The bot is closing: a send that fails for a passing reason is not retried any more."""
        self.fatal: MatrixbotError | None = None
        """The fault that stopped the bot (it then exits non-zero), if one did."""
        self.lease = Lease()
        """Until when this instance may post and write (see `Lease`)."""

    def fail(self, exc: MatrixbotError) -> None:
        """A fault the bot cannot ride out: remember the first, and stop."""
        if self.fatal is None:
            self.fatal = exc
        self.stopping.set()
