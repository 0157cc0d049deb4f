"""The agenda plugin as an installed package, through a real homeserver (matrixbot's `chat` and
`start_bot` fixtures): the bot finds it by its entry point, and a 👍 in Element counts as support."""

from __future__ import annotations

from importlib.metadata import entry_points

from matrixbot_agenda import Agenda


def installed_plugin(name: str) -> type:
    """The class the bot loads for `name`: the one the `matrixbot.plugins` entry point names."""
    (point,) = entry_points(group="matrixbot.plugins", name=name)
    return point.load()


async def test_the_installed_plugin_runs_in_a_real_room(start_bot, chat):
    plugin = installed_plugin("agenda")
    assert plugin is Agenda, "the entry point must name the package's plugin class"
    t = await start_bot(plugins=[plugin])
    alice, bob = await chat("alice"), await chat("bob")
    room = await t.room_with(alice, bob)

    listed = await t.ask(alice, room, "!plugins")
    added = await t.ask(bob, room, "!agenda add Rota for <June>\nWho covers the shop")
    await alice.react(room, added.event_id, "👍")
    agenda = await t.ask(alice, room, "!agenda")

    assert "agenda on" in listed.body
    assert "Added T1 Rota for <June>" in added.body
    assert "&lt;June&gt;" in (added.formatted_body or "")
    assert "T1 Rota for <June> (from bob" in agenda.body and "👍 1" in agenda.body

    await t.restart()  # the topic and its support are in the plugin's own tables
    again = await t.ask(bob, room, "!agenda")
    assert "T1 Rota for <June>" in again.body and "👍 1" in again.body
