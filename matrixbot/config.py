"""The configuration file: loading, validation and the one-line errors that name the bad key."""

from __future__ import annotations

import difflib
import fnmatch
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from matrixbot.errors import ConfigError
from matrixbot.storage.postgres import check_url, describe, password_of

USER_ID = re.compile(r"^@[^:\s]+:[^\s]+$")
_DURATION = re.compile(
    r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?)\s*$", re.I
)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

KNOWN_KEYS = {
    "homeserver": "URL of the homeserver, e.g. https://matrix.example.org",
    "user_id": "the bot's Matrix user id, e.g. @matrixbot:example.org",
    "password": "the bot's password (or use access_token; env MATRIXBOT_PASSWORD overrides)",
    "access_token": "an access token (env MATRIXBOT_ACCESS_TOKEN overrides)",
    "device_name": "the name of the bot's device",
    "data_dir": "folder for the session, the crypto store and (without `database`) the SQLite database",
    "database": "a PostgreSQL database for all the bot's state, postgresql://USER:PASSWORD@HOST:PORT/NAME (env MATRIXBOT_DATABASE overrides; default: an SQLite file in data_dir)",
    "owners": "user ids that may administer every room",
    "allowed_inviters": "glob patterns of user ids whose invites the bot accepts",
    "ignore_users": "user ids (other bots) whose messages are ignored",
    "default_plugins": "plugins enabled in rooms that made no choice",
    "prefix": "the command prefix",
    "late_grace": "how late a job may still be delivered after downtime, e.g. '6 hours'",
    "storage_fault_limit": "how long the database may stay unwritable before the bot exits, e.g. '10 minutes'",
    "timezone": "the zone of rooms that set none",
    "languages": "languages the time parser understands",
    "log_level": "DEBUG, INFO, WARNING or ERROR",
    "log_format": "text (one line per record) or json (one JSON object per line)",
    "http": "the bot's HTTP listener (health, metrics, room calendars), e.g. {listen: 127.0.0.1:9090} (off when absent)",
    "e2ee": "end-to-end encryption settings",
    "plugins": "per-plugin settings, by plugin name",
}
REMOVED_KEYS = {
    "language": "dates are read in every language listed under `languages`; delete the `language:` line",
}
"""Keys older configs may still have: refused with what to do instead, not as unknown."""
E2EE_KEYS = {"enabled", "trust"}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")
PLACEHOLDERS = {"password": "change me", "user_id": "@matrixbot:example.org"}
"""Values the sample config ships with: refused, so a copied sample cannot pass for a real config."""
ENV_KEYS = {
    "homeserver": "MATRIXBOT_HOMESERVER",
    "user_id": "MATRIXBOT_USER_ID",
    "password": "MATRIXBOT_PASSWORD",
    "access_token": "MATRIXBOT_ACCESS_TOKEN",
    "data_dir": "MATRIXBOT_DATA_DIR",
    "database": "MATRIXBOT_DATABASE",
}
"""Environment variables that override a key (a container can run from the environment alone)."""
HTTP_ENV = "MATRIXBOT_HTTP_LISTEN"
PUBLIC_URL_ENV = "MATRIXBOT_HTTP_PUBLIC_URL"
HTTP_KEYS = {"listen", "public_url", "trusted_proxies"}
LOOPBACK = ("127.0.0.0/8", "::1")
_PUBLIC_URL = re.compile(
    r"^(https?)://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?(/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?$"
)


@dataclass(frozen=True)
class E2EEConfig:
    enabled: bool = True
    trust: str = "all"


@dataclass(frozen=True)
class Config:
    homeserver: str
    user_id: str
    data_dir: Path
    database: str | None = field(default=None, repr=False)
    """A PostgreSQL database's address (postgresql://…, its password in it) for all the bot's state;
    None: the SQLite file in data_dir."""
    password: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    device_name: str = "matrixbot"
    owners: tuple[str, ...] = ()
    allowed_inviters: tuple[str, ...] = ()
    ignore_users: tuple[str, ...] = ()
    default_plugins: tuple[str, ...] | None = None
    """Plugins on in rooms that made no choice; None (the key left out): the built-in ones."""
    prefix: str = "!"
    late_grace: timedelta = timedelta(hours=6)
    storage_fault_limit: timedelta = timedelta(minutes=10)
    timezone: str = "UTC"
    languages: tuple[str, ...] = ("en",)
    log_level: str = "INFO"
    log_format: str = "text"
    http_listen: tuple[str, int] | None = None
    http_public_url: str | None = None
    """The address members' calendar apps reach the listener at (`http.public_url`), without a
    trailing slash: the room calendars are served under it at /calendar/."""
    http_trusted_proxies: tuple[str, ...] = LOOPBACK
    """Networks whose X-Forwarded-For is believed (a reverse proxy), for per-client rate limits."""
    e2ee: E2EEConfig = E2EEConfig()
    plugins: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: Path | None = field(default=None, compare=False)
    """The file this config was read from (None: built in code, or from the environment alone)."""

    @property
    def server_name(self) -> str:
        return self.user_id.split(":", 1)[1]

    @property
    def database_password(self) -> str | None:
        """The password in `database`'s address, if any: masked in every log line like the others."""
        return None if self.database is None else password_of(self.database)

    def may_invite(self, user_id: str) -> bool:
        """Whether an invite from this user is accepted (default: users of the bot's own server)."""
        patterns = self.allowed_inviters or (f"@*:{self.server_name}",)
        return any(fnmatch.fnmatchcase(user_id, pattern) for pattern in patterns)

    def plugin_config(self, name: str) -> dict[str, Any]:
        return dict(self.plugins.get(name) or {})


def load_config(path: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> Config:
    """Read and validate a YAML config; raise ConfigError with a one-line reason."""
    path = Path(path)
    env = os.environ if env is None else env
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if env.get(ENV_KEYS["homeserver"]) and env.get(ENV_KEYS["user_id"]):
            return parse_config({}, base_dir=Path.cwd(), env=env)
        raise ConfigError(
            f"{path}: no such file (`matrixbot init-config {path}` writes a commented sample to edit)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of keys (homeserver:, user_id:, ...)")
    return replace(parse_config(raw, base_dir=path.parent, env=env), source=path)


def parse_config(raw: dict[str, Any], *, base_dir: Path, env: Mapping[str, str]) -> Config:
    for key in raw:
        if key in REMOVED_KEYS:
            raise ConfigError(f"{key}: this setting was removed; {REMOVED_KEYS[key]}")
        if key not in KNOWN_KEYS:
            close = difflib.get_close_matches(str(key), KNOWN_KEYS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"unknown key '{key}'{hint}")
    raw = {**raw, **{key: env[name] for key, name in ENV_KEYS.items() if env.get(name)}}
    homeserver = _string(raw, "homeserver", required=True)
    if not re.match(r"^https?://[^\s/]+", homeserver):
        raise ConfigError(
            f"homeserver: '{homeserver}' is not a URL (expected e.g. https://matrix.example.org)"
        )
    user_id = _string(raw, "user_id", required=True)
    if not USER_ID.match(user_id):
        raise ConfigError(f"user_id: '{user_id}' is not a Matrix user id (expected @name:server)")
    password = _string(raw, "password")
    access_token = _string(raw, "access_token")
    if not password and not access_token:
        raise ConfigError(
            "password: either password or access_token is needed to log in "
            "(or set MATRIXBOT_PASSWORD or MATRIXBOT_ACCESS_TOKEN in the environment)"
        )
    for key, placeholder in PLACEHOLDERS.items():
        if raw.get(key) == placeholder:
            raise ConfigError(
                f"{key}: '{placeholder}' is the sample's placeholder; put the bot's own {key} here"
                + (" (or set MATRIXBOT_PASSWORD in the environment)" if key == "password" else "")
            )
    data_dir = Path(_string(raw, "data_dir") or "data").expanduser()
    if not data_dir.is_absolute():
        data_dir = base_dir / data_dir
    database = _string(raw, "database") or None
    if database is not None:
        wrong = check_url(database)
        if wrong:
            raise ConfigError(f"database: {describe(database)}: {wrong}")
    prefix = _string(raw, "prefix") or "!"
    if len(prefix) > 5 or any(ch.isspace() for ch in prefix):
        raise ConfigError(f"prefix: '{prefix}' must be 1-5 characters without spaces")
    timezone = _string(raw, "timezone") or "UTC"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"timezone: '{timezone}' is not an IANA zone (e.g. Europe/London)") from None
    log_level = (_string(raw, "log_level") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"log_level: '{log_level}' must be one of {', '.join(LOG_LEVELS)}")
    log_format = (_string(raw, "log_format") or "text").lower()
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"log_format: '{log_format}' must be one of {', '.join(LOG_FORMATS)}")
    languages = _user_list(raw, "languages", pattern=r"^[a-z]{2,3}(-[A-Za-z]+)?$") or ("en",)
    plugins = raw.get("plugins") or {}
    if not isinstance(plugins, dict) or not all(isinstance(v, dict | None) for v in plugins.values()):
        raise ConfigError("plugins: expected a mapping of plugin name to its settings")
    return Config(
        homeserver=homeserver.rstrip("/"),
        user_id=user_id,
        data_dir=data_dir,
        database=database,
        password=password,
        access_token=access_token,
        device_name=_string(raw, "device_name") or "matrixbot",
        owners=_user_list(raw, "owners", pattern=USER_ID.pattern),
        allowed_inviters=_user_list(raw, "allowed_inviters", pattern=r"^@.*"),
        ignore_users=_user_list(raw, "ignore_users", pattern=USER_ID.pattern),
        default_plugins=(
            None
            if raw.get("default_plugins") is None
            else _user_list(raw, "default_plugins", pattern=r"^[a-z][a-z0-9_]*$")
        ),
        prefix=prefix,
        late_grace=parse_seconds(raw.get("late_grace", "6 hours"), "late_grace"),
        storage_fault_limit=parse_seconds(
            raw.get("storage_fault_limit", "10 minutes"), "storage_fault_limit"
        ),
        timezone=timezone,
        languages=languages,
        log_level=log_level,
        log_format=log_format,
        **_http(raw.get("http"), env.get(HTTP_ENV), env.get(PUBLIC_URL_ENV)),
        e2ee=_e2ee(raw.get("e2ee")),
        plugins={name: dict(value or {}) for name, value in plugins.items()},
    )


def parse_seconds(value: Any, key: str) -> timedelta:
    """A config duration: a number of seconds or '6 hours', '30 min', '2 days'."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return timedelta(seconds=value)
    match = _DURATION.match(str(value))
    if not match:
        raise ConfigError(f"{key}: '{value}' is not a duration (expected e.g. '6 hours' or '30 minutes')")
    number, unit = float(match.group(1)), match.group(2)[0].lower()
    return timedelta(seconds=number * _UNIT_SECONDS[unit])


def _string(raw: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = raw.get(key)
    if value is None or value == "":
        if required:
            raise ConfigError(f"{key}: missing ({KNOWN_KEYS[key]})")
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ConfigError(f"{key}: expected text, got {type(value).__name__}")
    return str(value)


def _user_list(raw: dict[str, Any], key: str, *, pattern: str) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ConfigError(f"{key}: expected a list")
    for item in value:
        if not isinstance(item, str) or not re.match(pattern, item):
            raise ConfigError(f"{key}: '{item}' is not valid ({KNOWN_KEYS[key]})")
    return tuple(value)


def _http(value: Any, listen_env: str | None, public_env: str | None) -> dict[str, Any]:
    """`http: {listen: HOST:PORT, public_url: URL, trusted_proxies: [...]}` (MATRIXBOT_HTTP_LISTEN and
    MATRIXBOT_HTTP_PUBLIC_URL override) → the Config's http_* fields; no listen keeps it off."""
    if value is not None and (not isinstance(value, dict) or set(value) - HTTP_KEYS):
        unknown = sorted(map(str, set(value) - HTTP_KEYS)) if isinstance(value, dict) else []
        raise ConfigError(
            "http: expected a mapping with listen: HOST:PORT and optionally public_url: URL, "
            "e.g. {listen: 127.0.0.1:9090, public_url: https://bot.example.org}"
            + (f" ('{unknown[0]}' is not one of its keys)" if unknown else "")
        )
    value = dict(value or {})
    if listen_env:
        value["listen"] = listen_env
    if public_env:
        value["public_url"] = public_env
    if not value:
        return {}
    listen = str(value.get("listen") or "")
    public_url = _public_url(value.get("public_url"))
    if not listen:
        raise ConfigError(
            "http.listen: missing (HOST:PORT, e.g. 127.0.0.1:9090): the calendar at http.public_url "
            "is served by the bot's own listener"
        )
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"http.listen: '{listen}' is not HOST:PORT (e.g. 127.0.0.1:9090)")
    found: dict[str, Any] = {"http_listen": (host.strip("[]"), int(port)), "http_public_url": public_url}
    if "trusted_proxies" in value:
        found["http_trusted_proxies"] = _networks(value["trusted_proxies"])
    return found


def _public_url(value: Any) -> str | None:
    """The base address of the bot's listener as members reach it: http(s), a host, maybe a path."""
    if value is None or value == "":
        return None
    text = str(value).strip().rstrip("/")
    if not isinstance(value, str) or not _PUBLIC_URL.match(text):
        raise ConfigError(
            f"http.public_url: '{value}' is not a web address without query or fragment "
            "(e.g. https://bot.example.org)"
        )
    return text


def _networks(value: Any) -> tuple[str, ...]:
    """`trusted_proxies`: addresses or networks (CIDR) of reverse proxies."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ConfigError("http.trusted_proxies: expected a list of addresses or networks, e.g. [127.0.0.1]")
    for item in items:
        try:
            ipaddress.ip_network(str(item), strict=False)
        except ValueError:
            raise ConfigError(
                f"http.trusted_proxies: '{item}' is not an IP address or network (e.g. 172.18.0.0/16)"
            ) from None
    return tuple(str(item) for item in items)


def _e2ee(value: Any) -> E2EEConfig:
    if value is None:
        return E2EEConfig()
    if not isinstance(value, dict):
        raise ConfigError("e2ee: expected a mapping with enabled: and trust:")
    for key in value:
        if key not in E2EE_KEYS:
            raise ConfigError(f"e2ee.{key}: unknown key (expected enabled or trust)")
    enabled = value.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError("e2ee.enabled: expected true or false")
    trust = value.get("trust", "all")
    if trust not in ("all", "verified-only"):
        raise ConfigError(f"e2ee.trust: '{trust}' must be 'all' or 'verified-only'")
    return E2EEConfig(enabled=enabled, trust=trust)
