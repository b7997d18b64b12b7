"""Opaque keyset cursors for paginated lists (API.md: `limit` and `cursor`)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Final

DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 500


class CursorError(ValueError):
    pass


def encode_cursor(values: list[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list[str]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError as error:
        raise CursorError("cursor is not one this API returned") from error
    if not isinstance(values, list) or len(values) != length or not all(isinstance(v, str) for v in values):
        raise CursorError("cursor is not one this API returned")
    return values


def encode_time_keyset(at: datetime, row_id: uuid.UUID) -> str:
    """The cursor after a row of a list ordered by (time, id)."""
    return encode_cursor([at.isoformat(), str(row_id)])


def decode_time_keyset(cursor: str) -> tuple[datetime, uuid.UUID]:
    """What encode_time_keyset encoded; CursorError for anything else."""
    at, row_id = decode_cursor(cursor, 2)
    try:
        return datetime.fromisoformat(at), uuid.UUID(row_id)
    except ValueError as error:
        raise CursorError("cursor is not one this API returned") from error
