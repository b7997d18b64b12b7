"""The channels a notification leaves by: email over SMTP (aiosmtplib), SMS through a provider
shaped like Twilio's Messages API, push through one shaped like FCM HTTP v1.

A channel with no provider configured says so (`ChannelNotConfigured`), and the message is
recorded as skipped: nothing pretends to have sent. A failure worth retrying (server down, a
5xx, a timeout) is a `DeliveryError`; a message the provider refuses for good (a 4xx) is a
`RejectedError` and is not retried. Bodies and codes never reach a log line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, make_msgid, parseaddr
from typing import Final, Protocol

import aiohttp
import aiosmtplib

from actors.notifications.smtp_pool import SmtpConnections
from actors.smtp_url import parse_smtp_url

SEND_TIMEOUT_S: Final = 10.0
# Connections kept open to the SMTP server: as many as delivery sends at once.
MAX_IDLE_SMTP_CONNECTIONS: Final = 16
# Answers that say "try again later" rather than "never".
_RETRYABLE_HTTP: Final = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Outgoing:
    notification_id: str
    recipient: str
    subject: str | None
    body: str
    html: str | None = None


class ChannelNotConfigured(Exception):  # noqa: N818 -- a state, not a failure
    """No provider is configured for this channel."""


class DeliveryError(Exception):
    """The message did not leave; trying again later may work."""


class RejectedError(Exception):
    """The provider refused the message for good (bad recipient, bad request)."""


class Sender(Protocol):
    async def send(self, message: Outgoing) -> None: ...


class EmailChannel:
    def __init__(self, smtp_url: str, mail_from: str, timeout_s: float = SEND_TIMEOUT_S) -> None:
        server = parse_smtp_url(smtp_url) if smtp_url else None
        self._mail_from = mail_from
        self._address = "" if server is None else server.address
        self.connections = None if server is None else SmtpConnections(server, timeout_s, MAX_IDLE_SMTP_CONNECTIONS)

    async def send(self, message: Outgoing) -> None:
        if self.connections is None:
            raise ChannelNotConfigured("email: no SMTP server configured (BANKFLOW_SMTP_URL)")
        try:
            await self.connections.send(mime_message(self._mail_from, message))
        except aiosmtplib.SMTPRecipientsRefused as error:
            raise RejectedError(f"email: recipient refused ({type(error).__name__})") from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise DeliveryError(f"email: {self._address} did not take the message ({type(error).__name__})") from None


def mime_message(mail_from: str, message: Outgoing) -> Message:
    """The message as MIME: its text, and its HTML as the alternative when it has one.

    Built with the email package's classic classes rather than EmailMessage, whose header
    registry parsed every header it was given and whose set_content re-parsed its own: that was
    three quarters of a delivery's CPU. Addresses are ASCII (models/identity.py); a display name
    or a subject that is not is encoded as RFC 2047 words."""
    text = MIMEText(message.body, "plain", _charset_of(message.body))
    mime: Message = text
    if message.html is not None:
        mime = MIMEMultipart("alternative")
        mime.attach(text)
        mime.attach(MIMEText(message.html, "html", _charset_of(message.html)))
    name, address = parseaddr(mail_from)
    mime["From"] = formataddr((name, address), "utf-8") if name else address
    mime["To"] = message.recipient
    subject = message.subject or ""
    mime["Subject"] = subject if subject.isascii() else Header(subject, "utf-8").encode()
    # The notification id as Message-ID: a message sent twice is recognisably the same one.
    mime["Message-ID"] = make_msgid(idstring=message.notification_id, domain="bankflow.local")
    return mime


def _charset_of(text: str) -> str:
    """ASCII text goes as it is (7bit); any other as UTF-8 (base64)."""
    return "us-ascii" if text.isascii() else "utf-8"


async def _post(url: str, *, auth: aiohttp.BasicAuth | None, headers: dict[str, str], **body: object) -> None:
    timeout = aiohttp.ClientTimeout(total=SEND_TIMEOUT_S)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, auth=auth, headers=headers, **body) as response,  # type: ignore[arg-type]
        ):
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as error:
        raise DeliveryError(f"provider unreachable ({type(error).__name__})") from None
    if status >= 500 or status in _RETRYABLE_HTTP:
        raise DeliveryError(f"provider answered {status}")
    if status >= 400:
        raise RejectedError(f"provider refused the message ({status})")


class SmsChannel:
    """Twilio-shaped: POST {api}/2010-04-01/Accounts/{sid}/Messages.json, form To/From/Body, basic auth."""

    def __init__(self, api_url: str, account_sid: str, auth_token: str, from_number: str) -> None:
        self._configured = bool(api_url and account_sid and auth_token and from_number)
        self._url = f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._auth = aiohttp.BasicAuth(account_sid, auth_token) if self._configured else None
        self._from = from_number

    async def send(self, message: Outgoing) -> None:
        if not self._configured:
            raise ChannelNotConfigured("sms: no provider configured (BANKFLOW_SMS_API_URL and credentials)")
        form = {"To": message.recipient, "From": self._from, "Body": message.body}
        await _post(self._url, auth=self._auth, headers={}, data=form)


class PushChannel:
    """FCM-HTTP-v1-shaped: POST {api}/v1/projects/{project}/messages:send with a bearer token."""

    def __init__(self, api_url: str, project_id: str, access_token: str) -> None:
        self._configured = bool(api_url and project_id and access_token)
        self._url = f"{api_url.rstrip('/')}/v1/projects/{project_id}/messages:send"
        self._headers = {"Authorization": f"Bearer {access_token}", "Content-Type": "application/json"}

    async def send(self, message: Outgoing) -> None:
        if not self._configured:
            raise ChannelNotConfigured("push: no provider configured (BANKFLOW_PUSH_API_URL and credentials)")
        payload = {
            "message": {
                "token": message.recipient,
                "notification": {"title": message.subject or "BankFlow", "body": message.body},
                "data": {"notification_id": message.notification_id},
            }
        }
        await _post(self._url, auth=None, headers=self._headers, data=json.dumps(payload))
