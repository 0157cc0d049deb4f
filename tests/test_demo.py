"""`matrixbot demo --script`: a throwaway homeserver, the bot and a scripted chat, end to end."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

pytestmark = pytest.mark.synapse  # the demo starts a homeserver of its own

SCRIPT = "!help\n\n#wait 0.1\n\n!set timezone Europe/Lisbon\n\n!settings\n"


async def run_demo(tmp_path, script_text: str, *options: str, timeout: float) -> str:
    """Run `matrixbot demo --script` on `script_text`; its transcript, once it exited 0 and left
    nothing behind in its temporary folder."""
    script = tmp_path / "script.txt"
    script.write_text(script_text)
    temp = tmp_path / "temp"
    temp.mkdir()
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
        env={**os.environ, "TMPDIR": str(temp)},
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert not list(temp.iterdir()), "the demo left its homeserver or bot data behind"
    return out.decode()


def check_settings_part(transcript: str) -> None:
    """What SCRIPT must show."""
    assert "> !help\n< " in transcript
    assert "< Say !help COMMAND for details." in transcript
    assert "> !set timezone Europe/Lisbon\n< timezone is now Europe/Lisbon" in transcript
    assert "< • timezone: Europe/Lisbon" in transcript


async def test_demo_script_in_an_encrypted_room_prints_transcript_and_exits_cleanly(tmp_path):
    transcript = await run_demo(tmp_path, SCRIPT, "--encrypted", timeout=120)
    assert transcript.startswith("> !help\n< ")
    check_settings_part(transcript)


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

"""
LAST = "!remind in 2 seconds last word\n"


async def test_the_script_shows_every_post_whenever_it_comes_and_files_with_a_preview(tmp_path):
    """A reminder that fires during `#wait` and one after the last step are printed; uploads show
    their name, size and a preview; bob, the second member, makes the room not a direct chat, so a
    code written in the room is redacted. Then the settings part of SCRIPT, as in a plain room."""
    transcript = await run_demo(tmp_path, STORY + SCRIPT + "\n" + LAST, timeout=180)
    check_settings_part(transcript)
    fired = transcript.index("< ⏰ stand-up")  # the reminder going out, not its confirmation
    assert fired < transcript.index("> !signup new Talks"), transcript  # printed during the #wait
    assert "< You are coming to S1." in transcript.split("bob> !signup attend", 1)[1]
    assert "< (edited) 📋 S1 Talks" in transcript  # the live list, edited as bob signs up
    assert "< [file signups-S1.csv, " in transcript and "bytes, text/csv]" in transcript
    assert "S1,attend,confirmed" in transcript
    calendar = transcript.split("<   event: Call", 1)[1].split("> !help", 1)[0]
    assert "Europe/London" in calendar  # before the timezone is set to Lisbon
    assert "I removed your message, since it showed the access code." in transcript
    assert "486072" not in transcript.split("code: 486072", 1)[1]
    after_last = transcript.split("> !remind in 2 seconds last word", 1)[1]
    assert "< ⏰ last word" in after_last  # it fires after the last step, and is still printed
