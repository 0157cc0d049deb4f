"""`matrixbot demo --script`: a throwaway homeserver, the bot and a scripted chat, end to end."""

from __future__ import annotations

import asyncio
import sys

import pytest

SCRIPT = "!help\n\n#wait 0.1\n\n!set timezone Europe/Lisbon\n\n!settings\n"


@pytest.mark.parametrize(("options", "runs"), [([], 2), (["--encrypted"], 1)], ids=["plain", "encrypted"])
async def test_demo_script_prints_transcript_and_exits_cleanly(tmp_path, options, runs):
    script = tmp_path / "script.txt"
    script.write_text(SCRIPT)
    for _ in range(runs):  # a second run works too: nothing is left behind
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "matrixbot",
            "demo",
            "--script",
            str(script),
            *options,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 120)
        assert proc.returncode == 0, err.decode()[-2000:]
        transcript = out.decode()
        assert transcript.startswith("> !help\n< ")
        assert "< Say !help COMMAND for details." in transcript
        assert "> !set timezone Europe/Lisbon\n< timezone is now Europe/Lisbon" in transcript
        assert "< • timezone: Europe/Lisbon" in transcript
