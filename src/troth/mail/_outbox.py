"""Write emails to the outbox, rendered from Jinja2 text + HTML templates."""

from __future__ import annotations

import json
import uuid
from email.utils import parseaddr
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    select_autoescape,
)
from sqlalchemy import Table, insert

from troth._errors import ConfigurationError
from troth.mail._models import OutboxMessage
from troth.store._types import utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from troth.settings import Settings

__all__ = ["enqueue", "enqueue_message", "mail_environment", "new_message_id"]

_TROTH = Path(__file__).resolve().parents[1]
_FEATURES = ("mail", "consent", "dsr", "registers", "retention", "web")


@cache
def mail_environment() -> Environment:
    """Templates `<name>.txt.j2` (plain) and `<name>.html.j2` (escaped) in any feature's templates/."""
    folders = [str(_TROTH / name / "templates") for name in _FEATURES]
    return Environment(
        loader=ChoiceLoader([FileSystemLoader(folder) for folder in folders]),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        # templates ship with troth: compiled once per process, never re-checked on disk
        auto_reload=False,
    )


@lru_cache(maxsize=512)
def _template(name: str) -> Template | None:
    """A compiled template, or None when there is none (a miss is remembered too)."""
    try:
        return mail_environment().get_template(name)
    except TemplateNotFound:
        return None


def new_message_id(sender: str) -> str:
    return f"<{uuid.uuid4().hex}@{_domain(sender)}>"


@lru_cache(maxsize=256)
def _domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "troth.invalid"


@lru_cache(maxsize=1024)
def _check_address(address: str) -> str:
    _name, email = parseaddr(address)
    if "@" not in email or any(c in address for c in "\r\n"):
        raise ConfigurationError(f"`{address}` is not an email address")
    return address.strip()


_OUTBOX = cast(Table, OutboxMessage.__table__)
_QUEUE = insert(_OUTBOX).returning(_OUTBOX.c.id)


def enqueue_message(
    session: Session,
    *,
    settings: Settings,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    kind: str = "",
    headers: dict[str, str] | None = None,
) -> int:
    """Queue one email in the caller's transaction; the sender delivers it after commit. Returns its id.

    One INSERT on the session's connection: an outbox row is written once and never
    read back in the transaction that queues it, so no ORM object is made for it.
    """
    sender = _check_address(settings.mail_from or "troth@localhost")
    if any(c in subject for c in "\r\n"):
        raise ConfigurationError("an email subject cannot contain line breaks")
    now = utcnow()
    row = {
        "message_id": new_message_id(sender),
        "kind": kind,
        "to_addr": _check_address(to),
        "from_addr": sender,
        "subject": subject,
        "text_body": text,
        "html_body": html,
        "headers": json.dumps(headers or {}, sort_keys=True),
        "created_at": now,
        "status": "queued",
        "attempts": 0,
        "next_attempt_at": now,
        "delivered_to": "",
        "last_error": "",
    }
    message_id: int = session.connection().execute(_QUEUE, row).scalar_one()
    return message_id


def enqueue(
    session: Session,
    *,
    settings: Settings,
    to: str,
    template: str,
    context: dict[str, Any],
    kind: str = "",
    headers: dict[str, str] | None = None,
) -> int:
    """Queue an email rendered from `template.txt.j2` and, when present, `template.html.j2`.

    The text template has two blocks, `subject` and `body`.
    """
    text_template = _template(f"{template}.txt.j2")
    if text_template is None:
        raise ConfigurationError(f"no mail template {template}.txt.j2")
    values = {"settings": settings, **context}
    if not {"subject", "body"} <= text_template.blocks.keys():
        raise ConfigurationError(f"mail template {template}.txt.j2 needs a `subject` and a `body` block")
    subject = "".join(text_template.blocks["subject"](text_template.new_context(values))).strip()
    text = "".join(text_template.blocks["body"](text_template.new_context(values))).strip() + "\n"
    html_template = _template(f"{template}.html.j2")
    html = html_template.render(values) if html_template is not None else ""
    return enqueue_message(
        session,
        settings=settings,
        to=to,
        subject=subject,
        text=text,
        html=html,
        kind=kind or template,
        headers=headers,
    )
