"""A sender killed mid-delivery: after a restart nothing is lost and nothing is sent twice."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from troth.mail import OutboxMessage, deliver_due, enqueue_message

# Runs one sender that SIGKILLs itself at the chosen point while delivering row 3.
SENDER = """
import datetime, os, signal, sys
from troth.settings import Settings
from troth.store import open_store
from troth.mail import _sender

url, port, state, point = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
settings = Settings(database_url=url, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False,
                    secret_key="k" * 48, state_dir=state, mail_from="privacy@demo-shop.example.com")
sessions = open_store(settings, migrate=False)

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if point == "after_accept":          # the server said 250, the row is not yet marked sent
    real_finish = _sender._finish
    def finish(sessions, row_id, owner, **values):
        if row_id == 3 and values.get("status") == "sent":
            die()
        real_finish(sessions, row_id, owner, **values)
    _sender._finish = finish
else:                                 # the whole message is with the server, the final dot is not
    real_commit = _sender._committing
    def committing(sessions, row_id, owner):
        if row_id == 3:
            die()
        real_commit(sessions, row_id, owner)
    _sender._committing = committing

_sender.deliver_due(sessions, settings, lease=datetime.timedelta(seconds=1.5))
"""


@pytest.mark.smtp
@pytest.mark.parametrize("point", ["after_accept", "before_final_dot"])
def test_killed_sender_restarts_without_loss_or_duplicate(
    sessions, mail_settings, tmp_path: Path, smtp_server, store_url, point
):
    settings = mail_settings(store_url, tmp_path, smtp_port=smtp_server.port)
    with sessions.begin() as session:
        ids = [
            enqueue_message(session, settings=settings, to=f"p{n}@example.com", subject=f"n{n}", text="hi")
            for n in range(5)
        ]
    assert ids == [1, 2, 3, 4, 5]
    crashed = subprocess.run(
        [sys.executable, "-c", SENDER, store_url, str(smtp_server.port), str(tmp_path), point],
        capture_output=True,
        timeout=60,
    )
    assert crashed.returncode == -9, crashed.stderr.decode()[-2000:]
    delivered_before_restart = len(smtp_server.messages)
    assert delivered_before_restart == (3 if point == "after_accept" else 2)

    time.sleep(1.6)  # the dead sender's lease runs out
    deliver_due(sessions, settings)

    with sessions() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [row.status for row in rows] == ["sent"] * 5
    received = [message["Message-ID"] for message in smtp_server.messages]
    assert sorted(received) == sorted(row.message_id for row in rows)  # each exactly once
    assert len(received) == 5
