"""Logging in, and keeping the access token and device id so every start is the same device.

The session file lives in the data directory with mode 0600. Its token is never logged.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import nio

from matrixbot.config import Config
from matrixbot.errors import StartupError
from matrixbot.logsetup import SECRETS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Session:
    user_id: str
    device_id: str
    access_token: str

    def __repr__(self) -> str:
        return f"Session(user_id={self.user_id!r}, device_id={self.device_id!r}, access_token=<hidden>)"


def session_path(data_dir: Path) -> Path:
    return data_dir / "session.json"


def load_session(config: Config) -> Session | None:
    path = session_path(config.data_dir)
    try:
        stored = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StartupError(f"{path} is unreadable ({exc}); delete it to log in afresh") from None
    if stored.get("user_id") != config.user_id or stored.get("homeserver") != config.homeserver:
        log.warning("stored session is for another account or homeserver; logging in afresh")
        return None
    return Session(stored["user_id"], stored["device_id"], stored["access_token"])


def save_session(config: Config, session: Session) -> None:
    path = session_path(config.data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(
            {
                "homeserver": config.homeserver,
                "user_id": session.user_id,
                "device_id": session.device_id,
                "access_token": session.access_token,
            },
            handle,
        )
    os.replace(tmp, path)


async def log_in(client: nio.AsyncClient, config: Config) -> Session:
    """Reuse the stored session if its token still works; else log in again on the same device."""
    stored = load_session(config)
    token = config.access_token or (stored.access_token if stored else None)
    SECRETS.add(token)
    if token:
        client.access_token = token
        client.user_id = config.user_id
        whoami = await client.whoami()
        if isinstance(whoami, nio.WhoamiResponse) and whoami.user_id == config.user_id:
            device_id = whoami.device_id or (stored.device_id if stored else "")
            if not device_id:
                raise StartupError("the access token has no device; log in with a password instead")
            session = Session(config.user_id, device_id, token)
            save_session(config, session)
            return session
        if isinstance(whoami, nio.WhoamiResponse):
            raise StartupError(f"the access token belongs to {whoami.user_id}, not {config.user_id}")
        if config.access_token and not config.password:
            raise StartupError(f"the homeserver refused the access token ({whoami.status_code})")
        log.warning("stored access token no longer works; logging in with the password")
    if not config.password:
        raise StartupError("no password to log in with")
    if stored:
        client.device_id = stored.device_id
    response = await client.login(config.password, device_name=config.device_name)
    if not isinstance(response, nio.LoginResponse):
        raise StartupError(f"login as {config.user_id} failed: {response.status_code} {response.message}")
    session = Session(response.user_id, response.device_id, response.access_token)
    SECRETS.add(session.access_token)
    save_session(config, session)
    log.info("logged in as %s (device %s)", session.user_id, session.device_id)
    return session
