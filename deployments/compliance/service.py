"""Compliance: who did what, searched and exported from the audit trail, for admins and auditors
(read-only: an auditor changes nothing anywhere); and the regulatory reports, for support,
admins and auditors, with a suspicious activity case marked as filed by support or an admin."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from datetime import UTC, date, datetime
from typing import Any, Final, Literal

import asyncpg

from actors import audit, reports
from deployments.compliance.approvals import ApprovalOperations
from models.audit import (
    AuditActor,
    AuditFilter,
    AuditOrigin,
    AuditRecord,
    newest_page,
    record_view,
    records_csv,
    seq_of_cursor,
)
from models.failures import ServiceFailure
from models.identity import Principal, Role
from models.reports import ReportError, ctr_csv, kyc_csv, sar_csv

ReportFormat = Literal["json", "csv"]

# A CSV export is built in memory in one answer: past this many records, narrow the filters.
MAX_EXPORT_RECORDS: Final = 50_000


def _may_read_the_trail(principal: Principal) -> None:
    if not principal.has_role(Role.ADMIN, Role.AUDITOR):
        raise ServiceFailure(403, "forbidden", "the audit trail is for admins and auditors")


def _may_read_reports(principal: Principal) -> None:
    if not principal.has_role(Role.SUPPORT, Role.ADMIN, Role.AUDITOR):
        raise ServiceFailure(403, "forbidden", "the regulatory reports are for support, admins and auditors")


def _may_file(principal: Principal) -> None:
    if not principal.has_role(Role.SUPPORT, Role.ADMIN):
        raise ServiceFailure(403, "forbidden", "a filing is recorded by support or an admin")


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _as_csv(name: str, text: str) -> dict[str, Any]:
    return {"content": text.encode(), "media_type": "text/csv", "filename": f"{name}-{_stamp()}.csv"}


async def _reported(building: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    try:
        return await building
    except ReportError as error:
        raise ServiceFailure(422, "validation_error", str(error)) from None


def _checked(filters: AuditFilter) -> AuditFilter:
    if filters.since is not None and filters.until is not None and filters.since >= filters.until:
        raise ServiceFailure(422, "validation_error", "to: must be after from")
    return filters


class ComplianceService(ApprovalOperations):
    def __init__(self, pool: asyncpg.Pool, business_time_zone: str, ctr_threshold: str) -> None:
        self._pool = pool
        self._business_time_zone = business_time_zone
        self._ctr_threshold = ctr_threshold

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
        return _as_csv("audit", records_csv(records))

    async def currency_transactions(
        self,
        principal: Principal,
        first_day: date,
        last_day: date,
        time_zone: str | None,
        threshold: str | None,
        format: ReportFormat,
    ) -> dict[str, Any]:
        """Currency transaction report candidates: customers whose cash in or out in one business
        day is above the threshold (the settings' unless given), with the movements behind each."""
        _may_read_reports(principal)
        query = reports.CtrQuery(
            first_day, last_day, time_zone or self._business_time_zone, threshold or self._ctr_threshold
        )
        report = await _reported(reports.currency_transactions(self._pool, query))
        return report if format == "json" else _as_csv("currency-transactions", ctr_csv(report["items"]))

    async def suspicious_activity(
        self, principal: Principal, first_day: date, last_day: date, time_zone: str | None, format: ReportFormat
    ) -> dict[str, Any]:
        """Cases resolved as fraud in the period, ready to file, and the accounts flagged for many cases."""
        _may_read_reports(principal)
        zone = time_zone or self._business_time_zone
        report = await _reported(reports.suspicious_activity(self._pool, first_day, last_day, zone))
        return report if format == "json" else _as_csv("suspicious-activity", sar_csv(report["cases"]))

    async def kyc_status(self, principal: Principal, format: ReportFormat) -> dict[str, Any]:
        """Customers by KYC status, and the files waiting for a decision by age."""
        _may_read_reports(principal)
        report = await _reported(reports.kyc_status(self._pool))
        return report if format == "json" else _as_csv("kyc-status", kyc_csv(report))

    async def file_suspicious_activity(
        self, principal: Principal, case_id: uuid.UUID, reference: str, origin: AuditOrigin
    ) -> dict[str, Any]:
        """Record that a case resolved as fraud was filed with the regulator under `reference` (once)."""
        _may_file(principal)
        try:
            outcome, filing = await reports.file_case(self._pool, case_id, reference, AuditActor.of(principal), origin)
        except ReportError as error:
            raise ServiceFailure(422, "validation_error", str(error)) from None
        match outcome:
            case reports.Filing.NO_SUCH_CASE:
                raise ServiceFailure(404, "not_found", "no such fraud case")
            case reports.Filing.NOT_FRAUD:
                raise ServiceFailure(409, "not_fraud", "only a case resolved as FRAUD is filed")
            case reports.Filing.ALREADY_FILED:
                assert filing is not None
                message = f"already filed under {filing['reference']} on {filing['filed_at']}"
                raise ServiceFailure(409, "already_filed", message)
        assert filing is not None
        return filing
