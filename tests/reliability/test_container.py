"""Build the container image with buildah (no daemon) and run the bot in it against the test homeserver.

Needs `buildah` (Debian's package works here with `--storage-driver vfs --isolation chroot`) and
the base image in local storage: the Dockerfile's `python:3.11-slim-bookworm`, or whatever
MATRIXBOT_TEST_BASE_IMAGE names. Where no registry is reachable, a stand-in base can be made from
Debian packages (python3, python3-venv, python-is-python3, ca-certificates) with debootstrap,
copied into a `buildah from scratch` container and committed under that name.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import pytest

from tests.ops.test_processes import free_port, stderr_of

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[2]
BASE = os.environ.get("MATRIXBOT_TEST_BASE_IMAGE", "python:3.11-slim-bookworm")
IMAGE = "localhost/matrixbot:test"


def buildah(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    command = ["buildah", "--storage-driver", "vfs", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def image() -> str:
    if shutil.which("buildah") is None:
        pytest.skip("buildah is not installed")
    if buildah("inspect", "--type", "image", BASE).returncode != 0:
        pytest.skip(f"the base image {BASE} is not in local storage (set MATRIXBOT_TEST_BASE_IMAGE)")
    built = buildah(
        "bud", "--isolation", "chroot", "--format", "docker", "--layers",
        "--build-arg", f"PYTHON_IMAGE={BASE}", "-t", IMAGE, str(ROOT),
        timeout=900,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]
    return IMAGE


@pytest.fixture
def container(image):
    name = buildah("from", image).stdout.strip()
    yield name
    buildah("rm", name)


def test_the_image_runs_as_its_user_with_a_health_check(image, container):
    config = json.loads(buildah("inspect", "--type", "image", image).stdout)["Docker"]["config"]
    assert config["User"] == "matrixbot" and "/data" in config["Volumes"]
    assert "/health" in " ".join(config["Healthcheck"]["Test"])
    version = buildah("run", "--isolation", "chroot", container, "matrixbot", "--version")
    assert version.stdout == f"matrixbot {metadata.version('matrixbot')}\n", version.stderr


async def test_the_bot_runs_in_the_container_from_the_environment(container, synapse, account):
    bot = account("bot")
    port = free_port()
    env = {
        "MATRIXBOT_HOMESERVER": synapse.url,
        "MATRIXBOT_USER_ID": bot.user_id,
        "MATRIXBOT_PASSWORD": bot.password,
        "MATRIXBOT_HTTP_LISTEN": f"127.0.0.1:{port}",
    }
    flags = [f"--env={k}={v}" for k, v in env.items()]
    proc = await asyncio.create_subprocess_exec(
        "buildah", "--storage-driver", "vfs", "run", "--isolation", "chroot", *flags, container,
        "matrixbot", "run",
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    seen: list[str] = []
    try:
        while not any("matrixbot started" in line for line in seen):
            line = await asyncio.wait_for(stderr_of(proc).readline(), 120)
            assert line, f"the bot in the container exited: {seen}"
            seen.append(line.decode())
        # the image's own HEALTHCHECK command, run inside the container
        inspect = json.loads(buildah("inspect", "--type", "container", container).stdout)
        check = inspect["Docker"]["config"]["Healthcheck"]["Test"][1:]
        check = [part.replace("9090", str(port)) for part in check]
        health = await asyncio.to_thread(buildah, "run", "--isolation", "chroot", container, *check)
        assert health.returncode == 0, health.stderr
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 60)
    assert bot.password not in "".join(seen)
