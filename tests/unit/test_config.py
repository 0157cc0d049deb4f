from pathlib import Path

import pytest

from matrixbot.config import load_config, parse_config
from matrixbot.errors import ConfigError

BASE = {"homeserver": "http://127.0.0.1:8008", "user_id": "@bot:example.org", "password": "pw"}


def parse(**extra):
    return parse_config({**BASE, **extra}, base_dir=Path("/srv"), env={})


def test_minimal_config_has_sensible_defaults():
    config = parse()
    assert config.prefix == "!" and config.late_grace.total_seconds() == 6 * 3600
    assert config.data_dir == Path("/srv/data")
    assert config.may_invite("@alice:example.org") and not config.may_invite("@mallory:evil.org")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"prefx": "?"}, "unknown key 'prefx'; did you mean 'prefix'?"),
        ({"user_id": "bot"}, "user_id: 'bot' is not a Matrix user id"),
        ({"homeserver": "matrix.org"}, "homeserver: 'matrix.org' is not a URL"),
        ({"timezone": "Mars/Base"}, "timezone: 'Mars/Base' is not an IANA zone"),
        ({"late_grace": "soon"}, "late_grace: 'soon' is not a duration"),
        ({"owners": ["alice"]}, "owners: 'alice' is not valid"),
        ({"e2ee": {"trust": "some"}}, "e2ee.trust: 'some' must be 'all' or 'verified-only'"),
        ({"password": None}, "password: either password or access_token"),
    ],
)
def test_bad_keys_are_named_with_the_reason(extra, message):
    with pytest.raises(ConfigError) as info:
        parse(**extra)
    assert message in str(info.value)


def test_environment_overrides_secrets():
    config = parse_config({**BASE, "password": None}, base_dir=Path("."), env={"MATRIXBOT_PASSWORD": "s3"})
    assert config.password == "s3"
    assert "s3" not in repr(config)


def test_allowed_inviters_are_globs():
    config = parse(allowed_inviters=["@*:coop.example", "@admin:other.org"])
    assert config.may_invite("@x:coop.example") and config.may_invite("@admin:other.org")
    assert not config.may_invite("@x:example.org")


def test_missing_and_malformed_files_are_one_line_errors(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("homeserver: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_config(bad)
    bad.write_text("- a list\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(bad)


def test_sample_config_is_valid():
    config = load_config(Path(__file__).parents[2] / "config.sample.yaml")
    assert config.default_plugins
