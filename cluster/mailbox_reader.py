"""Reading the embedded SMTP server's Maildir for people: the newest messages, and one in full.

The listing sorts by delivery time (each file's mtime, written on delivery; ties, within the
file system's clock tick, are broken by the time and counter in Python's Maildir file names)
and parses only the headers of the messages it shows, so a full mailbox lists fast.
"""

from __future__ import annotations

import mailbox
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

MAILDIR_FOLDERS = ("new", "cur")  # delivered mail; tmp/ holds messages still being written
HEADER_MAX_CHARS = 200  # a listing row stays one line however long a header is
BODY_MAX_CHARS = 200_000  # `show` is for reading; a larger body is cut, with a note
# "<seconds>.M<microseconds>P<pid>Q<counter>.<host>", as mailbox.Maildir (the server's handler) names files.
_PYTHON_MAILDIR_NAME = re.compile(r"^(\d+)\.M(\d+)P\d+Q(\d+)\.")


@dataclass(frozen=True)
class MailSummary:
    key: str
    date: datetime
    sender: str
    recipients: str
    subject: str


def _key(file_name: str) -> str:
    # Maildir file names are "<unique key>:<flags>"; the key is what mailbox.Maildir looks up.
    return file_name.split(mailbox.Maildir.colon, 1)[0]


def _header(message: EmailMessage, name: str) -> str:
    value = message.get(name)
    text = " ".join(str(value).split()) if value is not None else ""
    return text[:HEADER_MAX_CHARS]


def _addresses(message: EmailMessage, name: str) -> str:
    """The bare addresses of an address header (a listing has no room for display names)."""
    value = message.get(name)
    addresses = getattr(value, "addresses", None)  # None when the header did not parse as addresses
    if not addresses:
        return _header(message, name)
    return ", ".join(address.addr_spec for address in addresses)[:HEADER_MAX_CHARS]


def _date(message: EmailMessage, delivered_at: datetime) -> datetime:
    """The sender's Date header, or the delivery time when it is missing or unreadable."""
    try:
        sent_at = parsedate_to_datetime(str(message["Date"])) if message["Date"] is not None else None
    except (TypeError, ValueError):
        sent_at = None
    if sent_at is None or sent_at.tzinfo is None:
        return delivered_at
    return sent_at


def _name_order(file_name: str) -> tuple[int, int, int]:
    match = _PYTHON_MAILDIR_NAME.match(file_name)
    if match is None:
        return (0, 0, 0)
    seconds, microseconds, counter = match.groups()
    return (int(seconds), int(microseconds), int(counter))


def _delivered(maildir: Path) -> list[tuple[int, Path]]:
    """(delivery time in ns, path) of every delivered message."""
    found = []
    for folder in MAILDIR_FOLDERS:
        try:
            entries = list(os.scandir(maildir / folder))
        except FileNotFoundError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_file():
                continue
            try:
                found.append((entry.stat().st_mtime_ns, Path(entry.path)))
            except FileNotFoundError:  # moved or deleted meanwhile
                continue
    return found


def list_messages(maildir: Path, limit: int) -> list[MailSummary]:
    """The `limit` most recently delivered messages, newest first; none if the Maildir is absent."""
    delivered = _delivered(maildir)
    newest = sorted(delivered, key=lambda item: (item[0], _name_order(item[1].name), item[1].name), reverse=True)
    parser = BytesHeaderParser(policy=policy.default)
    summaries = []
    for delivered_ns, path in newest[:limit]:
        try:
            with path.open("rb") as file:
                message = parser.parse(file)
        except FileNotFoundError:
            continue
        assert isinstance(message, EmailMessage)  # policy.default parses into EmailMessage
        recipients = _addresses(message, "To") or _header(message, "X-RcptTo")  # Bcc-only mail has no To
        summaries.append(
            MailSummary(
                key=_key(path.name),
                date=_date(message, datetime.fromtimestamp(delivered_ns / 1e9, UTC)),
                sender=_addresses(message, "From") or _header(message, "X-MailFrom"),
                recipients=recipients,
                subject=_header(message, "Subject"),
            )
        )
    return summaries


def _attachments(message: EmailMessage) -> list[str]:
    lines = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        size_bytes = len(payload) if isinstance(payload, bytes) else 0
        lines.append(f"  {part.get_filename() or '(unnamed)'}  {part.get_content_type()}  {size_bytes} bytes")
    return lines


def show_message(maildir: Path, key: str) -> str:
    """One message as text: its main headers, then its plain-text body (or HTML if that is all).

    KeyError when the Maildir has no message `key`.
    """
    try:
        box = mailbox.Maildir(maildir, create=False)
        raw = box.get_bytes(key)
    except mailbox.NoSuchMailboxError:
        raise KeyError(key) from None
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)  # policy.default parses into EmailMessage
    lines = [f"{name}: {_header(message, name)}" for name in ("Date", "From", "To", "Cc", "Subject") if name in message]
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        text = "(no text part)"
    else:
        try:
            content = body.get_content()
        except (LookupError, ValueError):  # an unknown charset: show what decodes rather than nothing
            payload = body.get_payload(decode=True)
            content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
        text = content if isinstance(content, str) else f"({len(content)} bytes, not text)"
        if body.get_content_type() == "text/html":
            text = "(HTML only)\n" + text
    if len(text) > BODY_MAX_CHARS:
        text = text[:BODY_MAX_CHARS] + f"\n… ({len(text) - BODY_MAX_CHARS} more characters not shown)"
    attachments = _attachments(message)
    if attachments:
        lines += ["Attachments:", *attachments]
    return "\n".join([*lines, "", text.rstrip("\n")])
