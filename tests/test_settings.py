"""Settings: typed, validated, one clear line naming a bad setting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from actors.settings import Settings, SettingsError, check_metrics_exposure, is_loopback, load_settings
from cluster.cli import EXIT_BAD_SETTINGS, main


def test_defaults_are_valid_and_data_dir_is_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.data_dir == tmp_path / ".bankflow"
    assert settings.database_url == ""
    assert settings.account_shards >= 1


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("BANKFLOW_HTTP_PORT", "70000", "BANKFLOW_HTTP_PORT"),
        ("BANKFLOW_HTTP_PORT", "eighty", "BANKFLOW_HTTP_PORT"),
        ("BANKFLOW_ACCOUNT_SHARDS", "0", "BANKFLOW_ACCOUNT_SHARDS"),
        ("BANKFLOW_DATABASE_URL", "mysql://db/bank", "BANKFLOW_DATABASE_URL"),
        ("BANKFLOW_KAFKA_BOOTSTRAP", "broker-without-port", "BANKFLOW_KAFKA_BOOTSTRAP"),
        ("BANKFLOW_REDIS_URL", "http://cache", "BANKFLOW_REDIS_URL"),
        ("RAY_ADDRESS", "not an address", "RAY_ADDRESS"),
        ("BANKFLOW_LOG_LEVEL", "LOUD", "BANKFLOW_LOG_LEVEL"),
    ],
)
def test_invalid_setting_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str, named: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert named in message
    assert "\n" not in message


def test_secret_values_are_not_echoed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BANKFLOW_JWT_PRIVATE_KEY_PEM", "hunter2-not-a-pem")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert "BANKFLOW_JWT_PRIVATE_KEY_PEM" in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("BANKFLOW_ACCOUNT_SHARDS=7\nBANKFLOW_REDIS_URL=redis://cache:6379/0\n")
    settings = load_settings()
    assert settings.account_shards == 7
    assert settings.redis_url == "redis://cache:6379/0"


def test_environment_beats_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("BANKFLOW_ACCOUNT_SHARDS=7\n")
    monkeypatch.setenv("BANKFLOW_ACCOUNT_SHARDS", "9")
    assert load_settings().account_shards == 9


def test_ray_address_is_read_from_ray_address_too(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RAY_ADDRESS", "10.0.0.5:6379")
    assert load_settings().ray_address == "10.0.0.5:6379"


def test_endpoints_fill_only_empty_settings(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "endpoints.json").write_text(
        '{"database_url": "postgresql://postgres@127.0.0.1:1/bankflow", "redis_url": "redis://127.0.0.1:2/0",'
        ' "kafka_bootstrap": "127.0.0.1:3", "ray_address": "127.0.0.1:4", "http_url": "http://x"}'
    )
    settings = Settings(_env_file=None, data_dir=tmp_path, redis_url="redis://elsewhere:6379/0")  # type: ignore[call-arg]
    filled = settings.with_endpoints()
    assert filled.database_url == "postgresql://postgres@127.0.0.1:1/bankflow"
    assert filled.redis_url == "redis://elsewhere:6379/0"


def test_cli_refuses_to_start_with_a_bad_setting(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cluster.cli", "status"],
        env={"PATH": "/usr/bin:/bin", "BANKFLOW_HTTP_PORT": "0"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "BANKFLOW_HTTP_PORT" in lines[0]


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.8.9.10", "127.255.255.254", "::1", "[::1]", "localhost", "LocalHost", "::ffff:127.0.0.1"]
)
def test_loopback_addresses_are_this_machine_only(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host",
    [
        *("0.0.0.0", "::", "[::]", "10.0.0.5", "192.168.1.20", "128.0.0.1", "::2", "::ffff:10.0.0.5"),
        *("bankflow.internal", "localhost.example.com", "127.0.0.1.example.com", ""),
    ],
)
def test_wildcards_and_other_addresses_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(SettingsError, match="BANKFLOW_METRICS_TOKEN"):
        check_metrics_exposure(host, SecretStr(""))
    check_metrics_exposure(host, SecretStr("a-token"))


def test_metrics_stay_open_without_a_token_only_on_loopback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BANKFLOW_METRICS_TOKEN", raising=False)
    assert load_settings().http_host == "127.0.0.1"
    monkeypatch.setenv("BANKFLOW_HTTP_HOST", "0.0.0.0")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert "BANKFLOW_HTTP_HOST" in message and "BANKFLOW_METRICS_TOKEN" in message
    assert "\n" not in message
    monkeypatch.setenv("BANKFLOW_METRICS_TOKEN", "scrape-token")
    assert load_settings().http_host == "0.0.0.0"


def test_up_refuses_to_serve_open_metrics_beyond_loopback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BANKFLOW_METRICS_TOKEN", raising=False)
    monkeypatch.setenv("BANKFLOW_HTTP_HOST", "0.0.0.0")
    # Were the settings let through, `up` would stop at this unreachable database, starting nothing.
    monkeypatch.setenv("BANKFLOW_DATABASE_URL", "postgresql://bankflow@127.0.0.1:1/bankflow")
    assert main(["up"]) == EXIT_BAD_SETTINGS
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.strip().splitlines()
    assert "BANKFLOW_HTTP_HOST" in line and "BANKFLOW_METRICS_TOKEN" in line
