"""Payees: the recipients a customer saved, by account number and a nickname of their own. Pure."""

from __future__ import annotations

from typing import Final

MAX_PAYEES_PER_CUSTOMER: Final = 200
MAX_NICKNAME_CHARS: Final = 64


def nickname_problem(nickname: str) -> str | None:
    if not nickname.strip():
        return "must not be blank"
    if len(nickname) > MAX_NICKNAME_CHARS:
        return f"must be at most {MAX_NICKNAME_CHARS} characters"
    if any(not character.isprintable() for character in nickname):
        return "must not contain control characters"
    return None
