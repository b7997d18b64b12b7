"""Embedded SMTP: aiosmtpd on loopback TCP (`cluster.embedded.mailbox`), delivering into a Maildir.

Every message sent to it, whatever the recipient, lands in `<data_dir>/mail/` and stays
there for people to read with `bankflow mail`; nothing leaves the machine.
"""

from __future__ import annotations

import smtplib
import sys
from pathlib import Path

from actors.settings import Settings
from cluster.embedded.process import (
    ProcessRecord,
    require_free_port,
    running_record,
    spawn,
    stop_session,
    wait_ready,
)

NAME = "smtp"
HOST = "127.0.0.1"
NOOP_TIMEOUT_S = 0.5  # per readiness attempt; wait_ready bounds the whole wait
EHLO_NAME = "localhost"  # what we call ourselves; avoids smtplib looking up this machine's FQDN


def url(port: int) -> str:
    return f"smtp://{HOST}:{port}"


def mail_dir(settings: Settings) -> Path:
    """The Maildir the embedded server delivers into (it exists once the server has started)."""
    return settings.data_dir.resolve() / "mail"


def _answers_noop(port: int) -> bool:
    try:
        with smtplib.SMTP(HOST, port, local_hostname=EHLO_NAME, timeout=NOOP_TIMEOUT_S) as client:
            code, _ = client.noop()
            return code == 250
    except (OSError, smtplib.SMTPException):  # refused, reset or a half-started server: not ready yet
        return False


def start(settings: Settings) -> str:
    """Start (or find running) the embedded SMTP server; return its URL."""
    port = settings.smtp_port
    if running_record(settings.run_dir, NAME) is None:
        require_free_port(NAME, HOST, port, "BANKFLOW_SMTP_PORT")
        argv = [
            sys.executable,
            "-m",
            "cluster.embedded.mailbox",
            "--host",
            HOST,
            "--port",
            str(port),
            "--maildir",
            str(mail_dir(settings)),
        ]
        log_path = settings.data_dir.resolve() / "logs" / "smtp.log"
        _, record = spawn(NAME, argv, port=port, run_dir=settings.run_dir, log_path=log_path)
        wait_ready(NAME, lambda: _answers_noop(port), timeout_s=settings.service_start_timeout_s, record=record)
    return url(port)


def stop(settings: Settings) -> int:
    return stop_session(settings.run_dir, NAME)


def record(settings: Settings) -> ProcessRecord | None:
    return running_record(settings.run_dir, NAME)
