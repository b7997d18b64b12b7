"""Log lines never carry a token, a password or an SSN."""

from __future__ import annotations

import logging

import pytest

from actors.log_masking import install_masking, mask


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("Authorization: Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "eyJhbGciOiJFZERTQSJ9"),
        ("token eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln appeared", "eyJzdWIiOiJ4In0"),
        ('{"email": "a@b.c", "password": "Hunter2-Hunter2"}', "Hunter2-Hunter2"),
        ("ssn=123-45-6789 rejected", "123-45-6789"),
        ("customer 987-65-4321 updated", "987-65-4321"),
        ("refresh_token=abcDEF123_-xyz done", "abcDEF123_-xyz"),
    ],
)
def test_secrets_are_masked(line: str, secret: str) -> None:
    assert secret not in mask(line)


def test_ordinary_lines_are_untouched() -> None:
    line = "transfer 5f0c4b0e-8a57-4c1e-9b4e-6b616e6b666c of 12.34 USD completed in 3 ms"
    assert mask(line) == line


def test_installed_masking_applies_to_every_logger(caplog: pytest.LogCaptureFixture) -> None:
    install_masking()
    with caplog.at_level(logging.INFO):
        logging.getLogger("somewhere.else").info("login with password=%s", "Sup3r-Secret-Value")
    assert "Sup3r-Secret-Value" not in caplog.text
    assert "password=***" in caplog.text
