"""Money at the edge: decimal strings ↔ minor units, never float."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.money import MAX_AMOUNT_MINOR, MoneyError, format_amount, minor_units, parse_amount


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [("12.34", "USD", 1234), ("0.01", "EUR", 1), ("1000", "JPY", 1000), ("1.234", "KWD", 1234), ("5", "USD", 500)],
)
def test_parse_amount(text: str, currency: str, minor: int) -> None:
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "complaint"),
    [
        ("12.345", "USD", "more than 2 decimals"),
        ("1.5", "JPY", "more than 0 decimals"),
        ("0", "USD", "greater than zero"),
        ("-1.00", "USD", "greater than zero"),
        ("abc", "USD", "not a decimal"),
        ("1e3", "USD", "plain decimal"),
        ("NaN", "USD", "plain decimal"),
        ("", "USD", "not a decimal"),
        ("1.00", "XYZ", "unknown currency"),
        ("100000000000000.00", "USD", "largest allowed"),
    ],
)
def test_parse_amount_refuses(text: str, currency: str, complaint: str) -> None:
    with pytest.raises(MoneyError, match=complaint):
        parse_amount(text, currency)


def test_a_float_is_refused() -> None:
    with pytest.raises(MoneyError, match="decimal string"):
        parse_amount(12.34, "USD")  # type: ignore[arg-type]


def test_minor_units_of_known_currencies() -> None:
    assert (minor_units("USD"), minor_units("JPY"), minor_units("BHD")) == (2, 0, 3)


@given(st.integers(min_value=1, max_value=MAX_AMOUNT_MINOR), st.sampled_from(["USD", "JPY", "KWD", "CLF"]))
def test_format_and_parse_round_trip(amount_minor: int, currency: str) -> None:
    assert parse_amount(format_amount(amount_minor, currency), currency) == amount_minor


def test_format_negative_and_zero_decimals() -> None:
    assert format_amount(-50, "USD") == "-0.50"
    assert format_amount(1200, "JPY") == "1200"
