"""The core's own commands: help, plugins on and off, room and personal settings, the room's calendar."""

from __future__ import annotations

from typing import Annotated, Literal

from matrixbot import (
    ALWAYS_ON,
    Command,
    Context,
    Message,
    Plugin,
    Rest,
    Services,
    Shown,
    UserError,
    command,
    h,
    shorten,
    suggest,
)

from .calendar import render_address, render_reset

HELP_CACHE_SIZE = 64
"""Distinct help texts kept rendered (a help text depends only on the prefix and the room's plugins)."""


class CorePlugin(Plugin):
    name = "core"
    description = "Help, plugins and settings."

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self._rendered: dict[str, Message] = {}

    @command("help", example="!help poll")
    async def help(self, ctx: Context, topic: Annotated[str | None, Shown("[COMMAND]")] = None) -> None:
        """List the commands you can use here, or show how one works."""
        enabled = await self.catalog.enabled(ctx.room_id)
        p = self.prefix
        if topic:
            name = topic.removeprefix(p).lower()
            spec = self.catalog.commands.get(name)
            if spec is None or spec.plugin not in enabled:
                close = suggest(name, [n for n, s in self.catalog.commands.items() if s.plugin in enabled])
                hint = f" Did you mean {' or '.join(p + c for c in close)}?" if close else ""
                raise UserError(f"There is no command {p}{shorten(name)} here.{hint}")
            await self._answer(ctx, render_command_help(spec, p))
            return
        sections = []
        for plugin_name in [*sorted(ALWAYS_ON), *sorted(enabled - ALWAYS_ON)]:
            plugin = self.catalog.plugins[plugin_name]
            specs = sorted((s for s in plugin.commands()), key=lambda s: s.name)
            if not specs:
                continue
            items = "".join(
                f"<li><code>{h(s.usage_line(p))}</code> — {render_summary(s)}</li>" for s in specs
            )
            sections.append(f"<b>{h(plugin.name)}</b>: {h(plugin.description)}<ul>{items}</ul>")
        off = sorted(set(self.catalog.optional) - enabled)
        footer = (
            f"<br>No plugins are on in this room, so only the commands above work. A room admin can turn "
            f"one on with <code>{h(p)}enable NAME</code>: {h(', '.join(off))}."
            if off and not enabled - ALWAYS_ON
            else f"<br>Off in this room: {h(', '.join(off))} (a room admin can {h(p)}enable them)."
            if off
            else ""
        )
        await self._answer(
            ctx, f"{''.join(sections)}Say <code>{h(p)}help COMMAND</code> for details.{footer}"
        )

    async def _answer(self, ctx: Context, html: str) -> None:
        """Reply with a help text, rendered once: deriving the plain text from HTML costs ~1 ms."""
        if ctx.read_as:
            await ctx.reply(html)
            return
        message = self._rendered.get(html)
        if message is None:
            if len(self._rendered) >= HELP_CACHE_SIZE:
                self._rendered.clear()
            message = self._rendered[html] = Message.from_html(html)
        await ctx.reply_message(message)

    @command("plugins")
    async def plugins(self, ctx: Context) -> None:
        """Show which plugins are on in this room."""
        enabled = await self.catalog.enabled(ctx.room_id)
        rows = "".join(
            f"<li><b>{h(name)}</b> {'on' if name in enabled else 'off'} — {h(self.catalog.plugins[name].description)}</li>"
            for name in sorted(self.catalog.optional)
        )
        await ctx.reply(f"Plugins in this room:<ul>{rows}</ul>" if rows else "No plugins are installed.")

    @command("enable", example="!enable datepoll", admin=True)
    async def enable(self, ctx: Context, plugin: str) -> None:
        """Turn a plugin on in this room (room admins)."""
        await self._switch(ctx, plugin, True)

    @command("disable", example="!disable checkins", admin=True)
    async def disable(self, ctx: Context, plugin: str) -> None:
        """Turn a plugin off in this room (room admins)."""
        await self._switch(ctx, plugin, False)

    async def _switch(self, ctx: Context, name: str, on: bool) -> None:
        name = name.lower()
        if name in ALWAYS_ON:
            raise UserError("The core commands are always on.")
        if name not in self.catalog.optional:
            close = suggest(name, self.catalog.optional)
            hint = (
                f" Did you mean {close[0]}?"
                if close
                else f" Plugins: {', '.join(sorted(self.catalog.optional))}"
            )
            raise UserError(f"There is no plugin '{shorten(name)}'.{hint}")
        await self.settings.set_plugin(ctx.room_id, name, on)
        await ctx.reply(f"{h(name)} is now {'on' if on else 'off'} in this room.")

    @command("settings")
    async def show_settings(self, ctx: Context) -> None:
        """Show this room's settings."""
        values = await self.settings.all(ctx.room_id)
        rows = "".join(
            f"<li><code>{h(name)}</code>: {h(value)} — {h(self.settings.declared[name].help)}</li>"
            for name, value in values.items()
        )
        mine = f"<br>Your own time zone: {h(ctx.user_zone)}" if ctx.user_zone else ""
        await ctx.reply(
            f"Settings of this room:<ul>{rows}</ul>Change one with <code>{h(self.prefix)}set NAME VALUE</code>.{mine}"
        )

    @command("set", example="!set timezone Europe/London")
    async def set(self, ctx: Context, name: str, value: Rest) -> None:
        """Change a room setting (room admins), or your own time zone."""
        await ctx.require_admin("change this room's settings")
        stored = await self.settings.set(ctx.room_id, name.lower(), value.strip())
        await ctx.reply(f"{h(name.lower())} is now {h(stored)}.")

    @set.sub("my", example="!set my timezone Europe/Berlin")
    async def set_mine(self, ctx: Context, setting: Literal["timezone", "zone", "tz"], zone: Rest) -> None:
        """Set your own time zone: times are shown to you in it too.

        'none' goes back to the room's zone alone."""
        cleared = zone.lower() in ("none", "off", "room")
        await self.settings.set_user_zone(ctx.sender, None if cleared else zone)
        await ctx.reply(
            "I will show you times in the room's zone."
            if cleared
            else f"I will also show you times in {h(zone)}."
        )

    @command("calendar")
    async def calendar(self, ctx: Context) -> None:
        """Get this room's calendar for your calendar app: meetings, gatherings and deadlines, kept up to date.

        The address is yours (asking again gives you a new one and ends the old); it works while
        you are in the room. The same address without .ics is the agenda page, for a browser."""
        self._calendars_ready()
        if await self.services.calendars.is_off(ctx.room_id):
            raise UserError(
                f"A room admin turned this room's calendar off; a room admin can turn it on with {self.prefix}calendar on."
            )
        address, replaced = await self.services.calendars.issue(ctx.room_id, ctx.sender)
        await ctx.reply(render_address(address, replaced, self.prefix))

    @calendar.sub("reset", admin=True)
    async def calendar_reset(self, ctx: Context) -> None:
        """End every address of this room's calendar, and get a new one (room admins): for a leaked address."""
        self._calendars_ready()
        address, ended = await self.services.calendars.reset(ctx.room_id, ctx.sender)
        await ctx.reply(render_reset(address, ended, self.prefix))

    @calendar.sub("off", admin=True)
    async def calendar_off(self, ctx: Context) -> None:
        """End this room's calendar: every address stops working, and none is given until it is on (room admins)."""
        ended = await self.services.calendars.turn_off(ctx.room_id)
        await ctx.reply(
            f"This room's calendar is off; {ended} address{'es' if ended != 1 else ''} stopped working. "
            f"{h(self.prefix)}calendar on lets members get addresses again."
        )

    @calendar.sub("on", admin=True)
    async def calendar_on(self, ctx: Context) -> None:
        """Let members get addresses of this room's calendar again, after !calendar off (room admins)."""
        self._calendars_ready()
        was_off = await self.services.calendars.turn_on(ctx.room_id)
        state = "is on again" if was_off else "was on already"
        await ctx.reply(f"This room's calendar {state}: {h(self.prefix)}calendar gives you its address.")

    def _calendars_ready(self) -> None:
        if self.services.calendars.unavailable:
            raise UserError(self.services.calendars.unavailable)


def render_summary(spec: Command[...]) -> str:
    """A command's summary and its example, as HTML."""
    example = f" Example: {h(spec.example)}" if spec.example else ""
    return f"{h(spec.summary)}{example}".strip()


def render_command_help(spec: Command[...], prefix: str) -> str:
    """One command's help: its usage, summary and example, details, and each subcommand's."""
    parts = [f"<code>{h(spec.usage_line(prefix, subcommands=False))}</code>"]
    if spec.summary or spec.example:
        parts.append(render_summary(spec))
    if spec.details:
        paragraphs = [" ".join(p.split()) for p in spec.details.split("\n\n") if p.strip()]
        parts.extend(h(p) for p in paragraphs)
    subs = {s.name: s for s in spec.subcommands.values()}
    if subs:
        items = "".join(
            f"<li><code>{h(s.usage_line(prefix))}</code> — {render_summary(s)}</li>" for s in subs.values()
        )
        parts.append(f"<ul>{items}</ul>")
    return "<br>".join(parts)
