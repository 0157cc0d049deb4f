from types import MethodType
from typing import Annotated, Any, Literal

import pytest
from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings

from matrixbot import Context, JobRun, Plugin, Reaction, job, on_reaction
from matrixbot.api.arguments import Body, RawRef, Ref, Rest, Shown, Title, UserId
from matrixbot.api.commands import Command, command, parse_invocation, resolve, resolve_single
from matrixbot.errors import StartupError, UsageError, UserError
from matrixbot.testing.fakebot import FakeBot


class Demo:
    @command("poll")
    async def poll(self, ctx: object, title: Title, *, body: Body) -> None:
        """Make a poll.

        More help here."""

    @poll.sub("close")
    async def close(self, ctx: object, poll: Annotated[int | None, Ref("P", "poll")] = None) -> None:
        """Close a poll."""

    @poll.sub("fix")
    async def fix(
        self, ctx: object, poll: Annotated[int | None, Ref("P", "poll")], n: int, option: Rest
    ) -> None:
        """Fix an option."""

    @command("kick")
    async def kick(self, ctx: object, user: UserId, count: int = 1) -> None:
        """Kick."""


spec = Demo.poll


def test_invocation_splits_first_line_and_body():
    inv = parse_invocation("!poll  CoTech call\n3-4pm Monday\nclosed: x", "!")
    assert inv is not None and (inv.name, inv.args, inv.body) == (
        "poll",
        "CoTech call",
        "3-4pm Monday\nclosed: x",
    )
    assert parse_invocation("hello !poll", "!") is None
    assert parse_invocation("!!!", "!") is None
    other_prefix = parse_invocation("?help", "?")
    assert other_prefix is not None and other_prefix.name == "help"


def test_docstring_gives_summary_and_details():
    assert spec.summary == "Make a poll."
    assert spec.paragraphs == ("More help here.",)
    assert spec.usage_line("!", subcommands=False) == "!poll TITLE"
    assert spec.subcommands["close"].usage_line("!") == "!poll close [ID]"


def test_subcommands_resolve_and_bind_refs():
    resolved = resolve(spec, "close p12")
    sub, args = resolved.spec, resolved.args
    assert sub.name == "close"
    values, _ = sub.bind("ctx", args, "")
    assert values == ["ctx", 12]
    values, _ = resolve(spec, "close").spec.bind("ctx", "", "")
    assert values == ["ctx", None]


def test_optional_ref_leaves_numbers_for_the_next_argument():
    resolved = resolve(spec, "fix 3 Tuesday 5 March 2024")
    sub, args = resolved.spec, resolved.args
    assert sub.bind("ctx", args, "")[0] == ["ctx", None, 3, "Tuesday 5 March 2024"]
    resolved = resolve(spec, "fix P7 3 Tuesday")
    sub, args = resolved.spec, resolved.args
    assert sub.bind("ctx", args, "")[0] == ["ctx", 7, 3, "Tuesday"]


def test_wrong_kind_of_id_is_refused():
    resolved = resolve(spec, "close M3")
    sub, args = resolved.spec, resolved.args
    with pytest.raises(UsageError, match="not a poll id"):
        sub.bind("ctx", args, "")


def test_missing_rest_and_extra_words_are_usage_errors():
    with pytest.raises(UsageError, match="TITLE is missing"):
        spec.bind("ctx", "", "")
    kick = Demo.kick
    with pytest.raises(UsageError, match="unexpected 'x'"):
        kick.bind("ctx", "@a:b 2 x", "")
    with pytest.raises(UsageError, match="not a number"):
        kick.bind("ctx", "@a:b two", "")
    with pytest.raises(UsageError, match="not a user"):
        kick.bind("ctx", "bob", "")
    assert kick.bind("ctx", "@a:b", "")[0] == ["ctx", "@a:b", 1]


def test_body_fields_name_the_bad_line():
    body = Body("when: tomorrow 3pm\nurl: https://x\nremnd: 1 day")
    with pytest.raises(UsageError, match=r"line 4: unknown key 'remnd:'; did you mean 'remind:'"):
        body.fields(["when", "url", "remind"])
    fields, free = Body("3-4pm Monday\n15:00-16:00 Tuesday\ncloses: Friday 5pm").fields(["closes"], free=True)
    assert fields["closes"].value == "Friday 5pm" and fields["closes"].line == 4
    assert free == [(2, "3-4pm Monday"), (3, "15:00-16:00 Tuesday")]
    with pytest.raises(UsageError, match="'when:' is missing"):
        Body("url: x").fields(["when", "url"], required=["when"])
    with pytest.raises(UsageError, match="given twice"):
        Body("url: x\nurl: y").fields(["url"])
    with pytest.raises(UsageError, match="line 2: expected 'key: value'"):
        Body("just text").fields(["url"])
    with pytest.raises(UsageError, match="did you mean 'closes:'"):
        Body("Monday 3pm\nclsoes: Friday").fields(["closes"], free=True)


def test_resolve_single_picks_the_only_open_item():
    assert resolve_single({4: "x"}, "P", "poll", None, "!vote P4 1") == 4
    assert resolve_single({4: "x", 5: "y"}, "P", "poll", 5, "!vote P4 1") == 5
    with pytest.raises(UserError, match=r"2 open polls \(P4, P5\)"):
        resolve_single({4: "x", 5: "y"}, "P", "poll", None, "!vote P4 1")
    with pytest.raises(UserError, match="no open poll"):
        resolve_single({}, "P", "poll", None, "!vote P4 1")


# -- commands are objects: found by type, still called as methods ---------------------------------


def test_a_command_is_a_command_object_on_the_class_and_a_method_on_an_instance():
    assert isinstance(Demo.poll, Command) and isinstance(Demo.close, Command)
    assert Demo.poll.subcommands["close"] is Demo.close and Demo.close.parent == "poll"
    assert Demo.close.full_name == "poll close" and not Demo.poll.parent
    demo = Demo()
    assert (
        isinstance(demo.close, MethodType)
        and demo.close.__self__ is demo
        and demo.close.__func__ is Demo.close.func
    )


async def test_a_handler_is_still_called_like_a_method():
    class Counter:
        def __init__(self) -> None:
            self.seen: list[int] = []

        @command("count")
        async def count(self, ctx: object, n: int) -> None:
            self.seen.append(n)

    counter = Counter()
    await counter.count(None, 3)
    assert counter.seen == [3]


class Declares(Plugin):
    name = "declares"

    @command("thing", example="!thing T3")
    async def thing(self, ctx: Context, given: Annotated[int | None, Ref("T", "thing")] = None) -> None:
        """Show a thing."""
        await ctx.reply(f"thing {given}")

    @thing.sub("make", lines="LINES")
    async def make(self, ctx: Context, title: Rest, *, body: Body) -> None:
        """Make a thing."""
        await ctx.reply(f"made {title} with {len(body.lines)} lines" if body else f"made {title}, no lines")

    @on_reaction
    async def reacted(self, reaction: Reaction) -> None:
        """Reactions."""

    @job("tick")
    async def tick(self, run: JobRun) -> None:
        """A job."""


async def test_the_plugin_collects_commands_handlers_and_jobs_by_type(fake_bot):
    bot = await fake_bot(plugins=[Declares])
    plugin = bot.parts.registry.plugins["declares"]
    assert plugin.commands() == [Declares.thing]
    # each comes bound to the plugin, wrapped to run in its room's language
    assert [h.__wrapped__.__func__ for h in plugin.event_handlers("reaction")] == [Declares.reacted.func]
    assert {n: h.__wrapped__.__func__ for n, h in plugin.job_handlers().items()} == {
        "tick": Declares.tick.func
    }
    room = bot.room("@alice:x")
    assert (await bot.say(room, "@alice:x", "!thing T4")).body == "thing 4"
    assert (await bot.say(room, "@alice:x", "!thing make Box")).body == "made Box, no lines"
    assert (await bot.say(room, "@alice:x", "!thing make Box\nred\n\nblue")).body == "made Box with 2 lines"


# -- the Body: empty by itself, declared one way -----------------------------------------------------


def test_a_body_is_empty_and_false_when_there_are_no_lines():
    assert Demo.poll.bind("ctx", "Title", "") == (["ctx", "Title"], {"body": Body("")})
    assert Demo.poll.bind("ctx", "Title", "a\nb") == (["ctx", "Title"], {"body": Body("a\nb")})
    assert not Body("") and not Body(" \n\t\n") and Body("\nx")


@pytest.mark.parametrize(
    "signature",
    [
        "async def f(self, ctx, title: Rest = '', body: Body = Body()) -> None: ...",
        "async def f(self, ctx, body: Body, title: Rest = '') -> None: ...",
        "async def f(self, ctx, *, body: Body = Body()) -> None: ...",
    ],
)
def test_a_body_is_declared_last_keyword_only_and_without_a_default(signature):
    scope: dict[str, Any] = {"Body": Body, "Rest": Rest}
    exec(signature, scope)
    declared = command("f")(scope["f"])
    with pytest.raises(TypeError, match=r"declare the Body last, keyword-only and without a default"):
        declared.arguments  # noqa: B018 (reading it checks the signature)


async def test_a_handler_chat_cannot_fill_stops_the_bot_at_start(tmp_path):
    class Broken(Plugin):
        name = "broken"

        @command("broken")
        async def broken(self, ctx: Context, body: Body = Body()) -> None: ...  # noqa: B008

    with pytest.raises(StartupError, match=r"plugin 'broken', command 'broken': .*keyword-only"):
        await FakeBot.create(tmp_path, plugins=[Broken])


# -- ids: every one read by Ref, with the same errors ------------------------------------------------

MEETING = Ref("M", "meeting")


class Ids:
    @command("meeting", lines="when: …")
    async def meeting(
        self, ctx: object, given: Annotated[int | None, MEETING] = None, title: Title = "", *, body: Body
    ) -> None: ...

    @meeting.sub("cancel")
    async def cancel(self, ctx: object, given: Annotated[int | None, MEETING] = None) -> None: ...

    @command("from-poll", example="!from-poll P3")
    async def from_poll(self, ctx: object, poll: Annotated[int, Ref("P", "poll")]) -> None:
        """Schedule from a poll."""


def test_words_after_an_id_are_unexpected_and_a_wrong_id_says_what_ids_look_like():
    resolved = resolve(Ids.meeting, "cancel M3 junk")
    sub, args = resolved.spec, resolved.args
    with pytest.raises(UsageError, match=r"^unexpected 'junk'\.$"):
        sub.bind("ctx", args, "")
    resolved = resolve(Ids.meeting, "cancel X3")
    sub, args = resolved.spec, resolved.args
    with pytest.raises(UsageError, match=r"^'X3' is not a meeting id \(meeting ids look like M12\)\.$"):
        sub.bind("ctx", args, "")
    assert sub.bind("ctx", "m03", "")[0] == ["ctx", 3]


def test_a_required_id_is_named_when_missing_or_wrong():
    spec = Ids.from_poll
    with pytest.raises(
        UsageError, match=r"^the poll id is missing: it comes after !from-poll, e.g. !from-poll P3\.$"
    ):
        spec.bind("ctx", "", "")
    for word in ("X3", "three", "3"):
        with pytest.raises(UsageError, match=rf"^'{word}' is not a poll id \(poll ids look like P12\)\.$"):
            spec.bind("ctx", word, "")
    assert spec.bind("ctx", "p7", "")[0] == ["ctx", 7]


def test_before_a_title_with_lines_an_id_shaped_word_is_the_title():
    assert Ids.meeting.bind("ctx", "Q3 planning", "when: x")[0] == ["ctx", None, "Q3 planning"]
    assert Ids.meeting.bind("ctx", "M3 planning", "when: x")[0] == ["ctx", 3, "planning"]
    with pytest.raises(UsageError, match="'Q3' is not a meeting id"):
        Ids.meeting.bind("ctx", "Q3 planning", "")


def test_ref_parse_reads_a_whole_text_as_the_declared_argument_would():
    assert MEETING.parse("") is None and MEETING.parse(" M12 ") == 12
    with pytest.raises(UsageError, match=r"^unexpected 'junk'\.$"):
        MEETING.parse("M3 junk")
    for text in ("X3", "soon"):
        with pytest.raises(UsageError, match=rf"^'{text}' is not a meeting id"):
            MEETING.parse(text)


async def test_meeting_ids_in_chat_go_through_ref(fake_bot):
    bot = await fake_bot(plugins=[Meetings])
    room = bot.room("@alice:x", admins=["@alice:x"])
    reply = await bot.say(room, "@alice:x", "!meeting cancel M3 junk")
    assert reply.body.startswith("Unexpected 'junk'.\nUsage: !meeting cancel [ID]"), reply.body
    reply = await bot.say(room, "@alice:x", "!meeting cancel X3")
    assert reply.body.startswith("'X3' is not a meeting id (meeting ids look like M12)."), reply.body
    assert "Unexpected 'junk'" in (await bot.say(room, "@alice:x", "!reminder R1 junk")).body
    assert "'X1' is not a reminder id" in (await bot.say(room, "@alice:x", "!reminder cancel X1")).body


async def test_a_mistyped_meeting_id_still_hides_the_code_it_came_with(fake_bot):
    bot = await fake_bot(plugins=[Meetings, DatePoll])
    room = bot.room("@alice:x", "@bob:x", admins=["@alice:x"])  # not a direct chat: codes are hidden
    for text in ("!meeting edit X3\ncode: 123456", "!meeting from-poll X3\ncode: 123456"):
        before = len(bot.fake.redacted)
        reply = await bot.say(room, "@alice:x", text)
        assert "'X3' is not a" in reply.body
        assert len(bot.fake.redacted) == before + 1, f"{text!r} was not redacted"


# -- !set my: a declared subcommand -----------------------------------------------------------------


async def test_set_my_timezone_is_a_declared_subcommand(fake_bot):
    bot = await fake_bot()
    room = bot.room("@alice:x")
    core = bot.parts.registry.commands["set"]
    resolved = resolve(core, "my timezone Europe/Berlin")
    sub, args = resolved.spec, resolved.args
    assert sub.full_name == "set my" and args == "timezone Europe/Berlin"
    assert (
        "!set my timezone|zone|tz|language|lang VALUE — Set your own time zone"
        in (await bot.say(room, "@alice:x", "!help set")).body
    )
    said = await bot.say(room, "@alice:x", "!set my TZ Europe/Berlin")
    assert said.body == "I will also show you times in Europe/Berlin."
    assert (
        await bot.say(room, "@alice:x", "!set my zone none")
    ).body == "I will show you times in the room's zone."
    wrong = await bot.say(room, "@alice:x", "!set my colour red")
    assert wrong.body == (
        "Expected timezone, zone, tz, language or lang, not 'colour'.\nUsage: !set my timezone|zone|tz|language|lang VALUE"
    )
    missing = await bot.say(room, "@alice:x", "!set my timezone")
    assert missing.body.startswith("VALUE is missing: it comes after !set my timezone, e.g. !set my timezone")
    assert "Only a room admin" in (await bot.say(room, "@alice:x", "!set timezone Europe/Paris")).body


class Away:
    @command("away", example="!away until 1 May")
    async def away(self, ctx: object, _until: Literal["until"] | None, date: Rest) -> None:
        """Pause pings."""


def test_an_optional_word_may_be_left_out():
    assert Away.away.bind("ctx", "until 1 May", "")[0] == ["ctx", "until", "1 May"]
    assert Away.away.bind("ctx", "1 May", "")[0] == ["ctx", None, "1 May"]
    assert Away.away.bind("ctx", "Until tomorrow", "")[0] == ["ctx", "until", "tomorrow"]


def test_a_missing_argument_is_explained_with_the_bots_prefix():
    with pytest.raises(UsageError) as raised:
        Away.away.bind("ctx", "", "", prefix="?")
    assert raised.value.message == "DATE is missing: it comes after ?away, e.g. !away until 1 May."


# -- the usage line: derived from the signature, never read by the parser ----------------------------


def test_the_usage_line_is_derived_from_the_arguments():
    assert Demo.poll.usage_line("!") == "!poll TITLE | close [ID] | fix [ID] N OPTION"
    assert Demo.fix.usage_line("?") == "?poll fix [ID] N OPTION"
    assert Demo.kick.usage_line("!") == "!kick @USER [COUNT]"
    assert Away.away.usage_line("!") == "!away [until] DATE"
    assert Ids.from_poll.usage_line("!") == "!from-poll ID"
    assert Ids.meeting.usage_line("!") == "!meeting [ID] [TITLE]⏎when: … | cancel [ID]"
    assert Declares.thing.usage_line("!") == "!thing [ID] | make TITLE"
    assert Declares.make.usage_line("!") == "!thing make TITLE⏎LINES"


class Shows:
    @command("busy")
    async def busy(self, ctx: object) -> None: ...

    @busy.sub("add", aliases=("new",))
    async def add(self, ctx: object, text: Annotated[Rest, Shown("NAME DATES")]) -> None: ...

    @busy.sub("remove")
    async def remove(self, ctx: object, n: int) -> None: ...

    @command("vote")
    async def vote(
        self,
        ctx: object,
        poll: Annotated[int | None, Ref("P", "poll")],
        choices: Annotated[Rest, Shown("N… [maybe N…]|none")] = "",
    ) -> None: ...

    @command("set")
    async def set(self, ctx: object, setting: Literal["timezone", "tz"], zone: Rest) -> None: ...

    @command("code")
    async def code(self, ctx: object, item: Annotated[str, RawRef(MEETING)], code: Rest = "") -> None: ...


def test_shown_words_choices_and_subcommands_in_the_usage_line():
    assert Shows.busy.usage_line("!") == "!busy | add NAME DATES | remove N", "each subcommand once"
    assert Shows.vote.usage_line("!") == "!vote [ID] N… [maybe N…]|none", "a Shown text is as written"
    assert Shows.set.usage_line("!") == "!set timezone|tz ZONE"
    assert Shows.code.usage_line("!") == "!code ID [CODE]"
    with pytest.raises(UsageError, match=r"^NAME DATES is missing: it comes after !busy add\.$"):
        Shows.add.bind("ctx", "", "")
    with pytest.raises(UsageError, match=r"^ZONE is missing: it comes after !set timezone\.$"):
        Shows.set.bind("ctx", "tz", "")


def test_lines_describe_a_body_and_need_one():
    class Wrong:
        @command("wrong", lines="OPTION⏎OPTION…")
        async def wrong(self, ctx: object, title: Title) -> None: ...

    with pytest.raises(TypeError, match="lines= describes the Body; declare one"):
        Wrong.wrong.arguments  # noqa: B018 (reading it checks the signature)


class Titled:
    @command("item", lines="LINES")
    async def item(
        self, ctx: object, given: Annotated[int | None, MEETING] = None, title: Title = "", *, body: Body
    ) -> None: ...

    @item.sub("cancel")
    async def cancel(self, ctx: object, given: Annotated[int | None, MEETING] = None) -> None: ...

    @item.sub("fix")
    async def fix(self, ctx: object, given: Annotated[int | None, MEETING], n: int, text: Rest) -> None: ...

    @item.sub("code")
    async def code(self, ctx: object, item: Annotated[str, RawRef(MEETING)], code: Rest = "") -> None: ...


class Untitled:
    @command("item", lines="LINES")
    async def item(
        self, ctx: object, given: Annotated[int | None, MEETING] = None, title: Rest = "", *, body: Body
    ) -> None: ...

    @item.sub("cancel")
    async def cancel(self, ctx: object, given: Annotated[int | None, MEETING] = None) -> None: ...


def test_a_title_and_an_id_are_read_from_the_types():
    assert resolve(Titled.item, "cancel party", "x").spec is Titled.item, "a title: cancel takes only an id"
    assert resolve(Titled.item, "code review", "x").spec is Titled.item, "a title: code takes an id first"
    assert resolve(Titled.item, "cancel M3", "x").spec is Titled.cancel
    assert resolve(Titled.item, "cancel party", "").spec is Titled.cancel, "without lines: the subcommand"
    assert resolve(Titled.item, "fix the date", "x").spec is Titled.fix, "fix takes more than an id"
    assert Titled.item.bind("ctx", "Q3 planning", "x")[0] == ["ctx", None, "Q3 planning"]
    assert resolve(Untitled.item, "cancel party", "x").spec is Untitled.cancel, "a Rest is not a title"
    with pytest.raises(UsageError, match="'Q3' is not a meeting id"):
        Untitled.item.bind("ctx", "Q3 planning", "x")


def test_a_raw_id_is_taken_as_written_for_the_handler_to_read():
    assert Titled.code.bind("ctx", "X3 123", "")[0] == ["ctx", "X3", "123"]
    with pytest.raises(UsageError, match=r"^the meeting id is missing: it comes after !item code\.$"):
        Titled.code.bind("ctx", "", "")


async def test_a_command_invokes_itself_from_any_way_in(fake_bot):
    """The dispatcher's way in is one call, `Command.invoke`: a second way (a reaction that starts a
    command, a console, a test) makes a Context from the handling plugin's services and calls it,
    and gets the same subcommands, checks, binding, refusals and answers."""
    from matrixbot.api.context import Context
    from matrixbot.matrix.events import RoomEvent

    bot = await fake_bot(plugins=[DatePoll])
    room = bot.room("@alice:x", admins=["@alice:x"])
    plugin = bot.plugin(DatePoll)
    event = RoomEvent("$console", room, "@alice:x", "m.room.message", {"msgtype": "m.text", "body": ""})
    ctx = await Context.made(event, plugin.services, bot.parts.sender.outbox("console:1"))
    spec = bot.parts.registry.commands["poll"]
    before = len(bot.fake.posted)
    assert await spec.invoke(plugin, ctx, "Call", "3pm 2 March 2030\n3pm 3 March 2030") == "ok"
    assert bot.fake.posted[before].body.startswith("P1: Call")
    assert await spec.invoke(plugin, ctx, "close P9", "") == "refused"
    assert "There is no poll P9" in bot.fake.posted[-1].body
