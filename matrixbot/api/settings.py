"""Per-room and per-user settings, and which plugins a room has switched on.

Settings are declared (the core declares timezone, language, working_hours and hello; plugins may
declare their own), so `!set` validates every value in one place and `!settings` can list them with
their help (`help` is written in English and translated where it is shown: mark it `N_(...)`, or
let the catalog tools find it in `Setting(...)`).

Each member may also set their own time zone and language (`!set my …`): kept per user, for every
room.
"""

from __future__ import annotations

import builtins  # `set` is also a method of SettingsStore
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from matrixbot.db import Database
from matrixbot.errors import UserError
from matrixbot.i18n import ENGLISH, N_, _
from matrixbot.i18n.languages import LANGUAGES, check_language
from matrixbot.time import DEFAULT_HOURS, WorkingHours, parse_working_hours, shorten


@dataclass(frozen=True)
class Setting:
    """A room setting a plugin (or the core) declares: `!set NAME VALUE`."""

    name: str
    help: str
    default: str
    choices: tuple[str, ...] = ()
    check: Callable[[str], str] | None = None
    """Returns the normalised value or raises UserError saying what is allowed."""

    def validate(self, value: str) -> str:
        if self.choices:
            if value.lower() not in self.choices:
                raise UserError(
                    _("{name} must be one of: {choices}").format(
                        name=self.name, choices=", ".join(self.choices)
                    )
                )
            return value.lower()
        return self.check(value) if self.check else value


def check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        hint = _zone_hint(value)
        raise UserError(
            _("'{zone}' is not a time zone I know. Use an IANA name like Europe/London{hint}.").format(
                zone=shorten(value), hint=hint
            )
        ) from None
    return value


def check_working_hours(value: str) -> str:
    """`Mon-Fri 09:00-18:00` as the bot writes it back, or `off`; UserError with an example."""
    hours = parse_working_hours(value)
    return "off" if hours is None else hours.text


def _zone_hint(value: str) -> str:
    import difflib
    from zoneinfo import available_timezones

    lowered = value.lower().replace(" ", "_")[:64]
    zones = {z.lower(): z for z in available_timezones()}
    matches = sorted(z for low, z in zones.items() if lowered and lowered in low)[:3]
    if not matches and lowered:  # a near miss ("Europe/Londn", "Berln"): the closest names
        cities = {low.rsplit("/", 1)[-1]: z for low, z in zones.items()}
        close = difflib.get_close_matches(lowered, zones, n=3, cutoff=0.8)
        near = difflib.get_close_matches(lowered.rsplit("/", 1)[-1], cities, n=3, cutoff=0.75)
        matches = list(dict.fromkeys([zones[c] for c in close] + [cities[c] for c in near]))[:3]
    if matches:
        return " " + _("(did you mean {zones}?)").format(zones=", ".join(matches))
    return " " + _("or America/New_York")


class SettingsStore:
    def __init__(
        self,
        db: Database,
        *,
        default_zone: str,
        default_plugins: Iterable[str],
    ) -> None:
        self._db = db
        self._rooms: dict[str, dict[str, str]] = {}
        self._choices: dict[str, dict[str, bool]] = {}
        self._users: dict[tuple[str, str], str | None] = {}
        self.default_plugins = tuple(default_plugins)
        self.declared: dict[str, Setting] = {}
        self.declare(
            Setting("timezone", N_("the room's time zone (IANA name)"), default_zone, check=check_zone)
        )
        self.declare(
            Setting(
                "language",
                N_(
                    "the language I write in here (de, en, es or fr); members may choose their own with !set my language"
                ),
                ENGLISH,
                check=check_language,
            )
        )
        self.declare(
            Setting(
                "working_hours",
                N_(
                    "when nudges and scheduled check-ins may go out, in the room's zone (e.g. "
                    "Mon-Fri 09:00-18:00, or off); outside them they wait for the next working time"
                ),
                DEFAULT_HOURS,
                check=check_working_hours,
            )
        )
        self.declare(
            Setting(
                "hello",
                N_("whether the bot says hello when it first joins this room (on or off; never twice)"),
                "on",
                choices=("on", "off"),
            )
        )

    def declare(self, setting: Setting) -> None:
        self.declared[setting.name] = setting

    async def _room(self, room_id: str) -> dict[str, str]:
        """A room's stored settings, read once and then kept (this store is their only writer)."""
        if room_id not in self._rooms:
            rows = await self._db.fetch_all(
                "SELECT key, value FROM room_settings WHERE room_id = ?", (room_id,)
            )
            self._rooms[room_id] = {r["key"]: r["value"] for r in rows}
        return self._rooms[room_id]

    def forget(self, *room_ids: str) -> None:
        """Read these rooms' settings and plugin choices again (their rows changed: a room moved)."""
        for room_id in room_ids:
            self._rooms.pop(room_id, None)
            self._choices.pop(room_id, None)

    async def get(self, room_id: str, name: str) -> str:
        return (await self._room(room_id)).get(name, self.declared[name].default)

    async def all(self, room_id: str) -> dict[str, str]:
        stored = await self._room(room_id)
        return {name: stored.get(name, s.default) for name, s in sorted(self.declared.items())}

    async def set(self, room_id: str, name: str, value: str) -> str:
        setting = self.declared.get(name)
        if setting is None:
            raise UserError(
                _("There is no setting '{name}'. Settings: {names}.").format(
                    name=shorten(name), names=", ".join(sorted(self.declared))
                )
            )
        value = setting.validate(value)
        await self._db.execute(
            "INSERT INTO room_settings (room_id, key, value) VALUES (?, ?, ?) "
            "ON CONFLICT (room_id, key) DO UPDATE SET value = excluded.value",
            (room_id, name, value),
        )
        (await self._room(room_id))[name] = value
        return value

    async def zone(self, room_id: str) -> str:
        return await self.get(room_id, "timezone")

    async def working_hours(self, room_id: str) -> WorkingHours | None:
        """The room's working hours; None when they are off (nothing waits for them)."""
        return parse_working_hours(await self.get(room_id, "working_hours"))

    async def language(self, room_id: str, user_id: str | None = None) -> str:
        """The language to write in: `user_id`'s own when they chose one (`!set my language`), else
        the room's. A stored value the bot does not speak (from before `language` was real) is
        English."""
        own = await self.user_language(user_id) if user_id is not None else None
        if own is not None:
            return own
        room = await self.get(room_id, "language")
        return room if room in LANGUAGES else ENGLISH

    async def user_zone(self, user_id: str) -> str | None:
        return await self._user(user_id, "timezone")

    async def set_user_zone(self, user_id: str, zone: str | None) -> None:
        await self._set_user(user_id, "timezone", None if zone is None else check_zone(zone))

    async def user_language(self, user_id: str) -> str | None:
        """The language `user_id` chose for themselves, or None."""
        found = await self._user(user_id, "language")
        return found if found in LANGUAGES else None

    async def set_user_language(self, user_id: str, language: str | None) -> None:
        await self._set_user(user_id, "language", None if language is None else check_language(language))

    async def _user(self, user_id: str, key: str) -> str | None:
        """A member's own setting, read once and then kept (this store is its only writer)."""
        if (user_id, key) not in self._users:
            self._users[(user_id, key)] = await self._db.fetch_value(
                "SELECT value FROM user_settings WHERE user_id = ? AND key = ?", (user_id, key)
            )
        return self._users[(user_id, key)]

    async def _set_user(self, user_id: str, key: str, value: str | None) -> None:
        if value is None:
            await self._db.execute("DELETE FROM user_settings WHERE user_id = ? AND key = ?", (user_id, key))
        else:
            await self._db.execute(
                "INSERT INTO user_settings (user_id, key, value) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value",
                (user_id, key, value),
            )
        self._users[(user_id, key)] = value

    async def _plugin_choices(self, room_id: str) -> dict[str, bool]:
        if room_id not in self._choices:
            rows = await self._db.fetch_all(
                "SELECT plugin, enabled FROM room_plugins WHERE room_id = ?", (room_id,)
            )
            self._choices[room_id] = {r["plugin"]: bool(r["enabled"]) for r in rows}
        return self._choices[room_id]

    async def enabled_plugins(self, room_id: str, available: Iterable[str]) -> builtins.set[str]:
        choice = await self._plugin_choices(room_id)
        return {name for name in available if choice.get(name, name in self.default_plugins)}

    async def set_plugin(self, room_id: str, plugin: str, enabled: bool) -> None:
        await self._db.execute(
            "INSERT INTO room_plugins (room_id, plugin, enabled) VALUES (?, ?, ?) "
            "ON CONFLICT (room_id, plugin) DO UPDATE SET enabled = excluded.enabled",
            (room_id, plugin, int(enabled)),
        )
        (await self._plugin_choices(room_id))[plugin] = enabled
