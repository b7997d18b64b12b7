"""The OpenAPI document says what amounts, currencies, phone numbers, passwords, routing and
account numbers, emails, ids and times look like, and what it says agrees with the server:
values drawn from a declared pattern pass the server's own validators' shape checks, and
typical bad values fail both. Built from the app itself, without a stack."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from deployments.gateway import api
from models.external import account_number_problem, routing_number_problem
from models.identity import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, password_problem, phone_problem
from models.ledger.numbers import number_problem
from models.money import MoneyError, format_amount, is_known_currency, minor_units, parse_amount
from models.notifications import valid_phone_e164

AMOUNT_FIELDS = [
    ("TransferRequest", "amount"),
    ("CashRequest", "amount"),
    ("PaymentRequest", "amount"),
    ("CaptureRequest", "amount"),
    ("ExternalRequestBody", "amount"),
    ("ScheduleBody", "amount"),
    ("AnalyzeRequest", "amount"),
]
CURRENCY_FIELDS = [
    ("TransferRequest", "currency"),
    ("CashRequest", "currency"),
    ("PaymentRequest", "currency"),
    ("ExternalRequestBody", "currency"),
    ("ScheduleBody", "currency"),
    ("AnalyzeRequest", "currency"),
    ("AccountOpen", "currency"),
    ("Transaction", "currency"),
    ("Account", "currency"),
]
PHONE_FIELDS = [("RegisterRequest", "phone"), ("CustomerCreate", "phone"), ("CustomerUpdate", "phone")]
EMAIL_FIELDS = [
    ("RegisterRequest", "email"),
    ("LoginRequest", "email"),
    ("ForgotRequest", "email"),
    ("ResetRequest", "email"),
    ("EmailRequest", "to"),
    ("User", "email"),
    ("Customer", "email"),
]
BANKFLOW_NUMBER_FIELDS = [
    ("TransferRequest", "to_account_number"),
    ("ScheduleBody", "to_account_number"),
    ("PayeeCreate", "account_number"),
    ("Payee", "account_number"),
    ("AccountLookup", "number"),
]
NEW_PASSWORD_FIELDS = [("RegisterRequest", "password"), ("ResetRequest", "new_password")]
# What the document says, spelled out: a change to a declared pattern is a change to the API.
AMOUNT_PATTERN_TEXT = (
    r"^(?:[1-9][0-9]{0,10}(?:\.[0-9]{1,4})?|0\.(?:[1-9][0-9]{0,3}|0[1-9][0-9]{0,2}|00[1-9][0-9]?|000[1-9]))$"
)
CURRENCIES_BY_DECIMALS = ["JPY", "USD", "KWD", "CLF"]  # 0, 1… 4 decimals: every number of decimals there is
# Free text that merely ends like an id: the caller's request id and device id.
# An audit record's target is a uuid, a list entry's "kind:value" or a model version.
NOT_UUIDS = {
    ("ErrorDetail", "request_id"),
    ("AnalyzeRequest", "device_id"),
    ("AuditRecordView", "target_id"),
    ("ApprovalRequestView", "target_id"),  # a model version, a rule name, as well as ids
}


@cache
def _document() -> dict[str, Any]:
    document: dict[str, Any] = api.openapi()
    return document


def _field(model: str, name: str) -> dict[str, Any]:
    """The string schema of a model's property (the non-null branch of an optional one)."""
    schema: dict[str, Any] = _document()["components"]["schemas"][model]["properties"][name]
    strings: list[dict[str, Any]] = [branch for branch in schema.get("anyOf", [schema]) if branch["type"] == "string"]
    assert len(strings) == 1, (model, name, schema)
    return strings[0]


def _parameter(path: str, name: str) -> dict[str, Any]:
    for parameter in _document()["paths"][path]["get"]["parameters"]:
        if parameter["name"] == name:
            schema: dict[str, Any] = parameter["schema"]
            return next(branch for branch in schema.get("anyOf", [schema]) if branch.get("type") == "string")
    raise AssertionError(f"no parameter {name} on {path}")


@cache
def _values(model: str, name: str) -> st.SearchStrategy[str]:
    """Strings the declared schema of a field admits, drawn from its pattern."""
    schema = _field(model, name)
    return st.from_regex(schema["pattern"], fullmatch=True).filter(Draft202012Validator(schema).is_valid)


def _decimals(text: str) -> int:
    return len(text.partition(".")[2])


# Hypothesis's deadline is a clock: off, as for every test here.
untimed = settings(deadline=None)


# --- what the document declares ------------------------------------------------------------------


@pytest.mark.parametrize(("model", "name"), AMOUNT_FIELDS)
def test_amounts_declare_their_pattern(model: str, name: str) -> None:
    field = _field(model, name)
    assert (field["pattern"], field["minLength"], field["maxLength"]) == (AMOUNT_PATTERN_TEXT, 1, 32)


def test_search_amounts_and_the_daily_limit_declare_theirs() -> None:
    for name in ("min_amount", "max_amount"):
        assert _parameter("/api/v1/transactions/search", name)["pattern"] == AMOUNT_PATTERN_TEXT
    assert "pattern" in _field("AccountLimits", "daily_outgoing_limit")
    assert "pattern" in _field("AccountLimits", "overdraft_limit")


@pytest.mark.parametrize(("model", "name"), CURRENCY_FIELDS)
def test_currencies_are_three_capitals(model: str, name: str) -> None:
    field = _field(model, name)
    assert (field["pattern"], field["minLength"], field["maxLength"]) == ("^[A-Z]{3}$", 3, 3)


@pytest.mark.parametrize(("model", "name"), PHONE_FIELDS)
def test_phone_numbers_declare_e164(model: str, name: str) -> None:
    assert _field(model, name)["pattern"] == r"^\+[1-9][0-9]{6,14}$"


def test_the_sms_recipient_and_the_customer_search_declare_their_phone_patterns() -> None:
    assert _field("SmsRequest", "to")["pattern"] == r"^\+[1-9][0-9]{7,14}$"
    assert _parameter("/api/v1/customers/search", "phone")["pattern"] == _field("CustomerCreate", "phone")["pattern"]
    assert _parameter("/api/v1/customers/search", "email")["format"] == "email"


@pytest.mark.parametrize(("model", "name"), NEW_PASSWORD_FIELDS)
def test_new_passwords_declare_the_policy_lengths(model: str, name: str) -> None:
    field = _field(model, name)
    assert (field["minLength"], field["maxLength"], field["format"]) == (12, 256, "password")
    assert "three" in field["description"]


def test_the_login_password_is_a_password_of_any_length() -> None:
    field = _field("LoginRequest", "password")
    assert (field.get("minLength"), field["maxLength"], field["format"]) == (None, 256, "password")


def test_bank_details_declare_digits() -> None:
    routing = _field("ExternalParty", "routing_number")
    assert (routing["pattern"], routing["minLength"], routing["maxLength"]) == ("^[0-9]{9}$", 9, 9)
    assert "check digit" in routing["description"]
    assert _field("ExternalParty", "account_number")["pattern"] == "^[0-9]{4,17}$"


@pytest.mark.parametrize(("model", "name"), EMAIL_FIELDS)
def test_emails_are_emails(model: str, name: str) -> None:
    assert _field(model, name)["format"] == "email"


def test_every_id_is_a_uuid_and_every_time_a_date_time() -> None:
    undeclared = []
    for model, schema in _document()["components"]["schemas"].items():
        for name, field in schema.get("properties", {}).items():
            if (model, name) in NOT_UUIDS:
                continue
            expected = "uuid" if name.endswith("_id") else "date-time" if name.endswith("_at") else None
            branches = [branch for branch in field.get("anyOf", [field]) if branch.get("type") == "string"]
            if expected is not None and any(branch.get("format") != expected for branch in branches):
                undeclared.append(f"{model}.{name}")
    assert undeclared == []
    assert _field("Schedule", "end_date")["format"] == _field("Customer", "date_of_birth")["format"] == "date"


def test_response_amounts_declare_what_the_server_writes() -> None:
    pattern = _field("Transaction", "amount")["pattern"]
    for amount_minor in (0, 1, -50, 123456, -(10**15)):
        for currency in CURRENCIES_BY_DECIMALS:
            assert re.fullmatch(pattern, format_amount(amount_minor, currency)), (amount_minor, currency)


# --- what the server accepts ---------------------------------------------------------------------


@untimed
@given(st.data())
def test_every_declared_amount_is_accepted_within_its_currencys_decimals(data: st.DataObject) -> None:
    text = data.draw(_values("TransferRequest", "amount"))
    for currency in CURRENCIES_BY_DECIMALS:
        if _decimals(text) <= minor_units(currency):
            assert parse_amount(text, currency) == Decimal(text).scaleb(minor_units(currency))
        else:
            with pytest.raises(MoneyError, match="decimals"):
                parse_amount(text, currency)


@untimed
@given(st.data())
def test_every_declared_daily_limit_and_overdraft_line_is_accepted(data: st.DataObject) -> None:
    text = data.draw(_values("AccountLimits", data.draw(st.sampled_from(["daily_outgoing_limit", "overdraft_limit"]))))
    assert Decimal(text) == 0 or parse_amount(text, "CLF") > 0


@pytest.mark.parametrize("text", ["0", "0.00", "-1.00", "1e3", "NaN", "Infinity", "abc", "", "1,000.00", "12.34.5"])
def test_typical_bad_amounts_are_refused_by_the_pattern_and_the_server(text: str) -> None:
    assert not Draft202012Validator(_field("TransferRequest", "amount")).is_valid(text)
    for currency in CURRENCIES_BY_DECIMALS:
        with pytest.raises(MoneyError):
            parse_amount(text, currency)


@pytest.mark.parametrize("currency", ["usd", "US", "USDX", "U5D", "ÜSD"])
def test_typical_bad_currencies_are_refused_by_the_pattern_and_the_server(currency: str) -> None:
    assert not Draft202012Validator(_field("TransferRequest", "currency")).is_valid(currency)
    assert not is_known_currency(currency)


@untimed
@given(st.data())
def test_every_declared_phone_number_is_accepted(data: st.DataObject) -> None:
    assert phone_problem(data.draw(_values("CustomerCreate", "phone"))) is None
    assert valid_phone_e164(data.draw(_values("SmsRequest", "to")))


@pytest.mark.parametrize(
    "phone",
    # The last in Arabic-Indic digits, which \d would take.
    ["555-0123", "0123", "14155550123", "+04155550123", "+1 415 555 0123", "+1234567890123456", "+١٤١٥٥٥٥٠١٢٣"],
)
def test_typical_bad_phone_numbers_are_refused_by_the_pattern_and_the_server(phone: str) -> None:
    assert not Draft202012Validator(_field("CustomerCreate", "phone")).is_valid(phone)
    assert phone_problem(phone) is not None
    assert not valid_phone_e164(phone)


def test_a_phone_number_with_a_trailing_newline_is_refused() -> None:
    """ECMA 262's `$` (the pattern's dialect) never matches before a final newline; Python's does."""
    assert phone_problem("+14155550123\n") is not None


@untimed
@given(st.data())
def test_every_declared_routing_number_has_its_shape_accepted(data: st.DataObject) -> None:
    """The check digit stays the server's to judge; nine digits are never refused as a shape."""
    assert routing_number_problem(data.draw(_values("ExternalParty", "routing_number"))) in (
        None,
        "has a wrong check digit",
    )
    assert account_number_problem(data.draw(_values("ExternalParty", "account_number"))) is None


# Fullwidth and superscript digits pass str.isdigit(); int() refuses superscripts.
@pytest.mark.parametrize(
    "routing", ["02100002a", "12345", "0210000210", "０２１０００００２１", "²²²²²²²²²", "021 00002"]
)
def test_typical_bad_routing_numbers_are_refused_by_the_pattern_and_the_server(routing: str) -> None:
    assert not Draft202012Validator(_field("ExternalParty", "routing_number")).is_valid(routing)
    assert routing_number_problem(routing) == "must be nine digits"


@pytest.mark.parametrize("number", ["12ab5678", "123", "1" * 18, "１２３４５６７８", "¹²³⁴⁵"])
def test_typical_bad_account_numbers_are_refused_by_the_pattern_and_the_server(number: str) -> None:
    assert not Draft202012Validator(_field("ExternalParty", "account_number")).is_valid(number)
    assert account_number_problem(number) is not None


def test_the_declared_example_routing_number_is_valid() -> None:
    (example,) = _document()["components"]["schemas"]["ExternalParty"]["properties"]["routing_number"]["examples"]
    assert routing_number_problem(example) is None


@untimed
@given(st.text(min_size=0, max_size=MAX_PASSWORD_LENGTH + 20))
def test_passwords_of_the_declared_lengths_are_refused_only_for_their_policy(password: str) -> None:
    problem = password_problem(password, "ada@example.com")
    declared = Draft202012Validator(_field("RegisterRequest", "password")).is_valid(password)
    assert declared == (MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH)
    assert declared == (problem is None or "characters long" not in problem)


# --- BankFlow's own account numbers --------------------------------------------------------------


@pytest.mark.parametrize(("model", "name"), BANKFLOW_NUMBER_FIELDS)
def test_bankflow_account_numbers_declare_fourteen_digits(model: str, name: str) -> None:
    field = _field(model, name)
    assert (field["pattern"], field["minLength"], field["maxLength"]) == ("^[0-9]{14}$", 14, 14)
    assert number_problem(field["examples"][0]) is None


def test_the_lookup_declares_its_number() -> None:
    assert _parameter("/api/v1/accounts/lookup", "number")["pattern"] == "^[0-9]{14}$"


@untimed
@given(st.data())
def test_every_declared_bankflow_account_number_has_its_shape_accepted(data: st.DataObject) -> None:
    """The check digits stay the server's to judge; fourteen digits are never refused as a shape."""
    assert number_problem(data.draw(_values("PayeeCreate", "account_number"))) in (None, "has wrong check digits")


@pytest.mark.parametrize(
    "number", ["１" * 14, "0010000000426", "001000000042641", "0010 0000 0042", "²" * 14, "0010000000426a"]
)
def test_typical_bad_bankflow_account_numbers_are_refused_by_the_pattern_and_the_server(number: str) -> None:
    assert not Draft202012Validator(_field("PayeeCreate", "account_number")).is_valid(number)
    assert number_problem(number) == "must be 14 digits"
