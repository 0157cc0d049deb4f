"""Declared commands: a decorator records name, help, example and typed arguments in one place.

`!help`, usage lines, usage errors and "did you mean" are all derived from these declarations;
handlers never split their own arguments. Arguments are bound from the handler's signature, and
the usage line is derived from it (`!vote [ID] N…`):

    @command("vote", example="!vote P3 1 3 maybe 5")
    async def vote(self, ctx: Context, poll: PollId = None, choices: Annotated[Rest, Shown("N…")] = "") -> None:
        '''Vote in a date poll: yes to some options, maybe to others.'''

A command's first line is the command and its words; the following lines are its `Body`, declared
last and keyword-only (`..., *, body: Body`): it is `Body("")`, false, when there are no lines.
What the lines hold is the one hand-written part of a usage (`lines="OPTION⏎OPTION…"`).
`command` returns a `Command`; its `.sub(...)` declares a subcommand (`@vote.sub("undo")`).
"""

from __future__ import annotations

import asyncio
import difflib
import inspect
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal, ParamSpec, get_args, get_origin, get_type_hints

from matrixbot import metrics
from matrixbot.api.arguments import (
    ID_SHAPE,
    ArgReader,
    Body,
    Choice,
    Converter,
    Number,
    RawRef,
    Ref,
    Shown,
    TitleArg,
    Word,
    check_done,
    format_ref,
)
from matrixbot.api.declared import Declared, Method
from matrixbot.errors import FatalError, SendError, SendPending, StorageUnavailable, UsageError, UserError
from matrixbot.i18n import _, declared, help_texts, speaking
from matrixbot.logformat import log_context
from matrixbot.matrix.markup import h
from matrixbot.time import shorten

if TYPE_CHECKING:
    from matrixbot.api.context import Context

log = logging.getLogger(__name__)

P = ParamSpec("P")
"""The parameters of a handler being declared."""
Q = ParamSpec("Q")
"""The parameters of a `Command`'s own handler (P is its subcommands')."""
EMPTY = inspect.Parameter.empty


@dataclass(frozen=True)
class Argument:
    """A handler parameter after `ctx`, as the command reads it."""

    name: str
    converter: Converter | None
    """None for the `Body`."""
    default: Any
    required: bool
    """No default and no `None` in its type: an optional converter (`Ref`) must find its word."""
    place: str = ""
    """What it is called in the usage line: `ID`, `TITLE`, `@USER`, `timezone|zone|tz`, or its
    `Shown` text."""
    optional: bool = False
    """It may be left out (it has a default, or an optional converter such as `Ref` finds no word)."""
    written: bool = False
    """`place` is a `Shown` text: shown as written, brackets included."""

    @property
    def shown(self) -> str:
        return f"[{self.place}]" if self.optional and not self.written else self.place

    @property
    def ref(self) -> Ref | None:
        """The kind of id it takes, if it takes one (a `Ref`, or a `RawRef`'s)."""
        if isinstance(self.converter, RawRef):
            return self.converter.ref
        return self.converter if isinstance(self.converter, Ref) else None


@dataclass(eq=False)
class Command(Declared[Q]):
    """One declared command (or subcommand): its handler and everything help and errors need.

    A class attribute of its plugin: `@poll.sub("close")` declares a subcommand of it; read on a
    plugin instance it is the handler as a bound method.
    """

    name: str = ""
    lines: str = ""
    """What the lines after the first hold, for the usage (`OPTION⏎OPTION…⏎[closes: WHEN]`)."""
    example: str = ""
    """A whole command the bot takes as it is (`!poll CoTech call⏎3-4pm Monday⏎3-4pm Tuesday`):
    shown by `!help` and when an argument is missing."""
    summary: str = ""
    paragraphs: tuple[str, ...] = ()
    """The details below the summary, a paragraph each, as `!help` shows them (in English: the core
    says them from the plugin's catalog)."""
    aliases: tuple[str, ...] = ()
    admin: bool = False
    parent: str = ""
    """The full name of the command this is a subcommand of; empty for a top-level command."""
    subcommands: dict[str, Command[...]] = field(default_factory=dict)
    plugin: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.parent} {self.name}" if self.parent else self.name

    @property
    def words(self) -> str:
        """What its first line takes, derived from its arguments: `[ID] N OPTION`."""
        return " ".join(a.shown for a in self.positional)

    @property
    def usage(self) -> str:
        """Its own usage: its `words`, then its `lines` (`[ID] [TITLE]⏎OPTION⏎OPTION…`)."""
        return f"{self.words}⏎{self.lines}" if self.lines else self.words

    def usage_line(self, prefix: str, *, subcommands: bool = True) -> str:
        """`!poll fix [ID] N OPTION`; a command with subcommands lists them after its own usage,
        each by its words (`!busy | add NAME DATES | remove N`)."""
        line = _joined(f"{prefix}{self.full_name}", self.usage)
        subs = dict.fromkeys(self.subcommands.values()) if subcommands else {}
        return " | ".join([line, *(_joined(sub.name, sub.words) for sub in subs)])

    def sub(
        self,
        name: str,
        *,
        lines: str = "",
        example: str = "",
        aliases: Iterable[str] = (),
        admin: bool = False,
    ) -> Callable[[Method[P]], Command[P]]:
        """Declare a subcommand: `@poll.sub("close", example="!poll close P3")`."""

        def decorate(func: Method[P]) -> Command[P]:
            sub = _command_from(func, name, lines, example, aliases, admin)
            sub.parent = self.full_name
            for key in (name, *sub.aliases):
                self.subcommands[key] = sub
            return sub

        return decorate

    @cached_property
    def arguments(self) -> list[Argument]:
        """The handler's parameters after `self, ctx`; TypeError when one cannot be read from chat."""
        hints = get_type_hints(self.func, include_extras=True)
        found: list[Argument] = []
        for param in list(inspect.signature(self.func).parameters.values())[2:]:  # self, ctx
            hint = hints.get(param.name, str)
            where = f"{self.func.__qualname__}, argument '{param.name}'"
            if hint is Body:
                if param.kind is not inspect.Parameter.KEYWORD_ONLY or param.default is not EMPTY:
                    raise TypeError(
                        f"{where}: declare the Body last, keyword-only and without a default "
                        "(`..., *, body: Body`); it is empty when the command has no lines"
                    )
                found.append(Argument(param.name, None, EMPTY, False))
                continue
            if param.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD:
                raise TypeError(f"{where}: only the Body may be keyword-only")
            required = param.default is EMPTY and type(None) not in get_args(_bare(hint))
            converter = _converter_for(hint, where)
            shown = next((x for x in _extras(hint) if isinstance(x, Shown)), None)
            place = shown.text if shown else converter.shown(param.name)
            optional = param.default is not EMPTY or (not required and converter.optional)
            found.append(
                Argument(param.name, converter, param.default, required, place, optional, shown is not None)
            )
        if self.lines and not any(a.converter is None for a in found):
            raise TypeError(f"{self.func.__qualname__}: lines= describes the Body; declare one")
        return found

    @cached_property
    def positional(self) -> list[Argument]:
        """The arguments read from the first line, in order (all but the Body)."""
        return [a for a in self.arguments if a.converter is not None]

    def bind(self, ctx: Any, args: str, body: str, *, prefix: str = "!") -> tuple[list[Any], dict[str, Any]]:
        """Turn the words into the handler's arguments after `self` (positional, keyword), or raise
        UsageError (naming the command with the bot's `prefix`)."""
        reader = ArgReader(args)
        values: list[Any] = [ctx]
        keywords: dict[str, Any] = {}
        for arg in self.arguments:
            if arg.converter is None:
                keywords[arg.name] = Body(body)
                continue
            values.append(self._take(reader, arg, self._title_after(arg, body), prefix))
        check_done(reader)
        return values, keywords

    def _take(self, reader: ArgReader, arg: Argument, before_title: bool, prefix: str) -> Any:
        converter = arg.converter
        assert converter is not None
        word = reader.peek()
        if word is None:
            if arg.default is not EMPTY:
                return arg.default
            if arg.required or not converter.optional:
                raise UsageError(self._missing(arg, prefix))
            return None
        if isinstance(converter, Choice) and converter.optional and word.lower() not in converter.words:
            return None  # an optional word ("away [until] DATE") that was left out
        if isinstance(converter, Ref) and converter.number(word) is None:
            if arg.required:
                raise UsageError(converter.not_an_id(word))
            if before_title:  # "!meeting Q3 planning⏎when: …": the title's first word, not a wrong id
                return None
        return converter.take(reader, arg.name)

    def _missing(self, arg: Argument, prefix: str) -> str:
        """ "VALUE is missing: it comes after !set NAME, e.g. !set timezone Europe/London": the
        argument as the usage names it (an id by its kind: "the poll id"), the arguments that must
        come before it, and the example."""
        before = self.positional[: self.positional.index(arg)]
        words = "".join(f" {_said(a)}" for a in before if not a.optional)
        what = _("the {noun} id").format(noun=arg.ref.said) if arg.ref else arg.place
        text = _("{what} is missing: it comes after {command}").format(
            what=what, command=f"{prefix}{self.full_name}{words}"
        )
        if self.example:
            text += _(", e.g. {example}").format(example=declared(self.example))
        return text

    def _title_after(self, arg: Argument, body: str) -> bool:
        """Whether `arg` comes before a title: the command has lines, and a `Title` follows. There a
        word shaped like a wrong id is the title's first word ("Q3 planning"), not a mistake."""
        if not body.strip():
            return False
        later = self.positional[self.positional.index(arg) + 1 :]
        return any(isinstance(a.converter, TitleArg) for a in later)

    async def invoke(self, plugin: Any, ctx: Context, args: str, body: str) -> str:
        """Run this command for `ctx` (made from `plugin`'s services): follow its subcommands, check
        who may, bind the words to the handler's arguments and call it. The one place where a
        refusal (`UserError`) becomes a one-line answer and anything else an apology and a logged
        traceback, and where commands are counted. A fault that is not final (a storage fault, a
        send that will pass) is raised, for the caller to handle the command again.

        Returns the outcome: "ok", "refused" or "error".
        """
        with speaking(ctx.language, getattr(plugin, "translations", None), room=ctx.room_language):
            return await self._invoke(plugin, ctx, args, body)

    async def _invoke(self, plugin: Any, ctx: Context, args: str, body: str) -> str:
        prefix = ctx.services.prefix
        started, outcome = time.perf_counter(), "ok"
        log_context(plugin=self.plugin)
        try:
            resolved = resolve(self, args, body, prefix)
            spec = resolved.spec
            ctx.read_as = h(resolved.read_as)
            ctx.usage = spec.usage_line(prefix)
            if spec.admin:
                await ctx.require_admin(_("use {command}").format(command=f"{prefix}{spec.full_name}"))
            call_args, call_keywords = spec.bind(ctx, resolved.args, body, prefix=prefix)
            await spec.func(plugin, *call_args, **call_keywords)
        except UserError as exc:
            outcome = "refused"
            await ctx.refuse(exc)
        except (asyncio.CancelledError, StorageUnavailable, SendPending, SendError, FatalError):
            raise
        except Exception:
            outcome = "error"
            log.exception("command %r in %s failed", self.full_name, ctx.room_id)
            await ctx.reply(
                _(
                    "Sorry, something went wrong with {command}. It has been logged; please try again "
                    "or tell the bot's admin."
                ).format(command=f"<code>{h(prefix + self.full_name)}</code>")
            )
        metrics.command_done(self.plugin, outcome, started)
        return outcome

    @property
    def takes_a_title(self) -> bool:
        return any(isinstance(a.converter, TitleArg) for a in self.positional)

    @property
    def starts_with_an_id(self) -> bool:
        """Whether it takes an id alone (`!poll close [ID]`), or first and required
        (`!meeting code ID CODE`)."""
        words = self.positional
        return bool(words) and words[0].ref is not None and (len(words) == 1 or words[0].required)


def _joined(start: str, usage: str) -> str:
    """`!poll` and its usage: a space before words, none before lines (`!x⏎LINES`)."""
    if not usage:
        return start
    return f"{start}{usage}" if usage.startswith("⏎") else f"{start} {usage}"


def _said(arg: Argument) -> str:
    """An argument as a member would type it, in "it comes after !set my timezone": one of a
    `Literal`'s words is its first."""
    return arg.converter.words[0] if isinstance(arg.converter, Choice) else arg.place


def command(
    name: str, *, lines: str = "", example: str = "", aliases: Iterable[str] = (), admin: bool = False
) -> Callable[[Method[P]], Command[P]]:
    """Declare a plugin method as a chat command. The docstring's first line is its summary, the
    rest its details; the usage comes from the arguments (and `lines`), the example is declared."""

    def decorate(func: Method[P]) -> Command[P]:
        return _command_from(func, name, lines, example, aliases, admin)

    return decorate


def _command_from(
    func: Method[P], name: str, lines: str, example: str, aliases: Iterable[str], admin: bool
) -> Command[P]:
    summary, paragraphs = help_texts(func.__doc__)
    return Command(
        func,
        name=name.lower(),
        lines=lines,
        example=example,
        summary=summary,
        paragraphs=paragraphs,
        aliases=tuple(a.lower() for a in aliases),
        admin=admin,
    )


def _bare(hint: Any) -> Any:
    """The type under `Annotated[...]`."""
    return get_args(hint)[0] if get_origin(hint) is Annotated else hint


def _extras(hint: Any) -> tuple[Any, ...]:
    """What `Annotated[...]` adds to a type (converters, `Shown`)."""
    return get_args(hint)[1:] if get_origin(hint) is Annotated else ()


def _converter_for(hint: Any, where: str) -> Converter:
    for extra in _extras(hint):
        if isinstance(extra, Converter):
            return extra
    hint = _bare(hint)
    args = [a for a in get_args(hint) if a is not type(None)]
    optional = len(args) < len(get_args(hint))
    if args and get_origin(hint) is not Literal:
        hint = args[0]
    if get_origin(hint) is Literal:
        return Choice((str(a).lower() for a in get_args(hint)), optional=optional)
    if hint is int:
        return Number()
    if hint is str:
        return Word()
    raise TypeError(f"{where}: no converter for {hint!r}")


@dataclass(frozen=True)
class Invocation:
    """A message split into command name, the rest of its first line, and its body lines."""

    name: str
    args: str
    body: str


def parse_invocation(text: str, prefix: str) -> Invocation | None:
    if not text.startswith(prefix):
        return None
    first, _sep, body = text[len(prefix) :].partition("\n")
    words = first.strip().split(None, 1)
    if not words or not re.fullmatch(r"[A-Za-z][\w-]*", words[0]):
        return None
    return Invocation(words[0].lower(), words[1] if len(words) > 1 else "", body)


@dataclass(frozen=True)
class Resolved:
    """A command line followed to the (sub)command it means, and the words left for it."""

    spec: Command[...]
    args: str
    read_as: str = ""
    """How an ambiguous line was read, when it was (said under the answer): "I read 'code review'
    as the title; !meeting code needs an id right after it." Plain text."""


def resolve(spec: Command[...], args: str, body: str = "", prefix: str = "!") -> Resolved:
    """Follow subcommands: `poll close P3` → the `close` spec, and "P3".

    A subcommand that takes an id wins only when an id follows (or nothing does): "!meeting Code
    review call⏎when: …" is a meeting titled "Code review call", not `code`, and the answer says
    how it was read. A lone word close to a subcommand ("!poll clsoe") is refused with "did you
    mean !poll close?" rather than read as a title.
    """
    while spec.subcommands:
        reader = ArgReader(args)
        word = reader.peek()
        sub = spec.subcommands.get(word.lower()) if word else None
        if sub is not None and _title_not_sub(spec, sub, reader.text.split(None, 1)[1:], body):
            note = _("(I read '{title}' as the title; {command} needs an id right after it.)").format(
                title=shorten(args), command=f"{prefix}{spec.full_name} {word.lower() if word else ''}"
            )
            return Resolved(spec, args, note)
        if sub is None:
            if word and not body.strip() and len(args.split()) == 1:
                close = suggest(word.lower(), spec.subcommands)
                if close:
                    raise UserError(
                        _("There is no {command}; did you mean {meant}?").format(
                            command=f"{prefix}{spec.full_name} {shorten(word)}",
                            meant=f"{prefix}{spec.full_name} {close[0]}",
                        )
                    )
            break
        reader.pop()
        spec, args = sub, reader.text
    return Resolved(spec, args)


def _title_not_sub(parent: Command[...], sub: Command[...], rest: list[str], body: str) -> bool:
    """Whether "!PARENT SUB words…⏎lines" is a new item titled "SUB words…" rather than SUB: the
    parent takes a `Title`, lines follow, SUB starts with an id and the next word is not one."""
    if not parent.takes_a_title or not body.strip() or not rest:
        return False
    return sub.starts_with_an_id and not ID_SHAPE.fullmatch(rest[0].split()[0])


def suggest(name: str, names: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(name, list(names), n=3, cutoff=0.6)


def resolve_single(
    items: Mapping[int, Any], letter: str, noun: str, given: int | None, example: str, *, plural: str = ""
) -> int:
    """The item a command means: the one given, or the room's only open one.

    `items` maps the numbers of the room's open items to anything; `example` shows the command
    with an id, for the error when the room has several. `noun` (and `plural`, by default `noun`
    and an s) are said in the language being written, from the catalog of the plugin at work (as
    a `Ref`'s are).
    """
    if given is not None:
        return given
    if len(items) == 1:
        only: int = next(iter(items))
        return only
    ref = Ref(letter, noun, plural)
    if not items:
        # TRANSLATORS: {nouns} is the plural ("polls"), for a language that says this better with it
        none_open = _("There is no open {noun} in this room.")
        raise UserError(none_open.format(noun=ref.said, nouns=ref.said_plural))
    ids = ", ".join(format_ref(letter, n) for n in sorted(items))
    example = re.sub(rf"\b{letter}[0-9]+\b", format_ref(letter, max(items)), example)  # the room's own id
    raise UserError(
        _("This room has {n} open {nouns} ({ids}): say which, e.g. {example}").format(
            n=len(items), nouns=ref.said_plural, ids=ids, example=example
        )
    )
