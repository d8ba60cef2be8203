"""How an email leaves troth: SMTP, or `.eml` files on the embedded default."""

from __future__ import annotations

import contextlib
import email.policy
import hashlib
import json
import os
import re
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from troth.mail._models import OutboxMessage

if TYPE_CHECKING:
    from troth.settings import Settings

__all__ = ["DeliveryError", "FileTransport", "SmtpTransport", "Transport", "build_email", "transport_for"]


class DeliveryError(Exception):
    """A delivery attempt failed; `permanent` when retrying cannot help (a 5xx answer)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def build_email(row: OutboxMessage) -> EmailMessage:
    message = EmailMessage()
    message["Message-ID"] = row.message_id
    message["Date"] = format_datetime(row.created_at)
    message["From"] = row.from_addr
    message["To"] = row.to_addr
    message["Subject"] = row.subject
    for name, value in json.loads(row.headers or "{}").items():
        message[name] = value
    message.set_content(row.text_body)
    if row.html_body:
        message.add_alternative(row.html_body, subtype="html")
    return message


#: called once the whole message is with the server, just before asking it to accept
CommitPoint = Callable[[], None]


class Transport(Protocol):
    def __enter__(self) -> Transport: ...
    def __exit__(self, *exc: object) -> None: ...
    def send(self, row: OutboxMessage, commit_point: CommitPoint) -> str:
        """Deliver `row`; returns where it went. Raises DeliveryError."""
        ...


_DOT_AT_LINE_START = re.compile(rb"(?m)^\.")


class FileTransport:
    """Writes each email as `<id>-<hash>.eml`; the name is fixed, so a retry overwrites, never doubles."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __enter__(self) -> FileTransport:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def path_for(self, row: OutboxMessage) -> Path:
        tag = hashlib.sha256(row.message_id.encode()).hexdigest()[:12]
        return self.folder / f"{row.id:06d}-{tag}.eml"

    def send(self, row: OutboxMessage, commit_point: CommitPoint) -> str:
        target = self.path_for(row)
        partial = target.with_suffix(".eml.partial")
        try:
            partial.write_bytes(bytes(build_email(row)))
            os.replace(partial, target)
        except OSError as exc:
            raise DeliveryError(f"cannot write {target}: {exc}", permanent=False) from None
        return str(target)


class SmtpTransport:
    """One SMTP connection for a batch; STARTTLS when offered, login when a user is set."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        s = self.settings
        try:
            if s.smtp_port == 465:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
                smtp.ehlo()
                if s.smtp_starttls and smtp.has_extn("starttls"):
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"SMTP login refused: {exc.smtp_code}", permanent=False) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(
                f"cannot reach SMTP {s.smtp_host}:{s.smtp_port}: {exc}", permanent=False
            ) from None
        self._smtp = smtp
        return smtp

    def send(self, row: OutboxMessage, commit_point: CommitPoint) -> str:
        """MAIL, RCPT, DATA and the whole message; then `commit_point()`; then the final dot.

        A server discards a message whose final dot never came, so a crash before
        the commit point loses nothing and the row is simply sent again; after it,
        the row is known to be with the server and is never sent twice.
        """
        smtp = self._connect()
        try:
            smtp.ehlo_or_helo_if_needed()
            code, reply = smtp.mail(row.from_addr)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, row.from_addr)
            code, reply = smtp.rcpt(row.to_addr)
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({row.to_addr: (code, reply)})
            code, reply = smtp.docmd("data")
            if code != 354:
                raise smtplib.SMTPDataError(code, reply)
            body = _DOT_AT_LINE_START.sub(b"..", build_email(row).as_bytes(policy=email.policy.SMTP))
            if not body.endswith(b"\r\n"):
                body += b"\r\n"
            smtp.send(body)
            commit_point()
            smtp.send(b".\r\n")
            code, reply = smtp.getreply()
            if code != 250:
                raise smtplib.SMTPDataError(code, reply)
        except smtplib.SMTPRecipientsRefused as exc:
            self._reset()
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(
                f"recipient refused: {codes}", permanent=all(c >= 500 for c in codes)
            ) from None
        except smtplib.SMTPResponseException as exc:
            self._reset()
            raise DeliveryError(
                f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=exc.smtp_code >= 500
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise DeliveryError(f"SMTP failed: {exc}", permanent=False) from None
        except BaseException:
            # Dropping the connection mid-DATA makes the server discard the message.
            self._drop()
            raise
        return f"smtp://{self.settings.smtp_host}:{self.settings.smtp_port}"

    def _reset(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(Exception):
                self._smtp.close()
        self._smtp = None


def transport_for(settings: Settings) -> SmtpTransport | FileTransport:
    if settings.delivers_by_smtp:
        return SmtpTransport(settings)
    return FileTransport(settings.outbox_dir)
