"""A throwaway Synapse homeserver on loopback, for the test suite, `matrixbot demo` and benchmarks.

It writes a minimal homeserver.yaml itself (no slow `--generate-config`), keeps everything in one
work directory (SQLite database, media, signing key, log), lifts every rate limit a test could hit
and lets accounts be created through the shared-secret admin API. Nothing is downloaded.

    with Synapse(Path("/tmp/hs")) as hs:
        alice = hs.register("alice")

`python -m matrixbot.testing.synapse WORKDIR` starts one for a person or a benchmark and prints its URL.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import hmac
import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import yaml

__all__ = ["Account", "Synapse"]

#: A rate limit no test reaches: Synapse compares floats, so a large finite number is as good as off.
_UNLIMITED: dict[str, float] = {"per_second": 1_000_000.0, "burst_count": 1_000_000.0}

#: Every rate limiter Synapse 1.163 reads (synapse/config/ratelimiting.py), lifted.
_RATE_LIMITS: dict[str, Any] = {
    "rc_message": _UNLIMITED,
    "rc_registration": _UNLIMITED,
    "rc_registration_token_validity": _UNLIMITED,
    "rc_login": {"address": _UNLIMITED, "account": _UNLIMITED, "failed_attempts": _UNLIMITED},
    "rc_admin_redaction": _UNLIMITED,
    "rc_joins": {"local": _UNLIMITED, "remote": _UNLIMITED},
    "rc_joins_per_room": _UNLIMITED,
    "rc_key_requests": _UNLIMITED,
    "rc_3pid_validation": _UNLIMITED,
    "rc_invites": {"per_room": _UNLIMITED, "per_user": _UNLIMITED, "per_issuer": _UNLIMITED},
    "rc_third_party_invite": _UNLIMITED,
    "rc_media_create": _UNLIMITED,
    "rc_presence": {"per_user": _UNLIMITED},
    "rc_delayed_event_mgmt": _UNLIMITED,
    "rc_room_creation": _UNLIMITED,
    "rc_reports": _UNLIMITED,
    "rc_user_directory": _UNLIMITED,
    "rc_profile": _UNLIMITED,
    "rc_federation": {
        "window_size": 1000,
        "sleep_limit": 1_000_000,
        "sleep_delay": 1,
        "reject_limit": 1_000_000,
        "concurrent": 1_000_000,
    },
    "federation_rr_transactions_per_room_per_second": 1_000_000,
    "remote_media_download_per_second": "1G",
    "remote_media_download_burst_count": "100G",
}

_LOG_CONFIG = """\
version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s'
handlers:
  file:
    class: logging.FileHandler
    formatter: precise
    filename: {log_path}
    encoding: utf8
loggers:
  # "Not sending response to request ...": a client gave up a /sync long-poll, as ChatClient does.
  synapse.http.server:
    level: ERROR
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
"""


@dataclass(frozen=True)
class Account:
    """A registered, logged-in user: `access_token` and `device_id` are ready for a client."""

    user_id: str
    password: str
    access_token: str
    device_id: str
    localpart: str


class Synapse:
    """A throwaway homeserver: SQLite, loopback only, relaxed rate limits, shared-secret registration."""

    def __init__(
        self,
        workdir: Path,
        *,
        server_name: str = "localhost",
        port: int | None = None,
        extra_config: dict[str, Any] | None = None,
    ) -> None:
        self.workdir = Path(workdir).resolve()
        self.server_name = server_name
        self._port_picked = port is None
        self.port = port if port is not None else _free_loopback_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_config = extra_config or {}
        self.log_path = self.workdir / "homeserver.log"
        self.config_path = self.workdir / "homeserver.yaml"
        self.registration_shared_secret = secrets.token_hex(32)
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    # -- life cycle ---------------------------------------------------------------------------

    def start(self, timeout: float = 90.0) -> None:
        """Start Synapse and return once it answers `/_matrix/client/versions`.

        Raises RuntimeError, with the end of Synapse's log, if it exits or is not ready in time.
        A port picked here that another process took meanwhile is replaced by a new one.
        """
        if self._process is not None:
            raise RuntimeError("this Synapse is already running")
        self.workdir.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        for attempt in range(3):
            try:
                self._start_once(began + timeout)
                break
            except _PortTaken:
                if not self._port_picked or attempt == 2:
                    raise RuntimeError(f"port {self.port} is in use:\n{self._log_tail()}") from None
                self.port = _free_loopback_port()
                self.url = f"http://127.0.0.1:{self.port}"
        self.startup_seconds = time.monotonic() - began

    def _start_once(self, deadline: float) -> None:
        self._write_config()
        log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        self._log_file = self.log_path.open("ab")
        self._process = process = subprocess.Popen(
            [sys.executable, "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        atexit.register(self.stop)
        while True:
            if process.poll() is not None:
                self.stop()
                if "Address already in use" in self._log_tail(since=log_start):
                    raise _PortTaken
                raise RuntimeError(
                    f"Synapse exited with code {process.returncode} while starting:\n{self._log_tail()}"
                )
            # Still alive after answering: the answer came from this Synapse, not a squatter.
            if self._answers() and process.poll() is None:
                return
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Synapse was not ready in time:\n{self._log_tail()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop Synapse: SIGTERM, then SIGKILL after 10 s. Safe to call more than once."""
        process, self._process = self._process, None
        if process is not None:
            atexit.unregister(self.stop)
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> Synapse:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- accounts -----------------------------------------------------------------------------

    def register(
        self, localpart: str | None = None, *, password: str | None = None, admin: bool = False
    ) -> Account:
        """Create a user through `/_synapse/admin/v1/register` and return its fresh login.

        `localpart` None picks a unique random one. Each call makes a new device and access token.
        """
        localpart = localpart or f"user-{secrets.token_hex(4)}"
        password = password or secrets.token_urlsafe(12)
        nonce = self._request("GET", "/_synapse/admin/v1/register")["nonce"]
        mac = hmac.new(self.registration_shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), localpart.encode(), password.encode()]))
        mac.update(b"\x00admin" if admin else b"\x00notadmin")
        answer = self._request(
            "POST",
            "/_synapse/admin/v1/register",
            {
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            },
        )
        return Account(
            user_id=answer["user_id"],
            password=password,
            access_token=answer["access_token"],
            device_id=answer["device_id"],
            localpart=localpart,
        )

    # -- internals ----------------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        """The homeserver.yaml contents. Each top-level key of `extra_config` replaces ours whole.

        So `extra_config={"rc_message": {"per_second": 0.5, "burst_count": 2}}` gives exactly that
        limit; a nested key left out falls back to Synapse's default, not to "unlimited".
        """
        config: dict[str, Any] = {
            "server_name": self.server_name,
            "public_baseurl": f"{self.url}/",
            "pid_file": str(self.workdir / "homeserver.pid"),
            "report_stats": False,
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {"name": "sqlite3", "args": {"database": str(self.workdir / "homeserver.db")}},
            "log_config": str(self.workdir / "log.yaml"),
            "media_store_path": str(self.workdir / "media_store"),
            "signing_key_path": str(self.workdir / "signing.key"),
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "registration_shared_secret": self.registration_shared_secret,
            "macaroon_secret_key": secrets.token_hex(32),
            "form_secret": secrets.token_hex(32),
            "enable_registration": False,
            "bcrypt_rounds": 4,
            "presence": {"enabled": False},
            "url_preview_enabled": False,
            "enable_metrics": False,
            "federation_domain_whitelist": [],
            # Synapse answers a /sync identical to one of the last 2 minutes (same token, filter,
            # timeout, device) from a cache: a client re-syncing from the same token would get a
            # stale answer, and a restarted one a stale initial sync.
            "caches": {"sync_response_cache_duration": 0},
            **_RATE_LIMITS,
        }
        return {**config, **self.extra_config}

    def _write_config(self) -> None:
        from signedjson.key import generate_signing_key, write_signing_keys

        key_path = self.workdir / "signing.key"
        if not key_path.exists():
            with key_path.open("w") as key_file:
                write_signing_keys(key_file, [generate_signing_key("a_" + secrets.token_hex(2))])
        (self.workdir / "log.yaml").write_text(_LOG_CONFIG.format(log_path=json.dumps(str(self.log_path))))
        self.config_path.write_text(yaml.safe_dump(self.config(), sort_keys=False))

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_matrix/client/versions", timeout=2) as answer:
                return bool(answer.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def _request(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                result: dict[str, Any] = json.load(answer)
                return result
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"{method} {path} failed: {error.code} {error.read().decode()}") from None

    def _log_tail(self, lines: int = 40, *, since: int = 0) -> str:
        try:
            with self.log_path.open("rb") as log_file:
                log_file.seek(since)
                text = log_file.read().decode(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


class _PortTaken(Exception):
    pass


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def main(argv: list[str] | None = None) -> int:
    """`python -m matrixbot.testing.synapse WORKDIR [PORT]`: run one until Ctrl-C."""
    args = sys.argv[1:] if argv is None else argv
    if not args or len(args) > 2:
        print("usage: python -m matrixbot.testing.synapse WORKDIR [PORT]", file=sys.stderr)
        return 2
    server = Synapse(Path(args[0]), port=int(args[1]) if len(args) > 1 else None)
    server.start()
    print(f"Synapse ready in {server.startup_seconds:.1f} s at {server.url}", flush=True)
    print(f"log: {server.log_path}  shared secret: {server.registration_shared_secret}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        while server.running:
            time.sleep(1)
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
