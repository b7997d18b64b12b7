"""The embedded SMTP server process: `python -m cluster.embedded.mailbox --host H --port N --maildir DIR`.

aiosmtpd accepts every message for every recipient and keeps it in a Maildir
(`aiosmtpd.handlers.Mailbox`); nothing is relayed, so a laptop or CI stack can send real
mail that only people reading `bankflow mail` see. It listens on loopback only and stops
cleanly on SIGTERM or SIGINT. Only the standard library and aiosmtpd are imported here, so
the process starts fast and needs none of the platform.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP

MESSAGE_SIZE_LIMIT_BYTES = 10 * 1024 * 1024  # above any statement or notice BankFlow sends; SIZE in EHLO says it
SESSION_IDLE_TIMEOUT_S = 60.0  # a client silent this long is disconnected; a sender never pauses that long
CLOSE_TIMEOUT_S = 5.0  # bound on waiting for open sessions at shutdown (`down` SIGKILLs after 20 s anyway)
# Fixed: looking up this machine's FQDN (aiosmtpd's default) can stall where DNS is missing.
SERVER_HOSTNAME = "mail.bankflow.local"
MAILDIR_MODE = 0o700  # mail may carry verification codes: readable by this user only


def _loopback_host(text: str) -> str:
    try:
        is_loopback = text == "localhost" or ipaddress.ip_address(text).is_loopback
    except ValueError:
        is_loopback = False
    if not is_loopback:
        # Anyone who can connect can fill the disk and read nothing back; keep it on this machine.
        raise argparse.ArgumentTypeError(f"must be a loopback address (got {text})")
    return text


def _port(text: str) -> int:
    port = int(text)
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be 1-65535 (got {text})")
    return port


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m cluster.embedded.mailbox", description=__doc__)
    parser.add_argument("--host", type=_loopback_host, default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--port", type=_port, required=True)
    parser.add_argument("--maildir", type=Path, required=True, help="Maildir every message is delivered into")
    return parser.parse_args(argv)


async def serve(host: str, port: int, maildir: Path) -> None:
    """Accept mail into `maildir` until SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    handler = Mailbox(maildir)

    def session() -> SMTP:
        return SMTP(
            handler,
            data_size_limit=MESSAGE_SIZE_LIMIT_BYTES,
            hostname=SERVER_HOSTNAME,
            timeout=SESSION_IDLE_TIMEOUT_S,
            loop=loop,
        )

    stop_requested = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop_requested.set)
    server = await loop.create_server(session, host=host, port=port)
    print(f"smtp: listening on {host}:{port}, delivering into {maildir}", flush=True)
    await stop_requested.wait()
    server.close()
    try:
        await asyncio.wait_for(server.wait_closed(), CLOSE_TIMEOUT_S)
    except TimeoutError:
        print(f"smtp: sessions still open after {CLOSE_TIMEOUT_S:.0f} s; exiting anyway", flush=True)
    print("smtp: stopped", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _arguments(argv)
    # mailbox.Maildir creates tmp/, new/ and cur/ only along with a missing top directory.
    arguments.maildir.mkdir(mode=MAILDIR_MODE, parents=True, exist_ok=True)
    for folder in ("tmp", "new", "cur"):
        (arguments.maildir / folder).mkdir(mode=MAILDIR_MODE, parents=True, exist_ok=True)
    asyncio.run(serve(arguments.host, arguments.port, arguments.maildir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
