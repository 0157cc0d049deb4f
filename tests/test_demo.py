"""`matrixbot demo --script`: a throwaway homeserver, the bot and a scripted chat, end to end."""

from __future__ import annotations

import asyncio
import sys

import pytest

SCRIPT = "!help\n\n#wait 0.1\n\n!set timezone Europe/Lisbon\n\n!settings\n"


async def run_demo(tmp_path, script_text: str, *options: str, timeout: float) -> str:
    """Run `matrixbot demo --script` on `script_text`; its transcript, once it exited 0."""
    script = tmp_path / "script.txt"
    script.write_text(script_text)
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
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode == 0, err.decode()[-2000:]
    return out.decode()


@pytest.mark.parametrize(("options", "runs"), [([], 2), (["--encrypted"], 1)], ids=["plain", "encrypted"])
async def test_demo_script_prints_transcript_and_exits_cleanly(tmp_path, options, runs):
    for _ in range(runs):  # a second run works too: nothing is left behind
        transcript = await run_demo(tmp_path, SCRIPT, *options, timeout=120)
        assert transcript.startswith("> !help\n< ")
        assert "< Say !help COMMAND for details." in transcript
        assert "> !set timezone Europe/Lisbon\n< timezone is now Europe/Lisbon" in transcript
        assert "< • timezone: Europe/Lisbon" in transcript


STORY = """!remind in 3 seconds stand-up

#wait 6

!signup new Talks
when: tomorrow 6pm
places: 5

bob: !signup attend

!signup export

!meeting Call
when: tomorrow 3pm
code: 486072

!meeting ics

!remind in 2 seconds last word
"""


async def test_the_script_shows_every_post_whenever_it_comes_and_files_with_a_preview(tmp_path):
    """A reminder that fires during `#wait` and one after the last step are printed; uploads show
    their name, size and a preview; bob, the second member, makes the room not a direct chat, so a
    code written in the room is redacted."""
    transcript = await run_demo(tmp_path, STORY, timeout=180)
    fired = transcript.index("< ⏰ stand-up")  # the reminder going out, not its confirmation
    assert fired < transcript.index("> !signup new Talks"), transcript  # printed during the #wait
    assert "< You are coming to S1." in transcript.split("bob> !signup attend", 1)[1]
    assert "< (edited) 📋 S1 Talks" in transcript  # the live list, edited as bob signs up
    assert "< [file signups-S1.csv, " in transcript and "bytes, text/csv]" in transcript
    assert "S1,attend,confirmed" in transcript
    assert "<   event: Call" in transcript and "Europe/London" in transcript.split("<   event: Call")[1]
    assert "I removed your message, since it showed the access code." in transcript
    assert "486072" not in transcript.split("code: 486072", 1)[1]
    after_last = transcript.split("> !remind in 2 seconds last word", 1)[1]
    assert "< ⏰ last word" in after_last  # it fires after the last step, and is still printed
