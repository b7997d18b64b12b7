"""The templates against realistic event data: every route renders on each of its channels,
only HTML escapes, a missing field is an error, limits hold, and codes stay in code messages."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from jinja2 import UndefinedError

from actors.notifications.rendering import ELLIPSIS, Rendered, Renderer, RenderError
from models.notifications import (
    EMAIL_SUBJECT_MAX_CHARS,
    PUSH_BODY_MAX_CHARS,
    PUSH_TITLE_MAX_CHARS,
    ROUTES,
    SMS_BODY_MAX_CHARS,
    Category,
    Channel,
)

USER = "4b0f8a52-3c1e-4d7a-9f2b-6e5d4c3b2a10"
CUSTOMER = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
ACCOUNT = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
PAYEE = "7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3928"
TRANSACTION = "5f4e3d2c-1b0a-4988-8776-655443322110"
CODE = "482913"
RESET_TOKEN = "Qm9vdHN0cmFwLXJlc2V0LXRva2VuLW5vdC1hLXJlYWwtb25l"

_TRANSACTION = {
    "transaction_id": TRANSACTION,
    "kind": "TRANSFER",
    "status": "COMPLETED",
    "reason": None,
    "from_account_id": ACCOUNT,
    "to_account_id": PAYEE,
    "amount": "1234.50",
    "currency": "USD",
    "description": "Rent March",
}
_FRAUD_CASE = {
    "case_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    "transaction_id": TRANSACTION,
    "account_id": ACCOUNT,
    "amount": "950.00",
    "currency": "EUR",
    "verdict": "review",
    "score": 72,
    "reasons": ["new_payee", "amount_spike"],
}
# One `data` per routed event, shaped as the service that publishes it writes it.
SAMPLES: dict[str, dict[str, Any]] = {
    "user.registered": {"user_id": USER, "email": "ada@example.com"},
    "user.verification_requested": {"user_id": USER, "email": "ada@example.com", "phone": "+14155550123", "code": CODE},
    "user.password_reset_requested": {"user_id": USER, "email": "ada@example.com", "reset_token": RESET_TOKEN},
    "account.created": {
        "account_id": ACCOUNT, "number": "00100000004217", "customer_id": CUSTOMER, "account_type": "CHECKING",
        "currency": "USD",
    },
    "account.frozen": {"account_id": ACCOUNT, "command_id": "e1d2c3b4-a5f6-4e7d-8c9b-0a1f2e3d4c5b"},
    "account.closed": {"account_id": ACCOUNT, "command_id": "f1e2d3c4-b5a6-4f7e-9d8c-1b0a2f3e4d5c"},
    "transaction.completed": _TRANSACTION,
    "transaction.failed": {
        **_TRANSACTION, "status": "FAILED", "reason": "insufficient_funds", "kind": "EXTERNAL_OUT", "description": None,
    },
    "transaction.reversed": {**_TRANSACTION, "status": "REVERSED", "kind": "PAYMENT"},
    "kyc.approved": {"customer_id": CUSTOMER, "user_id": USER, "reason": None},
    "kyc.rejected": {"customer_id": CUSTOMER, "user_id": USER, "reason": "The photo of the document is unreadable."},
    "fraud.detected": _FRAUD_CASE,
    "fraud.high_risk": {**_FRAUD_CASE, "verdict": "block", "score": 95},
}  # fmt: skip
CODE_TEMPLATES = {"verification_code": CODE, "password_reset": RESET_TOKEN}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def _context(event_type: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    # The context the intake builds (actors/notifications/intake.py).
    return {"event_type": event_type, "data": copy.deepcopy(SAMPLES[event_type] if data is None else data),
            "email": "ada@example.com"}  # fmt: skip


def _render(
    renderer: Renderer, event_type: str, channel: Channel, locale: str | None = "en-US", **changes: Any
) -> Rendered:
    route = ROUTES[event_type]
    return renderer.render(route.template, channel, _context(event_type, {**SAMPLES[event_type], **changes}), locale)


def _all_text(rendered: Rendered) -> str:
    return "\n".join(part for part in (rendered.subject, rendered.body, rendered.html) if part is not None)


def test_there_is_a_sample_for_every_route() -> None:
    assert set(SAMPLES) == set(ROUTES)


@pytest.mark.parametrize("event_type", sorted(ROUTES))
@pytest.mark.parametrize("locale", ["en-US", "en-GB", "de-DE", "fr-FR", None])
def test_every_route_renders_on_each_of_its_channels(renderer: Renderer, event_type: str, locale: str | None) -> None:
    route = ROUTES[event_type]
    channels = renderer.channels_of(route.template)
    assert {Channel.EMAIL, Channel.SMS} <= set(channels)
    if route.category in (Category.TRANSACTIONS, Category.SECURITY):
        assert Channel.PUSH in channels
    for channel in channels:
        rendered = renderer.render(route.template, channel, _context(event_type), locale)
        assert rendered.body.strip() and "None" not in rendered.body
        if channel is Channel.EMAIL:
            assert rendered.subject and "\n" not in rendered.subject
            assert len(rendered.subject) <= EMAIL_SUBJECT_MAX_CHARS
            assert rendered.html is not None and rendered.html.startswith("<!DOCTYPE html>")
            assert "BankFlow" in rendered.body and "{{" not in rendered.html
        elif channel is Channel.SMS:
            assert rendered.subject is None and rendered.html is None
            assert len(rendered.body) <= SMS_BODY_MAX_CHARS
        else:
            assert rendered.subject and len(rendered.subject) <= PUSH_TITLE_MAX_CHARS and rendered.html is None
            assert len(rendered.body) <= PUSH_BODY_MAX_CHARS


@pytest.mark.parametrize(
    ("locale", "shown"), [("en-US", "$1,234.50"), ("en-GB", "US$1,234.50"), (None, "1,234.50 USD")]
)
def test_amounts_read_as_the_recipient_reads_them(renderer: Renderer, locale: str | None, shown: str) -> None:
    for channel in Channel:
        assert shown in _all_text(_render(renderer, "transaction.completed", channel, locale))
    german = _render(renderer, "transaction.completed", Channel.EMAIL, "de-DE", currency="EUR")
    assert "1.234,50 €" in german.body and german.subject is not None and "1.234,50 €" in german.subject
    yen = _render(renderer, "transaction.completed", Channel.SMS, "en-US", amount="150000", currency="JPY")
    assert "¥150,000" in yen.body


def test_push_puts_the_title_on_its_first_line(renderer: Renderer) -> None:
    push = _render(renderer, "transaction.completed", Channel.PUSH)
    assert push.subject == "Transfer completed"
    assert push.body == "$1,234.50 (Rent March)"


def test_only_html_escapes(renderer: Renderer) -> None:
    attack = '<script>alert("x")</script> & <b>'
    email = _render(renderer, "transaction.completed", Channel.EMAIL, description=attack)
    assert email.html is not None
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;" in email.html
    assert "<script>" not in email.html
    assert attack in email.body  # a text part shows the characters as they are, not "&lt;"
    assert attack in _render(renderer, "transaction.completed", Channel.SMS, description=attack).body
    assert attack in _render(renderer, "transaction.completed", Channel.PUSH, description=attack).body
    rejected = _render(renderer, "kyc.rejected", Channel.EMAIL, reason=attack)
    assert rejected.html is not None and "<script>" not in rejected.html and attack in rejected.body


@pytest.mark.parametrize(
    ("event_type", "field"),
    [("transaction.completed", "amount"), ("transaction.completed", "currency"), ("transaction.failed", "kind"),
     ("user.verification_requested", "code"), ("user.password_reset_requested", "reset_token"),
     ("account.created", "number"), ("fraud.detected", "verdict"), ("fraud.high_risk", "score")],
)  # fmt: skip
def test_a_missing_field_is_an_error_not_a_blank(renderer: Renderer, event_type: str, field: str) -> None:
    route = ROUTES[event_type]
    data = {key: value for key, value in SAMPLES[event_type].items() if key != field}
    for channel in (Channel.EMAIL, Channel.SMS):
        with pytest.raises(UndefinedError):
            renderer.render(route.template, channel, _context(event_type, data), "en-US")


def test_optional_fields_may_be_missing(renderer: Renderer) -> None:
    data = {key: value for key, value in SAMPLES["transaction.failed"].items() if key not in ("description", "reason")}
    failed = renderer.render("transaction_failed", Channel.EMAIL, _context("transaction.failed", data), "en-US")
    assert "did not go through." in failed.body and "Description" not in failed.body
    with_reason = _render(renderer, "transaction.failed", Channel.EMAIL)
    assert "did not go through: insufficient funds." in with_reason.body


def test_sms_and_push_are_cut_at_their_limits(renderer: Renderer) -> None:
    long = "Invoice " + "x" * 5_000
    sms = _render(renderer, "transaction.completed", Channel.SMS, description=long)
    assert len(sms.body) == SMS_BODY_MAX_CHARS and sms.body.endswith(ELLIPSIS)
    assert sms.body.startswith("BankFlow: transfer of $1,234.50 completed (Invoice x")
    push = _render(renderer, "transaction.completed", Channel.PUSH, description=long)
    assert len(push.body) == PUSH_BODY_MAX_CHARS and push.body.endswith(ELLIPSIS)
    short = _render(renderer, "transaction.completed", Channel.SMS)
    assert not short.body.endswith(ELLIPSIS)


def test_an_over_long_email_is_refused_not_cut(renderer: Renderer) -> None:
    with pytest.raises(RenderError, match="email body"):
        _render(renderer, "transaction.completed", Channel.EMAIL, description="x" * 100_001)
    with pytest.raises(RenderError, match="subject"):
        _render(renderer, "fraud.high_risk", Channel.EMAIL, account_id="x" * 300)


def test_a_subject_stays_one_header_line(renderer: Renderer) -> None:
    email = _render(renderer, "fraud.high_risk", Channel.EMAIL, account_id="acct\r\nBcc: mallory@example.com")
    assert email.subject is not None and "\n" not in email.subject and "\r" not in email.subject


def test_codes_appear_only_in_code_messages(renderer: Renderer) -> None:
    for event_type, route in ROUTES.items():
        # Even an event that carried a code by mistake must not show it in a message not meant for one.
        data = {"code": CODE, "reset_token": RESET_TOKEN, **SAMPLES[event_type]}
        for channel in renderer.channels_of(route.template):
            text = _all_text(renderer.render(route.template, channel, _context(event_type, data), "en-US"))
            for template, secret in CODE_TEMPLATES.items():
                assert (secret in text) == (route.template == template), (event_type, channel, template)
    for event_type in ("user.verification_requested", "user.password_reset_requested"):
        email = _render(renderer, event_type, Channel.EMAIL)
        secret = CODE_TEMPLATES[ROUTES[event_type].template]
        assert email.html is not None and secret in email.body and secret in email.html


def test_only_code_messages_talk_of_codes(renderer: Renderer) -> None:
    # An inbox searched for "code" or "reset" finds the message that carries one, not a welcome.
    for event_type, route in ROUTES.items():
        text = _all_text(_render(renderer, event_type, Channel.EMAIL)).lower()
        assert ("code" in text) == (route.template in CODE_TEMPLATES), event_type
        assert ("reset" in text) == (route.template == "password_reset"), event_type


def test_the_reset_message_says_what_to_do_and_who_never_asks(renderer: Renderer) -> None:
    for channel in Channel:
        text = _all_text(_render(renderer, "user.password_reset_requested", channel)).lower()
        assert "never asks for this code by phone" in text
    body = _render(renderer, "user.password_reset_requested", Channel.EMAIL).body.lower()
    assert "new password" in body and "forgot password" in body and "did not ask" in body


def test_the_welcome_says_welcome(renderer: Renderer) -> None:
    welcome = _render(renderer, "user.registered", Channel.EMAIL)
    assert welcome.subject == "Welcome to BankFlow" and "ada@example.com" in welcome.body


@pytest.mark.parametrize(
    ("verdict", "words"), [("block", "We blocked"), ("review", "We are holding"), ("allow", "unusual")]
)
def test_fraud_alerts_say_what_happened(renderer: Renderer, verdict: str, words: str) -> None:
    email = _render(renderer, "fraud.detected", Channel.EMAIL, verdict=verdict)
    assert words in email.body and "€950.00" in email.body


def test_a_float_amount_is_refused(renderer: Renderer) -> None:
    with pytest.raises(RenderError, match="decimal string"):
        _render(renderer, "transaction.completed", Channel.SMS, amount=1234.5)


def test_unknown_templates_and_channels_are_errors(renderer: Renderer) -> None:
    with pytest.raises(RenderError, match="no EMAIL version"):
        renderer.render("no_such_template", Channel.EMAIL, {"data": {}}, None)
    with pytest.raises(RenderError, match="no SMS version"):
        renderer.render("_layout", Channel.SMS, {"data": {}}, None)


def test_the_template_list(renderer: Renderer) -> None:
    listed = renderer.templates()
    assert [info.name for info in listed] == sorted({route.template for route in ROUTES.values()})
    assert sorted(event for info in listed for event in info.event_types) == sorted(ROUTES)
    for info in listed:
        for event_type in info.event_types:
            assert ROUTES[event_type].template == info.name and ROUTES[event_type].category is info.category
        assert {Channel.EMAIL, Channel.SMS} <= set(info.channels)
