"""The audit log: appends chain, tampering (edit, delete, reorder) is caught at the first broken link."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from troth import audit
from troth.settings import Settings
from troth.store import open_store

SECRET = "audit-test-" + "s" * 40


@pytest.fixture
def sessions(store_url, tmp_path):
    factory = open_store(Settings(database_url=store_url, secret_key=SECRET, state_dir=tmp_path))
    with factory.begin() as session:
        for n in range(1, 6):
            audit.record(
                session,
                secret=SECRET,
                actor=f"user:agent{n % 2}",
                action="request.approve",
                subject=f"person{n}@example.com",
                detail={"request": n},
            )
    yield factory
    factory.kw["bind"].dispose()


def _verify(sessions):
    with sessions() as session:
        return audit.verify(session, secret=SECRET)


def test_an_intact_log_verifies_and_keeps_subjects_only_as_keyed_hashes(sessions):
    assert _verify(sessions) == (5, None)
    with sessions() as session:
        events = session.scalars(select(audit.AuditEvent).order_by(audit.AuditEvent.id)).all()
    assert [e.id for e in events] == [1, 2, 3, 4, 5]
    assert events[1].prev_hash == events[0].hash
    assert events[0].subject_hash == audit.subject_hash(SECRET, "PERSON1@example.com ")
    dump = json.dumps([[e.actor, e.detail, e.subject_hash] for e in events])
    assert "person1@example.com" not in dump
    # another secret cannot recompute the chain
    with sessions() as session:
        assert audit.verify(session, secret="another-" + "x" * 40)[1] is not None


def test_a_rolled_back_append_leaves_no_trace(sessions):
    with pytest.raises(RuntimeError), sessions.begin() as session:
        audit.record(session, secret=SECRET, actor="cli", action="x")
        raise RuntimeError("the action failed")
    assert _verify(sessions) == (5, None)


@pytest.mark.parametrize(
    ("tamper", "broken", "says"),
    [
        ("UPDATE audit_events SET detail = '{\"request\":99}' WHERE id = 3", 3, "edited"),
        ("UPDATE audit_events SET actor = 'user:nobody' WHERE id = 2", 2, "edited"),
        ("DELETE FROM audit_events WHERE id = 3", 3, "missing"),
        ("DELETE FROM audit_events WHERE id = 5", 5, "written"),
        # reorder: swap the content of events 2 and 4, ids and hashes included except the key
        (
            "UPDATE audit_events SET id = CASE id WHEN 2 THEN 1002 WHEN 4 THEN 1004 END WHERE id IN (2, 4);"
            "UPDATE audit_events SET id = CASE id WHEN 1002 THEN 4 WHEN 1004 THEN 2 END WHERE id IN (1002, 1004)",
            2,
            "link",
        ),
    ],
    ids=["edit-detail", "edit-actor", "delete-middle", "delete-last", "reorder"],
)
def test_tampering_is_caught_at_the_first_broken_link(sessions, tamper, broken, says):
    with sessions.begin() as session:
        for statement in tamper.split(";"):
            session.connection().exec_driver_sql(statement)
    count, problem = _verify(sessions)
    assert problem is not None
    assert problem.event_id == broken and count == broken - 1
    assert says in problem.message


def test_concurrent_appenders_never_fork_the_chain(sessions, store_url):
    if store_url.startswith("sqlite"):
        workers, each = 4, 10
    else:
        workers, each = 8, 10
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            for n in range(each):
                with sessions.begin() as session:
                    audit.record(session, secret=SECRET, actor=f"w{worker}", action="tick", detail={"n": n})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _verify(sessions) == (5 + workers * each, None)


def test_cli_verify_reports_the_break_and_export_writes_json_lines(tmp_path: Path, monkeypatch):
    from troth.cli import build_app

    declaration = tmp_path / "troth.yaml"
    declaration.write_text((Path(__file__).parents[2] / "examples" / "demo" / "troth.yaml").read_text())
    monkeypatch.setenv("TROTH_SECRET_KEY", SECRET)
    runner = CliRunner()
    app = build_app("audit")
    created = runner.invoke(
        build_app("admin"),
        ["admin", "token", "create", "--name", "ci", "--role", "admin", "-c", str(declaration)],
    )
    assert created.exit_code == 0, created.output
    ok = runner.invoke(app, ["audit", "verify", "-c", str(declaration)])
    assert ok.exit_code == 0 and "ok: 1 event(s)" in ok.output
    out = tmp_path / "audit.jsonl"
    exported = runner.invoke(app, ["audit", "export", "-c", str(declaration), "-o", str(out)])
    assert exported.exit_code == 0
    (line,) = out.read_text().splitlines()
    assert json.loads(line)["action"] == "token.create"
    sessions = open_store(Settings.for_declaration(declaration))
    with sessions.begin() as session:
        session.execute(text("UPDATE audit_events SET action = 'token.delete' WHERE id = 1"))
    broken = runner.invoke(app, ["audit", "verify", "-c", str(declaration)])
    assert broken.exit_code == 1
    assert "audit event 1" in broken.output and "edited" in broken.output
