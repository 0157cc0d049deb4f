"""What ships besides the code: the container files, the systemd unit, the wheel's contents.

The Dockerfile is read here for its essentials; tests/reliability/test_container.py builds and runs it.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_dockerfile_runs_as_a_user_with_a_data_volume_and_a_health_check():
    steps = dockerfile()
    final = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM") :]
    ops = [op for op, _ in final]
    args = dict(steps[:1]) if steps[0][0] == "ARG" else {}
    assert "slim" in args.get("ARG", ""), "the base is a slim Python image"
    user = [a for op, a in final if op == "USER"]
    assert user and user[-1] not in ("root", "0"), "the bot must not run as root"
    assert ops.index("USER") > max(i for i, op in enumerate(ops) if op == "RUN"), "USER comes after every RUN"
    assert any(op == "VOLUME" and "/data" in a for op, a in final)
    env = " ".join(a for op, a in final if op == "ENV")
    assert "MATRIXBOT_DATA_DIR=/data" in env and "MATRIXBOT_CONFIG=" in env
    listen = next(w for w in env.split() if w.startswith("MATRIXBOT_HTTP_LISTEN=")).split("=", 1)[1]
    health = next(a for op, a in final if op == "HEALTHCHECK")
    assert f"http://{listen}/health" in health, "the health check must ask the endpoint the bot serves"
    assert next(a for op, a in final if op == "ENTRYPOINT") == '["matrixbot"]'
    for op, arguments in steps:
        if op == "COPY" and "--from" not in arguments:
            sources = shlex.split(arguments)[:-1]
            assert all((ROOT / s).exists() for s in sources), f"COPY of a missing file: {sources}"


def test_compose_example_mounts_the_config_and_the_data_volume():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    service = compose["services"]["matrixbot"]
    config_path = next(a for op, a in dockerfile() if op == "ENV").split("MATRIXBOT_CONFIG=")[1].split()[0]
    targets = [v.split(":")[1] for v in service["volumes"]]
    assert config_path in targets and "/data" in targets
    assert service["restart"] and service["env_file"]
    assert all(p.startswith("127.0.0.1:") for p in service["ports"]), "metrics stay on the host's loopback"


def test_standby_compose_example_gives_each_instance_its_own_data_and_one_database():
    compose = yaml.safe_load((ROOT / "contrib" / "docker-compose.standby.yml").read_text())
    config_path = next(a for op, a in dockerfile() if op == "ENV").split("MATRIXBOT_CONFIG=")[1].split()[0]
    bots = [s for name, s in compose["services"].items() if name.startswith("matrixbot")]
    assert len(bots) == 2 and "postgres" in compose["services"]
    data = [next(v.split(":")[0] for v in bot["volumes"] if v.endswith(":/data")) for bot in bots]
    assert len(set(data)) == 2, "each instance its own data_dir (its own device)"
    for bot in bots:
        assert any(v.split(":")[1] == config_path for v in bot["volumes"]) and bot["restart"]
        assert bot["env_file"] == "matrixbot.env", "the same account and MATRIXBOT_DATABASE"


def test_systemd_unit_is_hardened_and_valid(tmp_path):
    text = (ROOT / "contrib" / "matrixbot.service").read_text()
    settings: dict[str, str] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings.setdefault(key, value)
    assert settings["DynamicUser"] == "yes" and settings["NoNewPrivileges"] == "yes"
    assert settings["ProtectSystem"] == "strict" and settings["ReadWritePaths"] == "/var/lib/matrixbot"
    assert "MATRIXBOT_DATA_DIR=/var/lib/matrixbot" in settings["Environment"]
    assert settings["Restart"] == "on-failure"
    assert int(settings["LimitNOFILE"]) >= 4096, "room above systemd's default of 1024 open files"
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    # verify needs the commands to exist: point them at this checkout's matrixbot
    unit = tmp_path / "matrixbot.service"
    unit.write_text(
        text.replace("/opt/matrixbot/bin/matrixbot", str(Path(sys.executable).parent / "matrixbot")).replace(
            "EnvironmentFile=/", "EnvironmentFile=-/"
        )
    )
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


@pytest.mark.slow
def test_the_wheel_ships_the_sample_config_and_the_license(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("matrixbot-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        sample = archive.read("matrixbot/config.sample.yaml").decode()
    assert sample == (ROOT / "config.sample.yaml").read_text()
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert "License-Expression: Apache-2.0" in metadata
    assert "Requires-Dist: prometheus-client" in metadata
    assert "Provides-Extra: demo" in metadata
    # Nothing outside matrixbot* lands in site-packages: no top-level `plugins` package to collide with.
    outside = [n for n in names if not n.startswith(("matrixbot/", "matrixbot-0"))]
    assert not outside, outside
    for plugin in ("checkins", "core", "datepoll", "devices", "meetings", "signups"):
        assert f"matrixbot/plugins/{plugin}/__init__.py" in names
    assert "matrixbot/testing/pytest_plugin.py" in names
    assert "matrixbot/py.typed" in names  # plugin authors' type checkers read matrixbot's hints
    # the catalogs, compiled as the wheel was built (build_catalogs.py), and never the build hook itself
    for catalog in (
        "matrixbot/locale/de/LC_MESSAGES/matrixbot.mo",
        "matrixbot/plugins/datepoll/locale/es/LC_MESSAGES/datepoll.mo",
    ):
        assert catalog in names, catalog
    entry_points = archive_text(wheel, "entry_points.txt")
    assert "datepoll = matrixbot.plugins.datepoll:DatePoll" in entry_points
    assert "matrixbot = matrixbot.testing.pytest_plugin" in entry_points


def archive_text(wheel: Path, suffix: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(next(n for n in archive.namelist() if n.endswith(suffix))).decode()


def test_check_config_from_a_folder_with_its_own_plugins_folder_loads_the_built_in_plugins(tmp_path):
    """A plugin author's project has a plugins/ folder; `python -m matrixbot` run there (cwd first on
    sys.path) must still find the built-in plugins, which ship as matrixbot.plugins."""
    (tmp_path / "plugins" / "checkins").mkdir(parents=True)
    (tmp_path / "plugins" / "__init__.py").write_text("")
    (tmp_path / "plugins" / "checkins" / "__init__.py").write_text("raise ImportError('the wrong plugins')\n")
    config = tmp_path / "config.yaml"
    config.write_text(
        "homeserver: https://coop.example\nuser_id: '@coopbot:coop.example'\npassword: a real one\n"
        f"data_dir: {tmp_path / 'data'}\ndefault_plugins: [checkins, datepoll, meetings, signups]\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "matrixbot", "check-config", "--config", str(config)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k not in ("MATRIXBOT_PASSWORD", "PYTHONPATH")},
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.slow  # the demo starts a homeserver of its own
def test_the_demo_extra_alone_runs_the_demo(tmp_path):
    """`pip install 'matrixbot[demo]'` then `matrixbot demo`: nothing on the way needs a dev tool
    (the demo once imported pytest through the test kit's package face)."""
    demo_answers_help([sys.executable, "-m", "tests.ops.installed_only", "demo", "demo"], tmp_path)


@pytest.mark.slow
def test_a_fresh_install_of_the_demo_extra_runs_the_demo(tmp_path):
    """What a new user does: a new virtualenv, `pip install 'matrixbot[demo]'`, `matrixbot demo`."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    installed = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", f"{ROOT}[demo]"],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    demo_answers_help([str(venv / "bin" / "matrixbot"), "demo"], tmp_path)


def demo_answers_help(demo: list[str], tmp_path: Path) -> None:
    """`demo --script` with a `!help`, run as `demo`: it exits 0 and shows the bot's help."""
    script = tmp_path / "script.txt"
    script.write_text("!help\n")
    done = subprocess.run(
        [*demo, "--script", str(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "< Say !help COMMAND for details." in done.stdout, done.stdout
