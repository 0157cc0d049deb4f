"""The command line after a plain install: version, init-config, config errors and warnings, a demo
without its extra."""

from __future__ import annotations

import stat
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml

from matrixbot.checks import http_warnings, own_server_warnings
from matrixbot.cli import main
from matrixbot.config import parse_config

ROOT = Path(__file__).parents[2]


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out == f"matrixbot {metadata.version('matrixbot')}\n"


def test_demo_without_the_demo_extra_says_which_extra_in_one_line(monkeypatch, capsys):
    # As after `pip install matrixbot`: Synapse's signedjson cannot be imported.
    monkeypatch.setitem(sys.modules, "signedjson", None)
    assert main(["demo"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'matrixbot[demo]'" in err, err


def test_init_config_writes_the_packaged_sample_privately_and_never_overwrites(tmp_path, capsys):
    target = tmp_path / "config.yaml"
    assert main(["init-config", str(target)]) == 0
    assert target.read_text() == (ROOT / "config.sample.yaml").read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "check-config" in capsys.readouterr().out
    target.write_text("mine")
    assert main(["init-config", str(target)]) == 2
    assert target.read_text() == "mine"
    assert capsys.readouterr().err.count("\n") == 1


def test_an_edited_sample_passes_check_config(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MATRIXBOT_PASSWORD", raising=False)
    target = tmp_path / "config.yaml"
    main(["init-config", str(target)])
    assert main(["check-config", "--config", str(target)]) == 2
    assert "sample's placeholder" in capsys.readouterr().err
    raw = yaml.safe_load(target.read_text())
    edited = (
        target.read_text()
        .replace(raw["user_id"], "@coopbot:coop.example")
        .replace(raw["password"], "a real one")
    )
    target.write_text(edited)
    assert main(["check-config", "--config", str(target)]) == 0
    edited += "default_plugins: [datepoll, meeting]\n"
    target.write_text(edited)
    assert main(["check-config", "--config", str(target)]) == 2
    assert "no plugin 'meeting' (did you mean 'meetings'?" in capsys.readouterr().err


def test_bad_or_missing_config_is_a_one_line_error(tmp_path, capsys):
    assert main(["check-config", "--config", str(tmp_path / "absent.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("homeserver: http://127.0.0.1:1\nuser_id: '@bot:x'\npassword: p\nprefx: '?'\n")
    assert main(["check-config", "--config", str(bad)]) == 2
    assert (
        capsys.readouterr().err.strip()
        == "matrixbot: config error: unknown key 'prefx'; did you mean 'prefix'?"
    )
    assert main(["run", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_check_config_warns_when_the_sample_s_people_are_of_another_server(tmp_path, capsys, monkeypatch):
    """The sample's allowed_inviters (@*:example.org) passed check-config, then the bot on
    coop.example refused its first invite; now check-config says so (and still exits 0: people of
    other servers may rightly be listed)."""
    monkeypatch.delenv("MATRIXBOT_PASSWORD", raising=False)
    target = tmp_path / "config.yaml"
    main(["init-config", str(target)])
    raw = yaml.safe_load(target.read_text())
    target.write_text(
        target.read_text()
        .replace(raw["user_id"], "@coopbot:coop.example")
        .replace(raw["password"], "a real one")
    )
    capsys.readouterr()
    assert main(["check-config", "--config", str(target)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2, err
    assert err[0].startswith(
        "matrixbot: warning: allowed_inviters: no pattern matches a user of coop.example"
    )
    assert "add '@*:coop.example'" in err[0]
    assert err[1].startswith("matrixbot: warning: owners: none is a user of coop.example")
    target.write_text(target.read_text().replace("example.org", "coop.example"))
    assert main(["check-config", "--config", str(target)]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("inviters", "owners", "warned"),
    [
        (["@*:coop.example"], ["@ann:coop.example"], []),
        (["@*"], [], []),  # no colon: may run on to any server
        (["@ann:*.example", "@bob:matrix.org"], ["@ann:matrix.org", "@bob:coop.example"], []),
        (["@ann:matrix.org"], ["@ann:matrix.org"], ["allowed_inviters", "owners"]),
        (["@ann"], [], ["allowed_inviters"]),  # names no user id at all
        ([], ["@ann:coop.example.org"], ["owners"]),  # not a suffix match
    ],
)
def test_own_server_warnings(inviters, owners, warned):
    config = parse_config(
        {
            "homeserver": "https://coop.example",
            "user_id": "@bot:coop.example",
            "password": "pw",
            "allowed_inviters": inviters,
            "owners": owners,
        },
        base_dir=Path("/srv"),
        env={},
    )
    assert [w.split(":")[0] for w in own_server_warnings(config)] == warned


@pytest.mark.parametrize(
    ("listen", "public_url", "warned"),
    [
        ("127.0.0.1:9090", "https://bot.coop.example", []),
        ("127.0.0.1:9090", None, []),
        ("127.0.0.1:9090", "http://bot.coop.example", ["is not https"]),
        ("127.0.0.1:9090", "https://localhost:8443", ["cannot be reached by members' calendar apps"]),
        ("127.0.0.1:9090", "https://192.168.1.20", ["cannot be reached by members' calendar apps"]),
        ("0.0.0.0:9090", "https://bot.coop.example", ["http.listen: 0.0.0.0 is not a loopback address"]),
    ],
)
def test_http_warnings_for_a_calendar_address_apps_cannot_use(listen, public_url, warned):
    http: dict[str, str] = {"listen": listen, **({"public_url": public_url} if public_url else {})}
    config = parse_config(
        {
            "homeserver": "https://coop.example",
            "user_id": "@bot:coop.example",
            "password": "pw",
            "http": http,
        },
        base_dir=Path("/srv"),
        env={},
    )
    warnings = http_warnings(config)
    assert len(warnings) == len(warned) and all(
        w in found for w, found in zip(warned, warnings, strict=True)
    ), warnings
    assert all("README: The room's calendar" in w for w in warnings)


def test_check_config_prints_the_http_warnings(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MATRIXBOT_PASSWORD", raising=False)
    target = tmp_path / "config.yaml"
    target.write_text(
        "homeserver: https://coop.example\nuser_id: '@bot:coop.example'\npassword: pw\n"
        "http: {listen: '127.0.0.1:9090', public_url: 'http://bot.coop.example'}\n"
    )
    assert main(["check-config", "--config", str(target)]) == 0
    assert (
        "matrixbot: warning: http.public_url: http://bot.coop.example is not https" in capsys.readouterr().err
    )
