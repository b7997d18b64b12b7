"""The embedded SMTP server: mail sent to it is kept for people to read, and nothing is left running.

Each test starts its own server alone (no stack) in a private data dir on a free port.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest

from actors.probes import probe_smtp
from actors.settings import Settings, SettingsError, load_settings
from actors.smtp_url import parse_smtp_url
from cluster import cli, mailbox_reader
from cluster.embedded import smtp as embedded_smtp
from cluster.embedded.mailbox import MESSAGE_SIZE_LIMIT_BYTES
from cluster.embedded.process import ServiceError
from tests.conftest import isolated_settings

SEND_TIMEOUT_S = 30


@pytest.fixture
def own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Private settings; `bankflow` commands run in this test read the same ones."""
    settings = isolated_settings(tmp_path / ".bankflow")
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    monkeypatch.setenv("BANKFLOW_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("BANKFLOW_SMTP_URL", "")
    monkeypatch.setenv("BANKFLOW_SMTP_PORT", str(settings.smtp_port))
    return settings


@pytest.fixture
def running(own: Settings) -> Iterator[Settings]:
    embedded_smtp.start(own)
    try:
        yield own
    finally:
        embedded_smtp.stop(own)


def _letter(settings: Settings, to: str, subject: str, body: str) -> EmailMessage:
    letter = EmailMessage()
    letter["From"] = settings.mail_from
    letter["To"] = to
    letter["Subject"] = subject
    letter.set_content(body)
    return letter


def _send(settings: Settings, letter: EmailMessage) -> None:
    asyncio.run(aiosmtplib.send(letter, hostname="127.0.0.1", port=settings.smtp_port, timeout=SEND_TIMEOUT_S))


def test_mail_is_kept_listed_newest_first_shown_and_the_server_stops(
    own: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    url = embedded_smtp.start(own)
    record = embedded_smtp.record(own)
    try:
        assert url == f"smtp://127.0.0.1:{own.smtp_port}"
        assert record is not None and record.is_alive()
        assert embedded_smtp.start(own) == url, "a second start reuses what runs"
        assert embedded_smtp.record(own) == record

        _send(own, _letter(own, "ada@example.com", "Welcome to BankFlow", "Your code is 123456."))
        _send(own, _letter(own, "bob@example.com", "Your statement is ready", "December, attached."))

        listed = mailbox_reader.list_messages(embedded_smtp.mail_dir(own), limit=10)
        assert [message.subject for message in listed] == ["Your statement is ready", "Welcome to BankFlow"]
        assert [message.recipients for message in listed] == ["bob@example.com", "ada@example.com"]
        assert {message.sender for message in listed} == {"no-reply@bankflow.local"}

        assert cli.main(["mail"]) == cli.EXIT_OK
        output = capsys.readouterr().out
        assert "Welcome to BankFlow" in output and "Your statement is ready" in output
        assert listed[1].key in output

        assert cli.main(["mail", "--limit", "1"]) == cli.EXIT_OK
        output = capsys.readouterr().out
        assert "Your statement is ready" in output and "Welcome" not in output

        assert cli.main(["mail", "show", listed[1].key]) == cli.EXIT_OK
        output = capsys.readouterr().out
        assert "Subject: Welcome to BankFlow" in output
        assert "To: ada@example.com" in output
        assert "Your code is 123456." in output

        assert cli.main(["mail", "show", "no-such-message"]) == cli.EXIT_FAILED
        assert "no message no-such-message" in capsys.readouterr().out
    finally:
        stopped = embedded_smtp.stop(own)
    assert stopped >= 1
    assert record.members() == [], "no process of the server's session is left"
    assert embedded_smtp.record(own) is None
    assert embedded_smtp.stop(own) == 0
    assert "smtp: stopped" in Path(record.log_path).read_text(), "SIGTERM stops it cleanly"
    assert len(mailbox_reader.list_messages(embedded_smtp.mail_dir(own), limit=10)) == 2, "mail outlives the server"


def test_the_probe_answers_and_the_size_limit_is_advertised_and_enforced(running: Settings) -> None:
    result = asyncio.run(probe_smtp(embedded_smtp.url(running.smtp_port)))
    assert result.ok, result.detail
    assert result.detail == f"127.0.0.1:{running.smtp_port} NOOP 250"

    async def advertised_size() -> str:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=running.smtp_port, timeout=SEND_TIMEOUT_S)
        async with client:
            await client.ehlo()
            return client.esmtp_extensions["size"]

    assert asyncio.run(advertised_size()) == str(MESSAGE_SIZE_LIMIT_BYTES)
    too_big = _letter(running, "ada@example.com", "Too big", "x" * (MESSAGE_SIZE_LIMIT_BYTES + 1))
    with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
        _send(running, too_big)
    assert refused.value.code == 552
    assert mailbox_reader.list_messages(embedded_smtp.mail_dir(running), limit=10) == []


def test_the_probe_names_why_a_server_does_not_answer() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    result = asyncio.run(probe_smtp(f"smtps://bankflow:hunter2@127.0.0.1:{port}", timeout_s=5))
    assert not result.ok
    assert result.detail
    assert "hunter2" not in result.detail


def test_an_external_server_is_only_probed_never_stopped(
    running: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cluster import stack  # imports Ray; only this test needs it

    external_url = embedded_smtp.url(running.smtp_port)
    other = isolated_settings(tmp_path / "other" / ".bankflow", smtp_url=external_url)
    assert stack._smtp(other) == (external_url, "external")
    assert embedded_smtp.record(other) is None, "nothing was started for an external server"
    stack.down(other, progress=print)
    assert re.search(r"^smtp +not running$", capsys.readouterr().out, re.MULTILINE)
    record = embedded_smtp.record(running)
    assert record is not None and record.is_alive()

    monkeypatch.setenv("BANKFLOW_SMTP_URL", "smtps://bankflow:hunter2@mail.example:465")
    assert cli.main(["mail"]) == cli.EXIT_FAILED
    output = capsys.readouterr().out
    assert "external SMTP server" in output
    assert "hunter2" not in output


def test_a_port_in_use_is_named(own: Settings) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", own.smtp_port))
        squatter.listen()
        in_use = rf"smtp: port 127.0.0.1:{own.smtp_port} is already in use.*BANKFLOW_SMTP_PORT"
        with pytest.raises(ServiceError, match=in_use):
            embedded_smtp.start(own)


def test_the_server_refuses_to_listen_beyond_loopback(tmp_path: Path) -> None:
    mailbox = ["-m", "cluster.embedded.mailbox", "--maildir", str(tmp_path / "mail")]
    result = subprocess.run(
        [sys.executable, *mailbox, "--host", "0.0.0.0", "--port", "2525"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "must be a loopback address" in result.stderr


@pytest.mark.parametrize(
    "value",
    [
        "http://mail.example:25",
        "smtp://",
        "smtps://bankflow:hunter2@mail.example:99999",
        "smtps://bankflow:hunter2@mail.example:0",
        "smtp://bankflow:hunter2@mail.example:25/inbox",
        "smtps://:hunter2@mail.example:465",
    ],
)
def test_an_invalid_smtp_url_is_refused_in_one_line_without_its_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BANKFLOW_SMTP_URL", value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert "BANKFLOW_SMTP_URL" in message
    assert "\n" not in message
    assert "hunter2" not in message


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BANKFLOW_SMTP_PORT", "70000"),
        ("BANKFLOW_MAIL_FROM", "not an address"),
        ("BANKFLOW_MAIL_FROM", "no-reply@bank.example\r\nBcc: everyone@bank.example"),
    ],
)
def test_other_invalid_mail_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings()


def test_a_valid_smtp_url_keeps_its_password_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BANKFLOW_SMTP_URL", "smtps://bank%40flow:hunter2@smtp.internal:465")
    settings = load_settings()
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings)
    server = parse_smtp_url(settings.smtp_url.get_secret_value())
    assert (server.host, server.port, server.implicit_tls, server.username) == ("smtp.internal", 465, True, "bank@flow")
    assert server.password.get_secret_value() == "hunter2"
    assert server.address == "smtp.internal:465"
    assert load_settings(smtp_url="smtp://mail.example").smtp_port == 10025
    assert parse_smtp_url("smtp://mail.example").port == 25


def test_endpoints_fill_an_empty_smtp_url_only(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "endpoints.json").write_text(json.dumps({"smtp_url": "smtp://127.0.0.1:5", "http_url": "http://x"}))
    embedded = Settings(_env_file=None, data_dir=tmp_path, smtp_url="")  # type: ignore[call-arg]
    assert embedded.with_endpoints().smtp_url.get_secret_value() == "smtp://127.0.0.1:5"
    external = Settings(_env_file=None, data_dir=tmp_path, smtp_url="smtp://mail.example:25")  # type: ignore[call-arg]
    assert external.with_endpoints().smtp_url.get_secret_value() == "smtp://mail.example:25"
