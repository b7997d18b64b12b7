"""Compliance: who did what, searched and exported from the audit trail, for admins and auditors
(read-only: an auditor changes nothing anywhere)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

import asyncpg

from actors import audit
from models.audit import AuditFilter, AuditRecord, newest_page, record_view, records_csv, seq_of_cursor
from models.failures import ServiceFailure
from models.identity import Principal, Role

# A CSV export is built in memory in one answer: past this many records, narrow the filters.
MAX_EXPORT_RECORDS: Final = 50_000


def _may_read_the_trail(principal: Principal) -> None:
    if not principal.has_role(Role.ADMIN, Role.AUDITOR):
        raise ServiceFailure(403, "forbidden", "the audit trail is for admins and auditors")


def _checked(filters: AuditFilter) -> AuditFilter:
    if filters.since is not None and filters.until is not None and filters.since >= filters.until:
        raise ServiceFailure(422, "validation_error", "to: must be after from")
    return filters


class ComplianceService:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def audit(self, principal: Principal, filters: AuditFilter, limit: int, cursor: str | None) -> dict[str, Any]:
        """Records matching `filters`, newest first, `limit` at a time."""
        _may_read_the_trail(principal)
        records = await audit.newest_first(self._pool, _checked(filters), seq_of_cursor(cursor), limit + 1)
        page, next_cursor = newest_page(records, limit)
        return {"items": [record_view(record) for record in page], "next_cursor": next_cursor}

    async def audit_csv(self, principal: Principal, filters: AuditFilter) -> dict[str, Any]:
        """Every record matching `filters` as one CSV file, newest first."""
        _may_read_the_trail(principal)
        filters = _checked(filters)
        matching = await audit.count(self._pool, filters)
        if matching > MAX_EXPORT_RECORDS:
            message = f"{matching:,} records match; an export holds at most {MAX_EXPORT_RECORDS:,}: narrow from/to"
            raise ServiceFailure(422, "too_many_records", message)
        records: list[AuditRecord] = []
        before: int | None = None
        while len(records) < matching:
            page = await audit.newest_first(self._pool, filters, before, audit.MAX_PAGE_ROWS)
            if not page:
                break
            records.extend(page)
            before = page[-1].seq
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        return {"content": records_csv(records).encode(), "media_type": "text/csv", "filename": f"audit-{stamp}.csv"}
