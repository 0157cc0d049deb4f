"""Every error matrixbot raises on purpose, in one place.

A `UserError` is shown to the person who sent the command, as it is: its message says what was
wrong and how to fix it. Anything else that escapes a handler becomes a short apology in the room
and a traceback in the log.
"""

from __future__ import annotations

import html as html_escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matrixbot.matrix.outages import Trouble


class MatrixbotError(Exception):
    """Base of matrixbot's own errors."""


class UserError(MatrixbotError):
    """Bad input from a user: the message is safe to show and says how to fix it."""

    def __init__(self, message: str, *, show_usage: bool = False, html: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.show_usage = show_usage
        self.html = html
        """The message as HTML, shown instead of `message` when given: for one that names people,
        their display names escaped and isolated (`bdi`). Else `message` is shown escaped."""

    def noted(self, note: str) -> UserError:
        """This error with a sentence of the bot's own added (plain text, no user values): what
        became of the command's message, say."""
        html = None if self.html is None else f"{self.html} {html_escape.escape(note)}"
        return UserError(f"{self.message} {note}", show_usage=self.show_usage, html=html)


class UsageError(UserError):
    """The command's words do not fit its usage; the reply shows the usage line.

    The message is made a sentence (a full stop is added when it has no end mark): it is shown to
    the user as it is, above the usage line.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message if message.endswith((".", "?", "!")) else message + ".", show_usage=True)


class MessageTooLarge(UserError):
    """Given content the homeserver would refuse for its size: refused when it is given."""


class TimeParseError(UserError):
    """A time, range, duration or repeat the bot could not read; the message says which part and why."""


class DateRefused(TimeParseError):
    """A date that reads but is not taken: a day no calendar has ("31 November"), or a year before 1970
    or more than ten years ahead. A command that searches its text for a time says this rather than
    take a shorter part of that text ("31st", "November") for the date."""


class PermissionDenied(UserError):
    """The sender may not do this in this room; the message says who may (`Context.refusal`)."""


class ConfigError(MatrixbotError):
    """The configuration file is missing or wrong; the message names the key and why."""


class StartupError(MatrixbotError):
    """The bot cannot start (database from a newer version, bad crypto store, login refused)."""


class AlreadyRunning(StartupError):
    """Another process holds the data directory's lock."""


class MissingExtra(StartupError):
    """`matrixbot demo` without the `demo` extra installed."""

    def __init__(self, module: str) -> None:
        super().__init__(
            f"the demo needs a local Synapse, which is not installed (no module '{module}'): "
            "pip install 'matrixbot[demo]'"
        )


class FatalError(MatrixbotError):
    """The running bot cannot go on (e.g. its database stayed unwritable past the limit): it exits non-zero."""


class LostLead(FatalError):
    """Another instance of the bot leads now (or did while this one could not confirm that it led):
    this one stops posting and writing, and exits non-zero, for its supervisor to start it again as
    a standby."""


class StorageUnavailable(MatrixbotError):
    """A database write failed for a reason that may pass (locked, disk full, I/O error).

    Nothing of the failed transaction was kept. Callers on the hot paths run the work again later
    (the dispatcher re-handles the event, the scheduler re-runs the job, the syncer re-syncs).
    """


class SendError(MatrixbotError):
    """The homeserver refused a message for good (not a passing failure that a retry fixes)."""


class SendPending(MatrixbotError):
    """A send that failed for a passing reason and was not retried further (time limit, shutdown).

    What triggered it (a command, a job) is not finished: it must be tried again, never marked done.
    """


class SyncFailed(MatrixbotError):
    """A sync the homeserver refused for a passing reason; the caller retries."""

    def __init__(self, trouble: Trouble) -> None:
        super().__init__(trouble.detail)
        self.trouble = trouble


class OutOfTime(Exception):
    """A time parser's budget ran out. Not a `UserError` (nor a `MatrixbotError`), so the parsers'
    "try the next candidate" loops let it through; the time service turns it into one reply."""


class NotStarted(RuntimeError):
    """A part of a bot that has not started was asked for."""
