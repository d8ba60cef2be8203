"""The outbox: queued with the state change, delivered by SMTP or to .eml files, retried with backoff."""

from __future__ import annotations

import datetime as dt
import email
import socket
import time
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from troth import ConfigurationError
from troth.mail import OutboxMessage, OutboxSender, deliver_due, enqueue, enqueue_message
from troth.mail._sender import MAX_ATTEMPTS, backoff
from troth.settings import Settings
from troth.store import utcnow


def _queue(sessions: sessionmaker[Session], settings: Settings, count: int = 1) -> list[int]:
    with sessions.begin() as session:
        rows = [
            enqueue_message(
                session,
                settings=settings,
                to=f"person{n}@example.com",
                subject=f"Your request {n}",
                text=f"Hello {n}\n.a line starting with a dot\n",
                html=f"<p>Hello {n}</p>",
                kind="test",
            )
            for n in range(count)
        ]
        return rows


def _rows(sessions: sessionmaker[Session]) -> list[OutboxMessage]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_an_email_exists_only_if_its_transaction_commits(sessions, mail_settings, tmp_path, smtp_server):
    settings = mail_settings("", tmp_path, smtp_port=smtp_server.port)
    with pytest.raises(RuntimeError), sessions.begin() as session:
        enqueue_message(session, settings=settings, to="a@example.com", subject="s", text="t")
        raise RuntimeError("the state change failed")
    assert _rows(sessions) == []
    assert deliver_due(sessions, settings).sent == 0
    assert smtp_server.messages == []


def test_smtp_delivery_sends_text_and_html_with_the_recorded_message_id(
    sessions, mail_settings, tmp_path, smtp_server
):
    settings = mail_settings("", tmp_path, smtp_port=smtp_server.port)
    _queue(sessions, settings, 3)
    report = deliver_due(sessions, settings)
    assert (report.sent, report.retried, report.failed) == (3, 0, 0)
    rows = _rows(sessions)
    assert {row.status for row in rows} == {"sent"}
    received = {m["Message-ID"]: m for m in smtp_server.messages}
    assert set(received) == {row.message_id for row in rows}
    first = received[rows[0].message_id]
    assert first["To"] == "person0@example.com"
    assert first.get_content_type() == "multipart/alternative"
    text = first.get_payload()[0].get_payload(decode=True).decode()
    assert ".a line starting with a dot" in text  # dot-stuffing undone by the server
    assert deliver_due(sessions, settings).sent == 0  # nothing is sent twice
    assert len(smtp_server.messages) == 3


def test_templates_render_subject_text_and_html(sessions, mail_settings, tmp_path, smtp_server):
    settings = mail_settings("", tmp_path, smtp_port=smtp_server.port)
    context = {
        "name": "Ana <admin>",
        "organization": "Demo Shop",
        "link": "https://x.example/l/1",
        "minutes": 15,
    }
    with sessions.begin() as session:
        queued = enqueue(
            session, settings=settings, to="ana@example.com", template="mail/login_link", context=context
        )
        row = session.get(OutboxMessage, queued)
        assert row is not None
        assert row.subject == "Your troth login link"
        assert "Hello Ana <admin>," in row.text_body  # plain text is not escaped
        assert "Ana &lt;admin&gt;" in row.html_body  # html is
        with pytest.raises(ConfigurationError, match="no mail template"):
            enqueue(session, settings=settings, to="ana@example.com", template="mail/nope", context={})
        with pytest.raises(ConfigurationError, match="not an email address"):
            enqueue_message(session, settings=settings, to="bcc: x\r\n", subject="s", text="t")


def test_without_smtp_emails_become_eml_files_written_once(sessions, mail_settings, tmp_path):
    settings = mail_settings("", tmp_path)
    _queue(sessions, settings)
    assert deliver_due(sessions, settings).sent == 1
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["Subject"] == "Your request 0"
    # a sender that died after writing leaves the row `sending`; the retry rewrites the same file
    with sessions.begin() as session:
        session.execute(
            update(OutboxMessage).values(status="sending", lease_until=utcnow() - dt.timedelta(1))
        )
    assert deliver_due(sessions, settings).sent == 1
    assert list((tmp_path / "outbox").glob("*.eml")) == files


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_server_is_retried_with_growing_delays(sessions, mail_settings, tmp_path):
    settings = mail_settings("", tmp_path, smtp_port=_closed_port())
    _queue(sessions, settings)
    before = utcnow()
    assert deliver_due(sessions, settings, base_delay=30).retried == 1
    (row,) = _rows(sessions)
    assert (row.status, row.attempts) == ("queued", 1)
    assert "cannot reach SMTP" in row.last_error
    assert before + dt.timedelta(seconds=29) < row.next_attempt_at < utcnow() + dt.timedelta(seconds=31)
    assert deliver_due(sessions, settings).retried == 0  # not due yet
    assert [backoff(n, base=30).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(30).total_seconds() == 3600
    # the last attempt gives up and says why
    with sessions.begin() as session:
        session.execute(update(OutboxMessage).values(attempts=MAX_ATTEMPTS - 1, next_attempt_at=utcnow()))
    assert deliver_due(sessions, settings).failed == 1
    assert _rows(sessions)[0].status == "failed"


class Refuse:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 no such mailbox"


def test_a_permanent_refusal_fails_at_once(sessions, mail_settings, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Refuse(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = mail_settings("", tmp_path, smtp_port=port)
        _queue(sessions, settings, 2)
        assert deliver_due(sessions, settings).failed == 2
    finally:
        controller.stop()
    assert {(row.status, row.attempts) for row in _rows(sessions)} == {("failed", 1)}
    assert "550" in _rows(sessions)[0].last_error


def test_the_background_sender_delivers_soon_after_commit(
    sessions, mail_settings, tmp_path: Path, smtp_server
):
    settings = mail_settings("", tmp_path, smtp_port=smtp_server.port)
    sender = OutboxSender(sessions, settings, interval=0.05)
    sender.start()
    try:
        _queue(sessions, settings, 2)
        sender.wake()
        deadline = time.monotonic() + 5
        while len(smtp_server.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        sender.stop()
    assert len(smtp_server.messages) == 2


def test_concurrent_senders_deliver_each_email_once(sessions, mail_settings, tmp_path, smtp_server):
    import threading

    settings = mail_settings("", tmp_path, smtp_port=smtp_server.port)
    _queue(sessions, settings, 20)
    errors: list[BaseException] = []

    def send() -> None:
        try:
            while deliver_due(sessions, settings, limit=3).sent:
                pass
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    received = [message["Message-ID"] for message in smtp_server.messages]
    assert len(received) == 20 and len(set(received)) == 20
    assert {row.status for row in _rows(sessions)} == {"sent"}
