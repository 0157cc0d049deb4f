from pathlib import Path
from typing import Any

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


SAMPLE = Path(__file__).parents[1] / "config.sample.yaml"


def test_sample_config_is_valid_once_its_placeholders_are_replaced():
    with pytest.raises(ConfigError, match="password: 'change me' is the sample's placeholder"):
        load_config(SAMPLE, env={})
    with pytest.raises(ConfigError, match=r"user_id: '@matrixbot:example\.org' is the sample's placeholder"):
        load_config(SAMPLE, env={"MATRIXBOT_PASSWORD": "s3cret"})
    config = load_config(
        SAMPLE, env={"MATRIXBOT_PASSWORD": "s3cret", "MATRIXBOT_USER_ID": "@bot:coop.example"}
    )
    assert config.default_plugins is None, "the sample leaves default_plugins out: the built-ins are on"
    assert config.http_listen is None and config.log_format == "text"


def test_the_sample_shipped_in_the_package_is_the_top_level_one():
    assert (SAMPLE.parent / "matrixbot" / "config.sample.yaml").read_text() == SAMPLE.read_text(), (
        "matrixbot/config.sample.yaml is the one source: copy it to the top level"
    )


def test_missing_password_names_the_environment_variables():
    with pytest.raises(ConfigError) as info:
        parse(password=None)
    assert "MATRIXBOT_PASSWORD" in str(info.value) and "MATRIXBOT_ACCESS_TOKEN" in str(info.value)


def test_default_plugins_left_out_differs_from_an_empty_list():
    assert parse().default_plugins is None
    assert parse(default_plugins=[]).default_plugins == ()
    assert parse(default_plugins=["datepoll"]).default_plugins == ("datepoll",)


def test_http_and_log_format():
    assert parse(http={"listen": "127.0.0.1:9090"}).http_listen == ("127.0.0.1", 9090)
    assert parse(http={"listen": "[::1]:9090"}).http_listen == ("::1", 9090)
    assert parse(log_format="JSON").log_format == "json"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"http": {"listen": "9090"}}, "http.listen: '9090' is not HOST:PORT"),
        ({"http": {"port": 1}}, "http: expected a mapping with listen"),
        ({"log_format": "xml"}, "log_format: 'xml' must be one of text, json"),
    ]
    for bad, message in cases:
        with pytest.raises(ConfigError, match=message):
            parse(**bad)


def test_a_container_can_run_from_the_environment_alone(tmp_path):
    env = {
        "MATRIXBOT_HOMESERVER": "https://hs.example",
        "MATRIXBOT_USER_ID": "@bot:hs.example",
        "MATRIXBOT_PASSWORD": "pw",
        "MATRIXBOT_DATA_DIR": "/data",
        "MATRIXBOT_HTTP_LISTEN": "127.0.0.1:9090",
    }
    config = load_config(tmp_path / "absent.yaml", env=env)
    assert (config.homeserver, config.user_id, config.data_dir) == (
        "https://hs.example",
        "@bot:hs.example",
        Path("/data"),
    )
    assert config.http_listen == ("127.0.0.1", 9090)
    with pytest.raises(ConfigError, match="matrixbot init-config"):
        load_config(tmp_path / "absent.yaml", env={"MATRIXBOT_PASSWORD": "pw"})


def test_the_calendars_public_url_and_trusted_proxies():
    listen = {"listen": "127.0.0.1:9090"}
    config = parse(http={**listen, "public_url": "https://bot.example.org/"})
    assert config.http_public_url == "https://bot.example.org", "without its trailing slash"
    assert config.http_trusted_proxies == ("127.0.0.0/8", "::1")
    assert parse(http=listen).http_public_url is None
    behind = parse(
        http={**listen, "public_url": "https://coop.example/bot", "trusted_proxies": ["172.18.0.0/16"]}
    )
    assert (behind.http_public_url, behind.http_trusted_proxies) == (
        "https://coop.example/bot",
        ("172.18.0.0/16",),
    )
    env = {"MATRIXBOT_HTTP_LISTEN": "127.0.0.1:9191", "MATRIXBOT_HTTP_PUBLIC_URL": "https://env.example"}
    from_env = parse_config(
        {**BASE, "http": {**listen, "public_url": "https://file.example"}}, base_dir=Path("/srv"), env=env
    )
    assert (from_env.http_listen, from_env.http_public_url) == (("127.0.0.1", 9191), "https://env.example")
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {"public_url": "https://bot.example.org"},
            "http.listen: missing .* served by the bot's own listener",
        ),
        (
            {**listen, "public_url": "ftp://bot.example.org"},
            "http.public_url: 'ftp://bot.example.org' is not a web address",
        ),
        ({**listen, "public_url": "https://bot.example.org/?x=1"}, "is not a web address without query"),
        ({**listen, "public_url": "https://bot example.org"}, "is not a web address"),
        ({**listen, "public_url": 443}, "is not a web address"),
        (
            {**listen, "trusted_proxies": ["proxy"]},
            "http.trusted_proxies: 'proxy' is not an IP address or network",
        ),
        ({**listen, "trusted_proxies": {"a": 1}}, "http.trusted_proxies: expected a list"),
        ({**listen, "publicurl": "https://x.example"}, "'publicurl' is not one of its keys"),
    ]
    for bad, message in cases:
        with pytest.raises(ConfigError, match=message):
            parse(http=bad)


def test_a_postgresql_database_from_the_file_or_the_environment_never_shown_with_its_password():
    assert parse().database is None, "the SQLite file in data_dir unless a database is given"
    url = "postgresql://bot:s3cret@db.example.org:5432/matrixbot"
    config = parse(database=url)
    assert config.database == url and config.database_password == "s3cret"
    assert "s3cret" not in repr(config)
    from_env = parse_config(BASE, base_dir=Path("."), env={"MATRIXBOT_DATABASE": url})
    assert from_env.database == url
    with pytest.raises(ConfigError) as wrong:
        parse(database="mysql://bot:s3cret@db.example.org/matrixbot")
    assert "database: mysql://bot@db.example.org/matrixbot: expected a PostgreSQL address" in str(wrong.value)
    assert "s3cret" not in str(wrong.value)
