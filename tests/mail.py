"""Reading what the session's embedded SMTP server received, the way a person's inbox would."""

from __future__ import annotations

import mailbox
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from actors.settings import Settings
from cluster.embedded import smtp


def messages_to(settings: Settings, address: str) -> list[EmailMessage]:
    """Every message delivered to `address`, in no particular order."""
    found = []
    box = mailbox.Maildir(smtp.mail_dir(settings), create=False)
    for key in box.iterkeys():
        message = BytesParser(policy=policy.default).parsebytes(box.get_bytes(key))
        assert isinstance(message, EmailMessage)
        if address.lower() in str(message["To"]).lower():
            found.append(message)
    return found


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "no text part"
    content: str = part.get_content()
    return content


def wait_for_mail(settings: Settings, address: str, containing: str, timeout_s: float = 60) -> EmailMessage:
    """The first message to `address` whose text contains `containing`, waiting for it to arrive."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for message in messages_to(settings, address):
            if containing.lower() in (text_of(message) + str(message["Subject"])).lower():
                return message
        time.sleep(0.2)
    raise AssertionError(f"no mail to {address} containing {containing!r} within {timeout_s:.0f} s")
