"""Text put in a CSV cell that a spreadsheet will show, never run."""

from __future__ import annotations

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """`text` for a CSV cell: a leading quote keeps a spreadsheet from reading it as a formula
    (CSV injection)."""
    return "'" + text if text[:1] in _FORMULA_STARTS else text
