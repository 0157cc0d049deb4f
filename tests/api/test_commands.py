from typing import Annotated

import pytest

from matrixbot.api.commands import (
    Body,
    Ref,
    Rest,
    UsageError,
    UserId,
    command,
    parse_invocation,
    resolve,
    resolve_single,
)
from matrixbot.errors import UserError


class Demo:
    @command("poll", usage="TITLE")
    async def poll(self, ctx: object, title: Rest, body: Body) -> None:
        """Make a poll.

        More help here."""

    @poll.sub("close", usage="[ID]")
    async def close(self, ctx: object, poll: Annotated[int | None, Ref("P", "poll")] = None) -> None:
        """Close a poll."""

    @poll.sub("fix", usage="[ID] N OPTION")
    async def fix(
        self, ctx: object, poll: Annotated[int | None, Ref("P", "poll")], n: int, option: Rest
    ) -> None:
        """Fix an option."""

    @command("kick", usage="@USER [COUNT]")
    async def kick(self, ctx: object, user: UserId, count: int = 1) -> None:
        """Kick."""


spec = Demo.poll.__command__


def test_invocation_splits_first_line_and_body():
    inv = parse_invocation("!poll  CoTech call\n3-4pm Monday\nclosed: x", "!")
    assert (inv.name, inv.args, inv.body) == ("poll", "CoTech call", "3-4pm Monday\nclosed: x")
    assert parse_invocation("hello !poll", "!") is None
    assert parse_invocation("!!!", "!") is None
    assert parse_invocation("?help", "?").name == "help"


def test_docstring_gives_summary_and_details():
    assert spec.summary == "Make a poll."
    assert spec.details == "More help here."
    assert spec.usage_line("!") == "!poll TITLE"
    assert spec.subcommands["close"].usage_line("!") == "!poll close [ID]"


def test_subcommands_resolve_and_bind_refs():
    sub, args = resolve(spec, "close p12")
    assert sub.name == "close"
    values, _ = sub.bind("ctx", args, "")
    assert values == ["ctx", 12]
    values, _ = resolve(spec, "close")[0].bind("ctx", "", "")
    assert values == ["ctx", None]


def test_optional_ref_leaves_numbers_for_the_next_argument():
    sub, args = resolve(spec, "fix 3 Tuesday 5 March 2024")
    assert sub.bind("ctx", args, "")[0] == ["ctx", None, 3, "Tuesday 5 March 2024"]
    sub, args = resolve(spec, "fix P7 3 Tuesday")
    assert sub.bind("ctx", args, "")[0] == ["ctx", 7, 3, "Tuesday"]


def test_wrong_kind_of_id_is_refused():
    sub, args = resolve(spec, "close M3")
    with pytest.raises(UsageError, match="not a poll id"):
        sub.bind("ctx", args, "")


def test_missing_rest_and_extra_words_are_usage_errors():
    with pytest.raises(UsageError, match="TITLE is missing"):
        spec.bind("ctx", "", "")
    kick = Demo.kick.__command__
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
