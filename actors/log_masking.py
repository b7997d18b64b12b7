"""Secrets never reach a log line: every record's message is masked as it is created.

Masks bearer/JWT tokens, SSNs, and the values of fields named like secrets. BankFlow's code
does not log such values; this is the net under it (library messages, exception texts).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, Final

_PATTERNS: Final = (
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"), "Bearer ***"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "***jwt***"),
    (re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), "***-**-****"),
    (
        re.compile(
            r"""(?i)(["']?(?:password|new_password|ssn|secret|token|refresh_token|access_token|code|totp)["']?\s*[:=]\s*)"""
            r"""("[^"]*"|'[^']*'|[^\s,;}&]+)"""
        ),
        r"\1***",
    ),
)
_installed = False


def mask(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def on_every_record(change: Callable[[logging.LogRecord], None]) -> None:
    """Apply `change` to every log record created in this process from now on."""
    previous = logging.getLogRecordFactory()

    def changed_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        change(record)
        return record

    logging.setLogRecordFactory(changed_record)


def _mask_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        return
    record.msg, record.args = mask(message), None


def install_masking() -> None:
    """Mask every log record created in this process from now on (idempotent)."""
    global _installed  # noqa: PLW0603 -- one process-wide switch, set once
    if _installed:
        return
    on_every_record(_mask_record)
    _installed = True
