"""Identity rules: emails, password strength, roles, one-time codes. Pure functions."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

MIN_PASSWORD_LENGTH: Final = 12
MAX_PASSWORD_LENGTH: Final = 256
CODE_DIGITS: Final = 6
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
# [0-9], not \d: \d also matches other scripts' digits, which no carrier dials. Also the pattern
# the API declares for phone numbers.
PHONE_PATTERN: Final = r"^\+[1-9][0-9]{6,14}$"
_E164 = re.compile(PHONE_PATTERN)
# Passwords seen in every breach list; a strong-looking rule must still refuse them.
_COMMON_PASSWORDS: Final = frozenset(
    {
        "password1234",
        "passwordpassword",
        "123456789012",
        "qwertyuiopas",
        "iloveyou1234",
        "letmein12345",
        "administrator",
        "welcome12345",
        "changeme1234",
        "correcthorsebatterystaple",
    }
)


class Role(StrEnum):
    CUSTOMER = "customer"
    SUPPORT = "support"
    ADMIN = "admin"
    # Reads the audit trail and the compliance reports; changes nothing.
    AUDITOR = "auditor"


def granted(before: Iterable[str], wanted: Iterable[str]) -> frozenset[str]:
    """The roles a change from `before` to `wanted` gives: a grant, which four eyes may govern
    (removing a role only takes power away, so it is never held for a checker)."""
    return frozenset(wanted) - frozenset(before)


def roles_summary(email: str, before: Iterable[str], wanted: Iterable[str]) -> str:
    """How a request to change a user's roles reads in the approvals inbox."""
    added = ", ".join(sorted(granted(before, wanted))) or "nothing"
    return f"Give {email} the roles {', '.join(sorted(wanted))} (adds {added}; now {', '.join(sorted(before))})"


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    email: str
    roles: frozenset[str]
    customer_id: uuid.UUID | None
    session_id: uuid.UUID

    def has_role(self, *roles: Role) -> bool:
        return any(role.value in self.roles for role in roles)

    @property
    def is_staff(self) -> bool:
        return self.has_role(Role.SUPPORT, Role.ADMIN)


class CodePurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    # The name of a code's purpose, not a password.
    RESET_PASSWORD = "reset_password"  # nosec B105


def normalize_email(email: str) -> str:
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    """Why an email address is not acceptable, or None."""
    if len(email) > 254 or not _EMAIL.match(email):
        return "is not a valid email address"
    return None


def phone_problem(phone: str) -> str | None:
    if not _E164.fullmatch(phone):  # fullmatch: `$` alone lets a trailing newline through
        return "must be in E.164 form, e.g. +14155550123"
    return None


def password_problem(password: str, email: str) -> str | None:
    """Why a password is too weak, in words a person can act on; None if it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_PASSWORD_LENGTH} characters long"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"must be at most {MAX_PASSWORD_LENGTH} characters long"
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < 3:
        return "must mix at least three of: lower-case letters, upper-case letters, digits, symbols"
    lowered = password.lower()
    if lowered.replace(" ", "") in _COMMON_PASSWORDS:
        return "is one of the most common passwords"
    local_part = normalize_email(email).split("@", 1)[0]
    if len(local_part) >= 4 and local_part in lowered:
        return "must not contain your email address"
    if len(set(password)) < 5:
        return "has too few different characters"
    return None


def code_is_well_formed(code: str) -> bool:
    return len(code) == CODE_DIGITS and code.isdigit()
