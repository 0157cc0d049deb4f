"""`matrixbot check-config`: what a config file promises, checked before the bot relies on it.

Parsing (config.py) catches malformed keys. Here: the plugin names against the plugins actually
installed, warnings for lists of people that name nobody of the bot's own server (most often the
sample's example.org left in), warnings for a calendar address members' apps cannot use or a
listener that shows /metrics to anyone, and optionally (`--login`) the homeserver URL and the credentials,
by logging in, and a PostgreSQL `database`, by connecting to it.
"""

from __future__ import annotations

import asyncio
import fnmatch
import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

import aiohttp
import nio

from matrixbot.api.invocation import suggest
from matrixbot.config import Config
from matrixbot.errors import ConfigError, StartupError
from matrixbot.storage.postgres import PostgresConnection

LOGIN_TIMEOUT = 30.0


def check_plugin_names(config: Config, installed: Iterable[str]) -> None:
    """Every plugin named in default_plugins and under plugins: must be installed."""
    installed = sorted(installed)
    named = [("default_plugins", n) for n in config.default_plugins or ()]
    named += [("plugins", n) for n in config.plugins]
    for key, name in named:
        if name not in installed:
            close = suggest(name, installed)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ConfigError(
                f"{key}: there is no plugin '{name}' ({hint}installed: {', '.join(installed) or 'none'})"
            )


def own_server_warnings(config: Config) -> list[str]:
    """Warnings for `owners` and `allowed_inviters` that name no user of the bot's own server.

    Either may rightly name people elsewhere, so these are warnings, not errors; but a list with
    nobody of the bot's own server is most often a copied sample: every invite from the bot's own
    users is refused, or no one there can administer it.
    """
    server = config.server_name
    warnings = []
    if config.allowed_inviters and not any(_may_match(p, server) for p in config.allowed_inviters):
        warnings.append(
            f"allowed_inviters: no pattern matches a user of {server}, the bot's own server "
            f"({', '.join(config.allowed_inviters)}), so invites from its users will be refused; "
            f"to accept them, add '@*:{server}'"
        )
    if config.owners and not any(o.split(":", 1)[1] == server for o in config.owners):
        warnings.append(
            f"owners: none is a user of {server}, the bot's own server ({', '.join(config.owners)}); "
            "check the server names"
        )
    return warnings


def http_warnings(config: Config) -> list[str]:
    """Warnings for room calendars (`http.public_url`): an address calendar apps refuse or cannot
    reach, and a listener on a public address, where /metrics and /health are anyone's too."""
    url = config.http_public_url
    if url is None or config.http_listen is None:
        return []
    guide = "(README: The room's calendar)"
    warnings = []
    if url.startswith("http://"):
        warnings.append(
            f"http.public_url: {url} is not https: Google Calendar and Outlook refuse such feeds, and "
            f"the addresses (links that give access) would travel unencrypted; put a reverse proxy with TLS in front {guide}"
        )
    host = urlsplit(url).hostname or ""
    if host == "localhost" or _internal(host):
        warnings.append(
            f"http.public_url: {host} cannot be reached by members' calendar apps (Google Calendar "
            f"fetches from its own servers); give the address your reverse proxy serves {guide}"
        )
    listen = config.http_listen[0]
    if listen != "localhost" and not _internal(listen, loopback_only=True):
        warnings.append(
            f"http.listen: {listen} is not a loopback address: unless a firewall or Docker's port mapping "
            "keeps the port private, whoever reaches it reads /metrics and /health too; listen on "
            f"127.0.0.1 behind a reverse proxy that passes only /calendar/ {guide}"
        )
    return warnings


def _internal(host: str, *, loopback_only: bool = False) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or (not loopback_only and (address.is_private or address.is_link_local))


def _may_match(pattern: str, server: str) -> bool:
    """Whether the glob `pattern` can match a user id of `server` (`@local:server`, no colon in the
    local part): by its server part when it has a colon, else only if it ends in `*`."""
    _, colon, host = pattern.partition(":")
    return fnmatch.fnmatchcase(server, host) if colon else pattern.endswith("*")


async def check_login(config: Config) -> str:
    """Prove the homeserver URL and the credentials work; return what was proved, in one line.

    A password login makes a new device, so that device is logged out again at once; the bot's
    own session in data_dir is not touched.
    """
    try:
        return await asyncio.wait_for(_login(config), LOGIN_TIMEOUT)
    except TimeoutError:
        raise StartupError(f"{config.homeserver} did not answer within {LOGIN_TIMEOUT:.0f} s") from None
    except (aiohttp.ClientError, OSError) as exc:
        raise StartupError(f"cannot reach {config.homeserver} ({type(exc).__name__})") from None


async def check_database(url: str) -> str:
    """Prove the PostgreSQL database can be reached and used; return what was found, in one line."""
    connection = PostgresConnection(url)
    try:
        await asyncio.wait_for(connection.connect(), LOGIN_TIMEOUT)
        version = await connection.server_version()
        tables = await connection.tables()
    except Exception as exc:
        cause = connection.passing(exc)
        if cause is None and not isinstance(exc, connection.errors):
            raise
        raise StartupError(f"cannot use the database {connection.where}: {cause or exc}") from None
    finally:
        await connection.close()
    found = (
        "empty: the bot makes its tables at its first start (or: matrixbot db copy)"
        if not tables
        else f"{len(tables)} tables"
    )
    return f"PostgreSQL {version} at {connection.where}, {found}"


async def _login(config: Config) -> str:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{config.homeserver}/_matrix/client/versions") as response,
    ):
        versions = await response.json(content_type=None) if response.status == 200 else None
    if not isinstance(versions, dict) or "versions" not in versions:
        raise StartupError(f"{config.homeserver} is not a Matrix homeserver (no /_matrix/client/versions)")
    client = nio.AsyncClient(
        config.homeserver, config.user_id, config=nio.AsyncClientConfig(max_timeouts=0, request_timeout=20)
    )
    try:
        if config.access_token:
            client.access_token = config.access_token
            whoami = await client.whoami()
            if not isinstance(whoami, nio.WhoamiResponse):
                raise StartupError(f"the homeserver refused the access token ({whoami.status_code})")
            if whoami.user_id != config.user_id:
                raise StartupError(f"the access token belongs to {whoami.user_id}, not {config.user_id}")
            return f"the access token works for {config.user_id} on {config.homeserver}"
        assert config.password
        login = await client.login(config.password, device_name=f"{config.device_name} (check-config)")
        if not isinstance(login, nio.LoginResponse):
            raise StartupError(f"login as {config.user_id} failed: {login.status_code} {login.message}")
        await client.logout()
        return f"logged in as {config.user_id} on {config.homeserver} (and out again)"
    finally:
        await client.close()
