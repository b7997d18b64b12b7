"""Where mail goes: BANKFLOW_SMTP_URL parsed (`smtp://host:port` or `smtps://user:pass@host:port`).

Errors name what is wrong and never repeat the URL: it may carry a password.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from pydantic import SecretStr

# The IANA ports: plain SMTP (STARTTLS when the server offers it) and SMTP over TLS.
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
MAX_URL_CHARS = 2048


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool
    username: str = ""
    password: SecretStr = field(default_factory=lambda: SecretStr(""))

    @property
    def address(self) -> str:
        """host:port, safe to print (no credentials)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpServer:
    """The server a URL names; ValueError (without the URL in it) when it names none."""
    if len(url) > MAX_URL_CHARS:
        raise ValueError(f"must be at most {MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ValueError("is not a valid URL") from None
    try:
        port = parts.port
    except ValueError:
        raise ValueError("has an invalid port (must be 1-65535)") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError("must start with smtp:// or smtps:// (or be empty for the embedded SMTP server)")
    if not parts.hostname:
        raise ValueError("must name a host: smtp://host:port or smtps://user:password@host:port")
    if port == 0:
        raise ValueError("has an invalid port (must be 1-65535)")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("must be only scheme://[user:password@]host[:port], without a path or query")
    if parts.password is not None and not parts.username:
        raise ValueError("has a password without a user name")
    return SmtpServer(
        host=parts.hostname,
        port=port or DEFAULT_PORTS[parts.scheme],
        implicit_tls=parts.scheme == "smtps",
        username=unquote(parts.username or ""),
        password=SecretStr(unquote(parts.password or "")),
    )
