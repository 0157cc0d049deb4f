"""matrixbot: a Matrix chat bot for co-operatives. This module is the public face for plugin authors.

Everything a plugin needs is importable from here (`from matrixbot import Plugin, command, Context`).
The names load on first use (PEP 562): `import matrixbot` alone stays cheap, so `matrixbot --help`
and `check-config` do not pay for matrix-nio, APScheduler and dateparser.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    # the plugin base and its decorators
    "Plugin": "matrixbot.api.plugin",
    "Services": "matrixbot.api.plugin",
    # what the core's own plugin sees of the others
    "ALWAYS_ON": "matrixbot.api.catalog",
    "Catalog": "matrixbot.api.catalog",
    "BusyTime": "matrixbot.api.plugin",
    # the room's calendar: what a plugin puts on it, and the feed addresses `!calendar` hands out
    "CalendarItem": "matrixbot.api.calendar",
    "CalendarFeeds": "matrixbot.api.calendar",
    "FeedAddress": "matrixbot.api.calendar",
    "job": "matrixbot.api.plugin",
    "on_message": "matrixbot.api.plugin",
    "on_reaction": "matrixbot.api.plugin",
    "on_poll_response": "matrixbot.api.plugin",
    "on_member": "matrixbot.api.plugin",
    "JobRun": "matrixbot.api.jobs",
    # typed calls between plugins: a Protocol, and a Contract to find the plugin offering it
    "Contract": "matrixbot.api.contracts",
    "PollWinner": "matrixbot.api.contracts",
    "PollWinners": "matrixbot.api.contracts",
    "POLL_WINNERS": "matrixbot.api.contracts",
    # a command handled twice (a replay after a crash) makes its thing once
    "Made": "matrixbot.api.made",
    "made_by": "matrixbot.api.made",
    "make_once": "matrixbot.api.made",
    # commands, their argument types and converters
    "command": "matrixbot.api.commands",
    "suggest": "matrixbot.api.commands",
    "Command": "matrixbot.api.commands",
    "Body": "matrixbot.api.arguments",
    "Field": "matrixbot.api.arguments",
    "Ref": "matrixbot.api.arguments",
    "RawRef": "matrixbot.api.arguments",
    "Rest": "matrixbot.api.arguments",
    "Shown": "matrixbot.api.arguments",
    "Title": "matrixbot.api.arguments",
    "UserId": "matrixbot.api.arguments",
    "UsageError": "matrixbot.errors",
    "format_ref": "matrixbot.api.arguments",
    "resolve_single": "matrixbot.api.commands",
    "Context": "matrixbot.api.context",
    "Setting": "matrixbot.api.settings",
    "USER_ID": "matrixbot.config",
    # errors
    "UserError": "matrixbot.errors",
    "PermissionDenied": "matrixbot.errors",
    "TimeParseError": "matrixbot.errors",
    "DateRefused": "matrixbot.errors",
    # messages and events
    "Message": "matrixbot.matrix.markup",
    "h": "matrixbot.matrix.markup",
    "bdi": "matrixbot.matrix.markup",
    "isolate": "matrixbot.matrix.markup",
    "pill": "matrixbot.matrix.markup",
    "Outbox": "matrixbot.matrix.sender",
    "Posting": "matrixbot.matrix.posting",
    "check_size": "matrixbot.matrix.sender",
    "RoomEvent": "matrixbot.matrix.events",
    "Reaction": "matrixbot.matrix.events",
    "Membership": "matrixbot.matrix.events",
    "PollResponse": "matrixbot.matrix.events",
    "strip_reply_fallback": "matrixbot.matrix.events",
    # time
    "When": "matrixbot.time",
    "TimeParser": "matrixbot.time",
    "Recurrence": "matrixbot.time",
    "parse_recurrence": "matrixbot.time",
    "format_time": "matrixbot.time",
    "format_when": "matrixbot.time",
    "format_relative": "matrixbot.time",
    "in_zone": "matrixbot.time",
    "localize": "matrixbot.time",
    "shorten": "matrixbot.time",
    "check_text": "matrixbot.time",
    "MAX_TIME_TEXT": "matrixbot.time",
    "MAX_TIME_WORDS": "matrixbot.time",
    "TimeService": "matrixbot.time",
    # working hours: nudges and scheduled questions move out of the night and the weekend
    "Scheduled": "matrixbot.time",
    "WorkingHours": "matrixbot.time",
    "quiet": "matrixbot.time",
    "on_working_day": "matrixbot.time",
    "before_deadline": "matrixbot.time",
    "moved_note": "matrixbot.time",
    # exports (files members download)
    "csv_file": "matrixbot.api.exports",
    "calendar_event": "matrixbot.api.exports",
    "calendar_file": "matrixbot.api.exports",
    # storage
    "Database": "matrixbot.db",
    "Row": "matrixbot.db",
    "Tx": "matrixbot.db",
    "Migration": "matrixbot.db",
    # logging: register secrets so that no log line shows them
    "SECRETS": "matrixbot.logsetup",
    # languages: a plugin's catalogs, the language being written, words joined as a language joins them
    "Translations": "matrixbot.i18n",
    "N_": "matrixbot.i18n",
    "speaking": "matrixbot.i18n",
    "current_language": "matrixbot.i18n",
    "any_of": "matrixbot.i18n",
    "all_of": "matrixbot.i18n",
    "declared": "matrixbot.i18n",
    "LANGUAGES": "matrixbot.i18n.languages",
}

__all__ = [
    "ALWAYS_ON",
    "LANGUAGES",
    "MAX_TIME_TEXT",
    "MAX_TIME_WORDS",
    "N_",
    "POLL_WINNERS",
    "SECRETS",
    "USER_ID",
    "Body",
    "BusyTime",
    "CalendarFeeds",
    "CalendarItem",
    "Catalog",
    "Command",
    "Context",
    "Contract",
    "Database",
    "DateRefused",
    "FeedAddress",
    "Field",
    "JobRun",
    "Made",
    "Membership",
    "Message",
    "Migration",
    "Outbox",
    "PermissionDenied",
    "Plugin",
    "PollResponse",
    "PollWinner",
    "PollWinners",
    "Posting",
    "RawRef",
    "Reaction",
    "Recurrence",
    "Ref",
    "Rest",
    "RoomEvent",
    "Row",
    "Scheduled",
    "Services",
    "Setting",
    "Shown",
    "TimeParseError",
    "TimeParser",
    "TimeService",
    "Title",
    "Translations",
    "Tx",
    "UsageError",
    "UserError",
    "UserId",
    "When",
    "WorkingHours",
    "all_of",
    "any_of",
    "bdi",
    "before_deadline",
    "calendar_event",
    "calendar_file",
    "check_size",
    "check_text",
    "command",
    "csv_file",
    "current_language",
    "declared",
    "format_ref",
    "format_relative",
    "format_time",
    "format_when",
    "h",
    "in_zone",
    "isolate",
    "job",
    "localize",
    "made_by",
    "make_once",
    "moved_note",
    "on_member",
    "on_message",
    "on_poll_response",
    "on_reaction",
    "on_working_day",
    "parse_recurrence",
    "pill",
    "quiet",
    "resolve_single",
    "shorten",
    "speaking",
    "strip_reply_fallback",
    "suggest",
]


if not TYPE_CHECKING:  # hidden from type checkers: they see the imports below, so a misspelt name fails

    def __getattr__(name: str) -> Any:
        module = _EXPORTS.get(name)
        if module is None:
            raise AttributeError(f"module 'matrixbot' has no attribute {name!r}")
        value = getattr(import_module(module), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


if TYPE_CHECKING:
    from matrixbot.api.arguments import Body, Field, RawRef, Ref, Rest, Shown, Title, UserId, format_ref
    from matrixbot.api.calendar import CalendarFeeds, CalendarItem, FeedAddress
    from matrixbot.api.catalog import ALWAYS_ON, Catalog
    from matrixbot.api.commands import Command, command, resolve_single, suggest
    from matrixbot.api.context import Context
    from matrixbot.api.contracts import POLL_WINNERS, Contract, PollWinner, PollWinners
    from matrixbot.api.exports import calendar_event, calendar_file, csv_file
    from matrixbot.api.jobs import JobRun
    from matrixbot.api.made import Made, made_by, make_once
    from matrixbot.api.plugin import (
        BusyTime,
        Plugin,
        Services,
        job,
        on_member,
        on_message,
        on_poll_response,
        on_reaction,
    )
    from matrixbot.api.settings import Setting
    from matrixbot.config import USER_ID
    from matrixbot.db import Database, Migration, Row, Tx
    from matrixbot.errors import DateRefused, PermissionDenied, TimeParseError, UsageError, UserError
    from matrixbot.i18n import N_, Translations, all_of, any_of, current_language, declared, speaking
    from matrixbot.i18n.languages import LANGUAGES
    from matrixbot.logsetup import SECRETS
    from matrixbot.matrix.events import Membership, PollResponse, Reaction, RoomEvent, strip_reply_fallback
    from matrixbot.matrix.markup import Message, bdi, h, isolate, pill
    from matrixbot.matrix.posting import Posting
    from matrixbot.matrix.sender import Outbox, check_size
    from matrixbot.time import (
        MAX_TIME_TEXT,
        MAX_TIME_WORDS,
        Recurrence,
        Scheduled,
        TimeParser,
        TimeService,
        When,
        WorkingHours,
        before_deadline,
        check_text,
        format_relative,
        format_time,
        format_when,
        in_zone,
        localize,
        moved_note,
        on_working_day,
        parse_recurrence,
        quiet,
        shorten,
    )
