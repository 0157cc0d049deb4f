"""The bot as an admin runs it: real `matrixbot run` processes against the real homeserver."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import stat
import sys
import urllib.error
import urllib.request
from pathlib import Path

from matrixbot.cli import main

BOT = [sys.executable, "-m", "matrixbot"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_config(path: Path, synapse, account, data_dir: Path, **extra: str) -> Path:
    lines = [
        f"homeserver: {synapse.url}",
        f"user_id: '{account.user_id}'",
        f"password: '{account.password}'",
        f"data_dir: {data_dir}",
        *(f"{key}: {value}" for key, value in extra.items()),
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def stderr_of(proc: asyncio.subprocess.Process) -> asyncio.StreamReader:
    """The stderr of a process started with `stderr=PIPE`."""
    assert proc.stderr is not None, "start the process with stderr=asyncio.subprocess.PIPE"
    return proc.stderr


class Running:
    """A `matrixbot run` process whose stderr is read line by line."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.stderr = stderr_of(proc)
        self.lines: list[str] = []

    @classmethod
    async def start(cls, config: Path) -> Running:
        proc = await asyncio.create_subprocess_exec(
            *BOT, "run", "--config", str(config), stderr=asyncio.subprocess.PIPE
        )
        return cls(proc)

    async def wait_for(self, text: str, timeout: float = 60) -> str:
        while True:
            raw = await asyncio.wait_for(self.stderr.readline(), timeout)
            assert raw, f"the bot exited before logging {text!r}: {self.lines}"
            self.lines.append(raw.decode())
            if text in self.lines[-1]:
                return self.lines[-1]

    async def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return await self.ended(30)

    async def ended(self, timeout: float = 60) -> int:
        """Wait for the process to end (by itself, or after `stop`), keeping the rest of its stderr."""
        rest = await asyncio.wait_for(self.stderr.read(), timeout)
        self.lines.extend(rest.decode().splitlines(keepends=True))
        return await asyncio.wait_for(self.proc.wait(), 10)

    async def kill(self) -> None:
        """SIGKILL it if it still runs (a test's clean-up)."""
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()

    @property
    def output(self) -> str:
        return "".join(self.lines)


def modes(data_dir: Path) -> dict[str, int]:
    return {
        str(p.relative_to(data_dir)): stat.S_IMODE(p.stat().st_mode) for p in [data_dir, *data_dir.rglob("*")]
    }


async def test_one_instance_per_data_dir_private_files_and_a_killed_holder(tmp_path, synapse, account):
    bot = account("bot")
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    (data / "notes.txt").write_text("left here by the admin")
    (data / "notes.txt").chmod(0o644)
    config = write_config(tmp_path / "config.yaml", synapse, bot, data)
    config.chmod(0o644)

    first = await Running.start(config)
    await first.wait_for("matrixbot started")
    assert "readable by other users" in first.output and "chmod 600" in first.output
    assert "private to this user (were readable by others)" in first.output and str(data) in first.output

    second = await asyncio.create_subprocess_exec(
        *BOT, "run", "--config", str(config), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(second.communicate(), 60)
    assert second.returncode == 1
    assert err.decode() == f"matrixbot: another matrixbot (pid {first.proc.pid}) is using {data}\n"
    assert out == b""

    found = modes(data)
    for name in ("matrixbot.sqlite3", "matrixbot.sqlite3-wal", "matrixbot.sqlite3-shm", "session.json"):
        assert found.get(name) == 0o600, f"{name}: {found}"
    crypto_stores = [n for n in found if n.startswith("crypto/") and n.endswith(".db")]
    assert crypto_stores, found
    assert all(m == 0o700 for n, m in found.items() if (data / n).is_dir()), found
    assert all(m == 0o600 for n, m in found.items() if not (data / n).is_dir() and n != "notes.txt"), found
    assert found["notes.txt"] == 0o644, "the admin's own file is left alone (the folder shuts others out)"

    first.proc.kill()  # SIGKILL: the lock goes with the process
    await first.proc.wait()
    third = await Running.start(config)
    await third.wait_for("matrixbot started")
    assert await third.stop() == 0
    assert bot.password not in first.output + third.output


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


async def test_json_logs_health_and_metrics_of_a_running_bot(tmp_path, synapse, account, chat):
    bot = account("bot")
    port = free_port()
    config = write_config(
        tmp_path / "config.yaml",
        synapse,
        bot,
        tmp_path / "data",
        log_format="json",
        http=f"{{listen: '127.0.0.1:{port}'}}",
    )
    config.chmod(0o600)
    running = await Running.start(config)
    try:
        await running.wait_for("matrixbot started")
        status, body = await asyncio.to_thread(get, f"http://127.0.0.1:{port}/health")
        assert status == 200, body
        report = json.loads(body)
        assert report["status"] == "ok" and report["sync"]["ok"] and report["scheduler"]["ok"]

        alice = await chat("alice")
        room = await alice.create_room(invite=[bot.user_id])
        await alice.wait_for_membership(room, bot.user_id, "join", timeout=30)
        asked = await alice.say(room, "!help")
        await alice.wait_for_reply(asked, sender=bot.user_id, timeout=20)
        await alice.say(room, "!nosuchcommand")

        status, page = await asyncio.to_thread(get, f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        assert 'matrixbot_commands_total{outcome="ok",plugin="core"} 1.0' in page
        assert "matrixbot_command_seconds_count" in page
        assert "matrixbot_rooms 1.0" in page
        assert "matrixbot_inbox_backlog" in page and "matrixbot_sync_age_seconds" in page
        assert "matrixbot_scheduled_jobs_total" in page or "matrixbot_scheduled_jobs" in page
        assert "matrixbot_send_retries" in page and "matrixbot_rate_limited_total 0.0" in page
    finally:
        code = await running.stop()
    assert code == 0
    lines = running.output.splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r["message"].startswith("matrixbot started") for r in records)
    assert bot.password not in running.output
    session = json.loads((tmp_path / "data" / "session.json").read_text())
    assert session["access_token"] not in running.output


def test_check_config_login_proves_credentials_and_url(tmp_path, synapse, account, capsys, monkeypatch):
    for name in ("MATRIXBOT_PASSWORD", "MATRIXBOT_ACCESS_TOKEN", "MATRIXBOT_HOMESERVER", "MATRIXBOT_USER_ID"):
        monkeypatch.delenv(name, raising=False)
    bot = account("bot")
    config = write_config(tmp_path / "good.yaml", synapse, bot, tmp_path / "data")

    def check(path: Path) -> tuple[int, str, str]:
        code = main(["check-config", "--config", str(path), "--login"])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, err = check(config)
    assert code == 0 and f"login: OK, logged in as {bot.user_id}" in out, err
    assert not (tmp_path / "data").exists(), "check-config must not touch data_dir"
    request = urllib.request.Request(
        f"{synapse.url}/_matrix/client/v3/devices", headers={"Authorization": f"Bearer {bot.access_token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        devices = json.loads(response.read())
    assert not [d for d in devices["devices"] if "check-config" in (d.get("display_name") or "")], (
        "the login check must log its device out again"
    )

    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(config.read_text().replace(bot.password, "not-the-password"))
    code, out, err = check(wrong)
    assert code == 1 and err.count("\n") == 1 and "login check failed: login as" in err, err
    assert "M_FORBIDDEN" in err

    closed = tmp_path / "closed.yaml"
    closed.write_text(config.read_text().replace(synapse.url, f"http://127.0.0.1:{free_port()}"))
    code, out, err = check(closed)
    assert code == 1 and err.count("\n") == 1 and "cannot reach" in err, err

    token = tmp_path / "token.yaml"
    token.write_text(
        config.read_text().replace(f"password: '{bot.password}'", f"access_token: '{bot.access_token}'")
    )
    code, out, err = check(token)
    assert code == 0 and "the access token works" in out, err
