"""The pure core of notifications: routing, preferences and the security rule, retry delays,
recipient addresses, and amounts as each locale reads them."""

from __future__ import annotations

import random
from dataclasses import FrozenInstanceError

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.money import MoneyError, format_amount, minor_units
from models.notifications import (
    KNOWN_EVENT_TYPES,
    MAX_DELIVERY_ATTEMPTS,
    PUSH_TOKEN_MAX_CHARS,
    ROUTES,
    Audience,
    Category,
    Channel,
    NotificationStatus,
    PreferenceError,
    Preferences,
    UnknownEventError,
    delivery_delay_ms,
    display_amount,
    route_of,
    valid_email,
    valid_phone_e164,
    valid_push_token,
)

# API.md › Events, table by table, and the events the services added since.
API_EVENTS = [
    "user.registered", "user.logged_in", "user.verified",
    "customer.created", "customer.updated", "kyc.submitted", "kyc.approved", "kyc.rejected",
    "account.created", "account.balance.updated", "account.frozen", "account.closed",
    "transaction.initiated", "transaction.processing", "transaction.completed", "transaction.failed",
    "transaction.reversed",
    "fraud.detected", "fraud.high_risk", "account.suspicious",
    "notification.sent", "notification.failed",
    "user.verification_requested", "user.password_reset_requested", "account.unfrozen", "account.overdraft.updated",
    "account.daily_limit.updated",
]  # fmt: skip


# --- routing -------------------------------------------------------------------------------------


def test_every_published_event_is_known_and_every_route_is_a_published_event() -> None:
    assert set(API_EVENTS) == KNOWN_EVENT_TYPES
    assert set(ROUTES) <= KNOWN_EVENT_TYPES


@pytest.mark.parametrize(
    ("event_type", "category", "audience"),
    [
        ("user.registered", Category.ACCOUNT, Audience.USER),
        ("user.verification_requested", Category.SECURITY, Audience.USER),
        ("user.password_reset_requested", Category.SECURITY, Audience.USER),
        ("account.created", Category.ACCOUNT, Audience.CUSTOMER),
        ("account.frozen", Category.SECURITY, Audience.ACCOUNT_OWNERS),
        ("account.closed", Category.ACCOUNT, Audience.ACCOUNT_OWNERS),
        ("transaction.completed", Category.TRANSACTIONS, Audience.ACCOUNT_OWNERS),
        ("transaction.failed", Category.TRANSACTIONS, Audience.ACCOUNT_OWNERS),
        ("transaction.reversed", Category.TRANSACTIONS, Audience.ACCOUNT_OWNERS),
        ("kyc.approved", Category.KYC, Audience.CUSTOMER),
        ("kyc.rejected", Category.KYC, Audience.CUSTOMER),
        ("fraud.detected", Category.SECURITY, Audience.ACCOUNT_OWNERS),
        ("fraud.high_risk", Category.SECURITY, Audience.ADMINS),
    ],
)
def test_routes(event_type: str, category: Category, audience: Audience) -> None:
    route = route_of(event_type)
    assert route is not None
    assert (route.category, route.audience) == (category, audience)
    assert route.template.isidentifier()


@pytest.mark.parametrize(
    "event_type",
    ["transaction.initiated", "transaction.processing", "account.balance.updated", "user.logged_in",
     "notification.sent", "notification.failed", "kyc.submitted", "customer.updated"],
)  # fmt: skip
def test_known_events_that_notify_nobody_have_no_route(event_type: str) -> None:
    assert route_of(event_type) is None


@pytest.mark.parametrize(
    "event_type", ["transaction.exploded", "", "com.bankflow.user.registered", "USER.REGISTERED", "user.registered "]
)
def test_unknown_events_are_told_apart_from_quiet_ones(event_type: str) -> None:
    with pytest.raises(UnknownEventError, match="unknown event type"):
        route_of(event_type)


def test_routes_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        ROUTES["transaction.initiated"] = ROUTES["transaction.completed"]  # type: ignore[index]
    with pytest.raises(FrozenInstanceError):
        ROUTES["user.registered"].template = "other"  # type: ignore[misc]


def test_statuses_match_the_database_values() -> None:
    assert [status.value for status in NotificationStatus] == ["pending", "sent", "failed", "skipped"]


# --- preferences ---------------------------------------------------------------------------------


@pytest.mark.parametrize("has_phone", [True, False])
def test_default_preferences(has_phone: bool) -> None:
    preferences = Preferences.defaults(has_phone=has_phone)
    for category in Category:
        assert preferences.allows(category, Channel.EMAIL)
        assert not preferences.allows(category, Channel.PUSH)
        assert preferences.allows(category, Channel.SMS) == (has_phone and category is Category.SECURITY)


def test_changes_make_new_preferences_and_leave_the_old_ones_alone() -> None:
    before = Preferences.defaults(has_phone=True)
    after = before.with_changes(
        {(Category.TRANSACTIONS, Channel.EMAIL): False, (Category.TRANSACTIONS, Channel.PUSH): True}
    )
    assert not after.allows(Category.TRANSACTIONS, Channel.EMAIL)
    assert after.allows(Category.TRANSACTIONS, Channel.PUSH)
    assert before.allows(Category.TRANSACTIONS, Channel.EMAIL)
    assert not before.allows(Category.TRANSACTIONS, Channel.PUSH)
    assert after.allows(Category.KYC, Channel.EMAIL)


def test_security_can_never_be_switched_off_on_email() -> None:
    preferences = Preferences.defaults(has_phone=True)
    with pytest.raises(PreferenceError) as refused:
        preferences.with_changes({(Category.SECURITY, Channel.EMAIL): False})
    assert "SECURITY" in str(refused.value) and "EMAIL" in str(refused.value)
    # Other channels of security messages are the person's choice.
    quieter = preferences.with_changes({(Category.SECURITY, Channel.SMS): False})
    assert not quieter.allows(Category.SECURITY, Channel.SMS)
    assert preferences.with_changes({(Category.SECURITY, Channel.EMAIL): True}) == preferences
    with pytest.raises(PreferenceError, match="SECURITY"):
        Preferences(frozenset())
    with pytest.raises(PreferenceError, match="SECURITY"):
        Preferences.from_json({"SECURITY": {"EMAIL": False}})


def test_bad_changes_are_refused() -> None:
    preferences = Preferences.defaults(has_phone=False)
    with pytest.raises(PreferenceError, match="true or false"):
        preferences.with_changes({(Category.KYC, Channel.SMS): "yes"})  # type: ignore[dict-item]
    with pytest.raises(PreferenceError, match="unknown category"):
        Preferences.from_json({"MARKETING": {"EMAIL": True}})
    with pytest.raises(PreferenceError, match="unknown channel"):
        Preferences.from_json({"KYC": {"FAX": True}})
    with pytest.raises(PreferenceError, match="object of channels"):
        Preferences.from_json({"KYC": True})


def test_stored_preferences_missing_a_pair_keep_its_default() -> None:
    stored = Preferences.from_json({"TRANSACTIONS": {"PUSH": True}}, has_phone=True)
    assert stored == Preferences.defaults(has_phone=True).with_changes({(Category.TRANSACTIONS, Channel.PUSH): True})


_PAIRS = st.tuples(st.sampled_from(Category), st.sampled_from(Channel))


@given(st.dictionaries(_PAIRS, st.booleans()), st.booleans())
def test_preferences_survive_their_json_form(changes: dict[tuple[Category, Channel], bool], has_phone: bool) -> None:
    changes.pop((Category.SECURITY, Channel.EMAIL), None)
    preferences = Preferences.defaults(has_phone=has_phone).with_changes(changes)
    stored = preferences.as_json()
    assert all(isinstance(on, bool) for by_channel in stored.values() for on in by_channel.values())
    assert Preferences.from_json(stored) == preferences
    for (category, channel), on in changes.items():
        assert stored[category.value][channel.value] is on


# --- delivery ------------------------------------------------------------------------------------


def test_delivery_gives_up_after_five_attempts() -> None:
    assert MAX_DELIVERY_ATTEMPTS == 5


@given(
    st.integers(0, 10_000), st.integers(0, 10**6), st.integers(0, 10**9), st.integers(0, 2**32)
)  # fmt: skip
def test_backoff_stays_within_full_jitter_bounds(attempt: int, base_ms: int, cap_ms: int, seed: int) -> None:
    delay_ms = delivery_delay_ms(attempt, base_ms, cap_ms, random.Random(seed))
    assert isinstance(delay_ms, int)
    assert 0 <= delay_ms <= min(cap_ms, base_ms * 2**attempt)


def test_backoff_spreads_over_its_whole_window() -> None:
    rng = random.Random(7)
    delays_ms = [delivery_delay_ms(3, 100, 10_000, rng) for _ in range(2_000)]
    # Full jitter: anywhere from 0 to base·2³ = 800, not clustered near the top.
    assert max(delays_ms) <= 800
    assert min(delays_ms) < 80 and max(delays_ms) > 720
    capped = [delivery_delay_ms(40, 100, 5_000, rng) for _ in range(2_000)]
    assert max(capped) <= 5_000 and max(capped) > 4_500


def test_backoff_is_reproducible_with_the_same_seed() -> None:
    first = [delivery_delay_ms(n, 1_000, 300_000, random.Random(42)) for n in range(8)]
    assert first == [delivery_delay_ms(n, 1_000, 300_000, random.Random(42)) for n in range(8)]


@pytest.mark.parametrize(("attempt", "base_ms", "cap_ms"), [(-1, 100, 1_000), (0, -1, 1_000), (0, 100, -1)])
def test_backoff_refuses_bad_input(attempt: int, base_ms: int, cap_ms: int) -> None:
    with pytest.raises(AssertionError):
        delivery_delay_ms(attempt, base_ms, cap_ms, random.Random(0))


# --- recipients ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["ada@example.com", "a.b+tag@mail.example.co.uk", "x@bankflow.local", "O'Neil@ex-ample.org"]
)
def test_valid_emails(text: str) -> None:
    assert valid_email(text)


@pytest.mark.parametrize(
    "text",
    ["", "ada", "ada@", "@example.com", "ada@example", "ada@@example.com", "ada @example.com", "ada@example.com\n",
     "ada@example.com\r\nBcc: x@example.com", "ada@-example.com", f"{'a' * 65}@example.com",
     f"ada@{'a' * 63}.{'b' * 63}.{'c' * 63}.{'d' * 63}.com", "adá@example.com"],
)  # fmt: skip
def test_invalid_emails(text: str) -> None:
    assert not valid_email(text)


@pytest.mark.parametrize("text", ["+14155550123", "+4915112345678", "+12345678", "+123456789012345"])
def test_valid_phones(text: str) -> None:
    assert valid_phone_e164(text)


@pytest.mark.parametrize(
    "text",
    ["14155550123", "+1234567", "+1234567890123456", "+04155550123", "+1 415 555 0123", "+1415555012a",
     "+14155550123\n", "+\u0661\u0664\u0661\u0665\u0665\u0665\u0660\u0661\u0662\u0663", ""],
)  # fmt: skip
def test_invalid_phones(text: str) -> None:
    assert not valid_phone_e164(text)


def test_push_tokens() -> None:
    assert valid_push_token("fcm:APA91bH-x_y")
    assert valid_push_token("a" * PUSH_TOKEN_MAX_CHARS)
    for bad in ["", "a" * (PUSH_TOKEN_MAX_CHARS + 1), "token with spaces", "tok/en", "token\n", "tökén"]:
        assert not valid_push_token(bad), bad


# --- amounts -------------------------------------------------------------------------------------

NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "shown"),
    [
        ("1234.50", "USD", "en-US", "$1,234.50"),
        ("1234.50", "EUR", "en-US", "€1,234.50"),
        ("1234.50", "GBP", "en-GB", "£1,234.50"),
        ("1234.50", "USD", "en-GB", "US$1,234.50"),
        ("1234.50", "EUR", "de-DE", "1.234,50 €"),
        ("1234.50", "EUR", "fr-FR", f"1{NNBSP}234,50 €"),
        ("1234.50", "USD", None, "1,234.50 USD"),
        ("1234.50", "USD", "pt-BR", "1,234.50 USD"),
        ("1234.50", "USD", "en_us", "$1,234.50"),
        ("1234567.89", "USD", "en-US", "$1,234,567.89"),
        ("0.05", "GBP", "en-GB", "£0.05"),
        ("12", "EUR", "de-DE", "12,00 €"),
        ("-1234.50", "USD", "en-US", "-$1,234.50"),
        ("-1234.50", "EUR", "de-DE", "-1.234,50 €"),
        ("-0.01", "GBP", None, "-0.01 GBP"),
        ("1235", "JPY", "en-US", "¥1,235"),
        ("1235", "JPY", "de-DE", "1.235 ¥"),
        ("-500000", "JPY", None, "-500,000 JPY"),
        ("1234.50", "CHF", "en-US", "CHF 1,234.50"),
        ("1.234", "KWD", "de-DE", "1,234 KWD"),
    ],
)
def test_amounts_as_each_locale_reads_them(amount: str, currency: str, locale: str | None, shown: str) -> None:
    assert display_amount(amount, currency, locale) == shown


@pytest.mark.parametrize(
    ("amount", "currency", "complaint"),
    [("12.345", "USD", "more than 2 decimals"), ("1.5", "JPY", "more than 0 decimals"), ("abc", "USD", "not a decimal"),
     ("1e3", "USD", "plain decimal"), ("NaN", "USD", "plain decimal"), ("", "USD", "not a decimal"),
     ("12.00", "XYZ", "unknown currency")],
)  # fmt: skip
def test_amounts_that_cannot_be_shown(amount: str, currency: str, complaint: str) -> None:
    with pytest.raises(MoneyError, match=complaint):
        display_amount(amount, currency, "en-US")


@given(st.integers(-(10**15), 10**15), st.sampled_from(["USD", "EUR", "GBP", "JPY", "KWD"]))
def test_the_neutral_form_is_the_api_amount_grouped(amount_minor: int, currency: str) -> None:
    api_amount = format_amount(amount_minor, currency)
    shown = display_amount(api_amount, currency, None)
    assert shown.endswith(f" {currency}")
    assert shown.removesuffix(f" {currency}").replace(",", "") == api_amount
    german = display_amount(api_amount, currency, "de-DE")
    digits = "".join(ch for ch in german if ch.isdigit())
    assert digits == "".join(ch for ch in api_amount if ch.isdigit())
    if minor_units(currency):
        assert german.split(" ")[0].rsplit(",", 1)[1] == api_amount.rsplit(".", 1)[1]
