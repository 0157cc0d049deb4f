"""The core's own commands: help, plugins on and off, room and personal settings, the room's calendar."""

from __future__ import annotations

from typing import Annotated, Literal

from matrixbot import (
    ALWAYS_ON,
    LANGUAGES,
    Command,
    Context,
    Message,
    Plugin,
    Rest,
    Services,
    Shown,
    Translations,
    UserError,
    any_of,
    command,
    declared,
    h,
    shorten,
    speaking,
    suggest,
)

from .calendar import render_address, render_reset
from .texts import _, _n, texts

HELP_CACHE_SIZE = 64
"""Distinct help texts kept rendered (a help text depends only on the prefix, the room's plugins
and the language)."""
CLEARED = ("none", "off", "room")


class CorePlugin(Plugin):
    name = "core"
    description = "Help, plugins and settings."
    translations = texts

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self._rendered: dict[str, Message] = {}

    def _texts(self, plugin: str) -> Translations | None:
        """The catalogs of plugin `plugin`, for what it declared."""
        found = self.catalog.plugins.get(plugin)
        return found.translations if found is not None else None

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
                said = _("There is no command {command} here.").format(command=f"{p}{shorten(name)}")
                if close:
                    said += " " + _("Did you mean {commands}?").format(commands=any_of(p + c for c in close))
                raise UserError(said)
            await self._answer(ctx, render_command_help(spec, p, self._texts(spec.plugin)))
            return
        sections = []
        for plugin_name in [*sorted(ALWAYS_ON), *sorted(enabled - ALWAYS_ON)]:
            plugin = self.catalog.plugins[plugin_name]
            specs = sorted((s for s in plugin.commands()), key=lambda s: s.name)
            if not specs:
                continue
            own = plugin.translations
            items = "".join(
                f"<li><code>{h(s.usage_line(p))}</code> — {render_summary(s, own)}</li>" for s in specs
            )
            sections.append(
                f"<b>{h(plugin.name)}</b>: {h(declared(plugin.description, own))}<ul>{items}</ul>"
            )
        off = sorted(set(self.catalog.optional) - enabled)
        footer = ""
        if off and not enabled - ALWAYS_ON:
            footer = "<br>" + _(
                "No plugins are on in this room, so only the commands above work. A room admin can turn "
                "one on with {command}: {plugins}."
            ).format(command=f"<code>{h(p)}enable NAME</code>", plugins=h(", ".join(off)))
        elif off:
            footer = "<br>" + _("Off in this room: {plugins} (a room admin can {command} them).").format(
                plugins=h(", ".join(off)), command=f"{h(p)}enable"
            )
        details = _("Say {command} for details.").format(command=f"<code>{h(p)}help COMMAND</code>")
        await self._answer(ctx, f"{''.join(sections)}{details}{footer}")

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
        on, off = _("on"), _("off")
        rows = "".join(
            f"<li><b>{h(name)}</b> {on if name in enabled else off} — "
            f"{h(declared(self.catalog.plugins[name].description, self._texts(name)))}</li>"
            for name in sorted(self.catalog.optional)
        )
        await ctx.reply(
            _("Plugins in this room:") + f"<ul>{rows}</ul>" if rows else _("No plugins are installed.")
        )

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
            raise UserError(_("The core commands are always on."))
        if name not in self.catalog.optional:
            close = suggest(name, self.catalog.optional)
            said = _("There is no plugin '{name}'.").format(name=shorten(name))
            if close:
                said += " " + _("Did you mean {plugin}?").format(plugin=close[0])
            else:
                said += " " + _("Plugins: {plugins}").format(plugins=", ".join(sorted(self.catalog.optional)))
            raise UserError(said)
        await self.settings.set_plugin(ctx.room_id, name, on)
        said = _("{plugin} is now on in this room.") if on else _("{plugin} is now off in this room.")
        await ctx.reply(said.format(plugin=h(name)))

    def _declarer(self, setting: str) -> Translations | None:
        """The catalogs of the plugin that declared `setting` (None: the core's own settings)."""
        for plugin in self.catalog.plugins.values():
            if any(s.name == setting for s in plugin.room_settings):
                return plugin.translations
        return None

    @command("settings")
    async def show_settings(self, ctx: Context) -> None:
        """Show this room's settings."""
        values = await self.settings.all(ctx.room_id)
        rows = "".join(
            f"<li><code>{h(name)}</code>: {h(value)} — "
            f"{h(declared(self.settings.declared[name].help, self._declarer(name)))}</li>"
            for name, value in values.items()
        )
        mine = ""
        if ctx.user_zone:
            mine += "<br>" + _("Your own time zone: {zone}").format(zone=h(ctx.user_zone))
        own = await self.settings.user_language(ctx.sender)
        if own:
            mine += "<br>" + _("Your own language: {language}").format(language=h(LANGUAGES[own]))
        change = _("Change one with {command}.").format(
            command=f"<code>{h(self.prefix)}set NAME VALUE</code>"
        )
        await ctx.reply(_("Settings of this room:") + f"<ul>{rows}</ul>{change}{mine}")

    @command("set", example="!set timezone Europe/London")
    async def set(self, ctx: Context, name: str, value: Rest) -> None:
        """Change a room setting (room admins), or your own time zone or language."""
        await ctx.require_admin(_("change this room's settings"))
        stored = await self.settings.set(ctx.room_id, name.lower(), value.strip())
        if name.lower() == "language":  # said in the language it now is, unless the sender has their own
            with speaking(await self.settings.language(ctx.room_id, ctx.sender)):
                await ctx.reply(
                    _("I write in {language} in this room now.").format(language=h(LANGUAGES[stored]))
                )
            return
        await ctx.reply(_("{name} is now {value}.").format(name=h(name.lower()), value=h(stored)))

    @set.sub("my", example="!set my timezone Europe/Berlin")
    async def set_mine(
        self, ctx: Context, setting: Literal["timezone", "zone", "tz", "language", "lang"], value: Rest
    ) -> None:
        """Set your own time zone (times are shown to you in it too) or language (I answer you in it).

        'none' goes back to the room's zone or language."""
        cleared = value.lower() in CLEARED
        if setting in ("language", "lang"):
            await self.settings.set_user_language(ctx.sender, None if cleared else value)
            with speaking(await self.settings.language(ctx.room_id, ctx.sender)):
                own = await self.settings.user_language(ctx.sender)
                await ctx.reply(
                    _("I will write to you in {language}.").format(language=h(LANGUAGES[own]))
                    if own
                    else _("I will write to you in the room's language.")
                )
            return
        await self.settings.set_user_zone(ctx.sender, None if cleared else value)
        await ctx.reply(
            _("I will show you times in the room's zone.")
            if cleared
            else _("I will also show you times in {zone}.").format(zone=h(value))
        )

    @command("calendar")
    async def calendar(self, ctx: Context) -> None:
        """Get this room's calendar for your calendar app: meetings, gatherings and deadlines, kept up to date.

        The address is yours (asking again gives you a new one and ends the old); it works while
        you are in the room. The same address without .ics is the agenda page, for a browser."""
        self._calendars_ready()
        if await self.services.calendars.is_off(ctx.room_id):
            raise UserError(
                _(
                    "A room admin turned this room's calendar off; a room admin can turn it on with {command}."
                ).format(command=f"{self.prefix}calendar on")
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
        gone = _n(
            "This room's calendar is off; {n} address stopped working.",
            "This room's calendar is off; {n} addresses stopped working.",
            ended,
        ).format(n=ended)
        again = _("{command} lets members get addresses again.").format(
            command=f"{h(self.prefix)}calendar on"
        )
        await ctx.reply(f"{gone} {again}")

    @calendar.sub("on", admin=True)
    async def calendar_on(self, ctx: Context) -> None:
        """Let members get addresses of this room's calendar again, after !calendar off (room admins)."""
        self._calendars_ready()
        was_off = await self.services.calendars.turn_on(ctx.room_id)
        said = (
            _("This room's calendar is on again: {command} gives you its address.")
            if was_off
            else _("This room's calendar was on already: {command} gives you its address.")
        )
        await ctx.reply(said.format(command=f"{h(self.prefix)}calendar"))

    def _calendars_ready(self) -> None:
        if self.services.calendars.unavailable:
            raise UserError(self.services.calendars.unavailable)


def render_summary(spec: Command[...], own: Translations | None) -> str:
    """A command's summary and its example, as HTML, from its plugin's catalogs (`own`)."""
    summary = h(declared(spec.summary, own)) if spec.summary else ""
    example = (
        " " + _("Example: {example}").format(example=h(declared(spec.example, own))) if spec.example else ""
    )
    return f"{summary}{example}".strip()


def render_command_help(spec: Command[...], prefix: str, own: Translations | None) -> str:
    """One command's help: its usage, summary and example, details, and each subcommand's."""
    parts = [f"<code>{h(spec.usage_line(prefix, subcommands=False))}</code>"]
    if spec.summary or spec.example:
        parts.append(render_summary(spec, own))
    parts.extend(h(declared(p, own)) for p in spec.paragraphs)
    subs = {s.name: s for s in spec.subcommands.values()}
    if subs:
        items = "".join(
            f"<li><code>{h(s.usage_line(prefix))}</code> — {render_summary(s, own)}</li>"
            for s in subs.values()
        )
        parts.append(f"<ul>{items}</ul>")
    return "<br>".join(parts)
