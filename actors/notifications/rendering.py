"""Messages from events: one Jinja2 template per (template, channel, part) under templates/,
named `<template>.email.subject.j2`, `.email.txt.j2`, `.email.html.j2`, `.sms.j2`, `.push.j2`
(a push template's first line is the title, the rest the body). Files starting with `_` are
layouts the others extend.

Only the HTML part of an email autoescapes, so a description such as "<script>" arrives
there as text. The subject, the text part, SMS and push are plain text, shown as plain text
by mail clients, phones and apps: escaping them would show "&lt;" to the customer.

A missing field is an error (StrictUndefined), never a blank in a message about money.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import asyncpg
from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateError, pass_context, select_autoescape
from jinja2.runtime import Context

from models.money import MoneyError
from models.notifications import (
    EMAIL_BODY_MAX_CHARS,
    EMAIL_SUBJECT_MAX_CHARS,
    PUSH_BODY_MAX_CHARS,
    PUSH_TITLE_MAX_CHARS,
    ROUTES,
    SMS_BODY_MAX_CHARS,
    Category,
    Channel,
    display_amount,
)

ELLIPSIS: Final = "…"
TEMPLATE_EXTENSION: Final = "j2"
# The files that make a template available on a channel.
CHANNEL_PARTS: Final[Mapping[Channel, tuple[str, ...]]] = {
    Channel.EMAIL: ("email.subject", "email.txt", "email.html"),
    Channel.SMS: ("sms",),
    Channel.PUSH: ("push",),
}
# Every event's message must at least reach the inbox and the phone.
REQUIRED_CHANNELS: Final = (Channel.EMAIL, Channel.SMS)
_KIND_NAMES: Final[Mapping[str, str]] = {
    "TRANSFER": "transfer",
    "DEPOSIT": "deposit",
    "WITHDRAWAL": "withdrawal",
    "PAYMENT": "payment",
    "EXTERNAL_OUT": "outgoing bank transfer",
    "EXTERNAL_IN": "incoming bank transfer",
    "REVERSAL": "reversal",
}
_BLANK_LINES: Final = re.compile(r"\n{3,}")


class RenderError(ValueError):
    """A message cannot be made: no such template or channel, a bad amount, or an email over its limits."""


@dataclass(frozen=True)
class Rendered:
    subject: str | None  # the email subject or the push title; None for SMS
    body: str
    html: str | None  # email only


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    channels: tuple[Channel, ...]
    category: Category
    event_types: tuple[str, ...]


@pass_context
def _money(context: Context, amount: object, currency: object) -> str:
    """`{{ data.amount | money(data.currency) }}` in the recipient's locale."""
    if isinstance(amount, float | bool):  # a float has already lost cents; refuse to show a guess
        raise RenderError(f"amount {amount!r} must be a decimal string")
    locale = context.get("locale")
    return display_amount(str(amount), str(currency), locale if isinstance(locale, str) else None)


def _kind(kind: object) -> str:
    """A transaction kind as people say it ("EXTERNAL_OUT" → "outgoing bank transfer")."""
    return _KIND_NAMES.get(str(kind), "transaction")


def _humanize(code: object) -> str:
    """A machine reason as words ("insufficient_funds" → "insufficient funds")."""
    return str(code).replace("_", " ").strip()


def _tidy(text: str) -> str:
    lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return _BLANK_LINES.sub("\n\n", lines)


def _one_line(text: str) -> str:
    # A subject is a header: a newline from the data must never start another header.
    return " ".join(text.split())


def _truncate(text: str, limit_chars: int) -> str:
    if len(text) <= limit_chars:
        return text
    return text[: limit_chars - len(ELLIPSIS)].rstrip() + ELLIPSIS


class Renderer:
    def __init__(self) -> None:
        self._environment = Environment(
            loader=PackageLoader("actors.notifications", "templates"),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True, default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            # The templates ship with the code: a new version comes with a restart, so a render
            # need not look at the files again (a stat per part, a quarter of its time).
            auto_reload=False,
        )
        self._environment.filters.update(money=_money, kind=_kind, humanize=_humanize)
        files = set(self._environment.list_templates(extensions=[TEMPLATE_EXTENSION]))
        names = {route.template for route in ROUTES.values()}
        self._channels: dict[str, tuple[Channel, ...]] = {
            name: tuple(
                channel
                for channel, parts in CHANNEL_PARTS.items()
                if all(f"{name}.{part}.{TEMPLATE_EXTENSION}" in files for part in parts)
            )
            for name in names
        }
        # Fail at start-up, not on the first event of a kind that happens once a month.
        missing = sorted(
            f"{name}/{channel.value}"
            for name, channels in self._channels.items()
            for channel in REQUIRED_CHANNELS
            if channel not in channels
        )
        if missing:
            raise RenderError(f"templates missing: {', '.join(missing)}")

    def channels_of(self, template: str) -> tuple[Channel, ...]:
        return self._channels.get(template, ())

    def render(self, template: str, channel: Channel, context: Mapping[str, Any], locale: str | None) -> Rendered:
        """The message `template` makes on `channel` for a recipient reading `locale` (None: neutral)."""
        if channel not in self.channels_of(template):
            raise RenderError(f"no {channel.value} version of template {template!r}")
        values = {**context, "locale": locale}
        if channel is Channel.SMS:
            return Rendered(None, _truncate(self._part(template, "sms", values), SMS_BODY_MAX_CHARS), None)
        if channel is Channel.PUSH:
            title, _, body = self._part(template, "push", values).partition("\n")
            return Rendered(
                _truncate(title.strip(), PUSH_TITLE_MAX_CHARS), _truncate(body.strip(), PUSH_BODY_MAX_CHARS), None
            )
        subject = _one_line(self._part(template, "email.subject", values))
        body = self._part(template, "email.txt", values)
        html = self._part(template, "email.html", values)
        # An email cut short could lose the very line that matters; better it fail loudly.
        if not subject or len(subject) > EMAIL_SUBJECT_MAX_CHARS:
            raise RenderError(f"{template}: subject must be 1 to {EMAIL_SUBJECT_MAX_CHARS} characters")
        if len(body) > EMAIL_BODY_MAX_CHARS or len(html) > EMAIL_BODY_MAX_CHARS:
            raise RenderError(f"{template}: email body over {EMAIL_BODY_MAX_CHARS:,} characters")
        return Rendered(subject, body, html)

    def message_of(self, notification: asyncpg.Record | Mapping[str, Any]) -> Rendered:
        """A recorded notification's text: as stored once it has gone out (or when an admin wrote
        it), else rendered from its recorded context. RenderError when it cannot be made."""
        if notification["body"] is not None:
            return Rendered(notification["subject"], notification["body"], notification["html"])
        template = notification["template"]
        context = json.loads(notification["context"])
        try:
            return self.render(template, Channel(notification["channel"]), context, notification["locale"])
        except (TemplateError, MoneyError) as error:
            raise RenderError(f"cannot render {template}: {type(error).__name__}: {error}") from None

    def _part(self, template: str, part: str, values: Mapping[str, Any]) -> str:
        text = _tidy(self._environment.get_template(f"{template}.{part}.{TEMPLATE_EXTENSION}").render(values))
        if not text:
            raise RenderError(f"{template}.{part} rendered nothing")
        return text

    def templates(self) -> list[TemplateInfo]:
        """Each template, the channels it has, and the events that use it (for GET /templates)."""
        events: dict[str, list[str]] = {}
        for event_type, route in ROUTES.items():
            events.setdefault(route.template, []).append(event_type)
        return [
            TemplateInfo(name, self._channels[name], ROUTES[uses[0]].category, tuple(sorted(uses)))
            for name, uses in sorted(events.items())
        ]
