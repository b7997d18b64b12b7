"""Who may use the fraud tools: staff read them; admins change rules, lists, cases and models."""

from __future__ import annotations

from models.failures import ServiceFailure
from models.identity import Principal, Role


def require_staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise ServiceFailure(403, "forbidden", "fraud tools are for support and admin")


def require_admin(principal: Principal) -> None:
    if not principal.has_role(Role.ADMIN):
        raise ServiceFailure(403, "forbidden", "only an admin may change fraud rules, lists or cases")
