"""Scheduled transfers: when each occurrence falls due, and when a schedule is finished. Pure.

Occurrence n (0, 1, 2…) of a schedule is computed from its start, never from the previous
run, so a late or repeated run cannot drift the calendar: a monthly transfer started on the
31st runs on the last day of shorter months and on the 31st again when there is one.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final

MAX_OCCURRENCES: Final = 10_000


class Frequency(StrEnum):
    ONCE = "ONCE"
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"


class ScheduleStatus(StrEnum):
    ACTIVE = "ACTIVE"
    FINISHED = "FINISHED"
    CANCELLED = "CANCELLED"


def occurrence_at(start_at: datetime, frequency: Frequency, occurrence: int) -> datetime:
    """When occurrence `occurrence` (0-based) of a schedule falls due."""
    assert occurrence >= 0
    match frequency:
        case Frequency.ONCE:
            assert occurrence == 0, "a one-off schedule has one occurrence"
            return start_at
        case Frequency.DAILY:
            return start_at + timedelta(days=occurrence)
        case Frequency.WEEKLY:
            return start_at + timedelta(weeks=occurrence)
        case Frequency.MONTHLY:
            months = start_at.month - 1 + occurrence
            year, month = start_at.year + months // 12, months % 12 + 1
            day = min(start_at.day, calendar.monthrange(year, month)[1])
            return start_at.replace(year=year, month=month, day=day)


def next_due(
    start_at: datetime, frequency: Frequency, occurrence: int, end_date: date | None, max_count: int | None
) -> datetime | None:
    """When occurrence `occurrence` is due, or None when the schedule has no such occurrence."""
    if frequency is Frequency.ONCE and occurrence > 0:
        return None
    if max_count is not None and occurrence >= max_count:
        return None
    if occurrence >= MAX_OCCURRENCES:
        return None
    due = occurrence_at(start_at, frequency, occurrence)
    if end_date is not None and due.date() > end_date:
        return None
    return due


def schedule_problem(
    start_at: datetime, frequency: Frequency, end_date: date | None, max_count: int | None, now: datetime
) -> tuple[str, str] | None:
    """(field, problem) when a schedule cannot be accepted."""
    if start_at < now - timedelta(minutes=5):
        return "start_at", "is in the past"
    if start_at > now + timedelta(days=5 * 366):
        return "start_at", "is more than five years ahead"
    if frequency is Frequency.ONCE and (end_date is not None or max_count is not None):
        return "frequency", "a one-off transfer takes neither end_date nor count"
    if end_date is not None and end_date < start_at.date():
        return "end_date", "is before start_at"
    if max_count is not None and not 1 <= max_count <= MAX_OCCURRENCES:
        return "count", f"must be between 1 and {MAX_OCCURRENCES}"
    return None
