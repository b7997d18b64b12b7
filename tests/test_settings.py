"""Settings: typed, validated, one clear line naming a bad setting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from actors.settings import Settings, SettingsError, load_settings


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
