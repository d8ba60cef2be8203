"""`troth worker` without a broker: the in-process worker in the foreground carries requests out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from troth.dsr.requests import DsrRequest, RequestContext, State, approve, check_code, submit
from troth.settings import Settings
from troth.store import open_store

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"
RUN = "import typer, sys; from troth.jobs._cli import register; app = typer.Typer(); register(app); app()"


def test_the_worker_command_runs_approved_requests_and_stops_on_sigterm(tmp_path: Path) -> None:
    from troth.declaration import read

    config = tmp_path / "troth.yaml"
    config.write_text((DEMO / "troth.yaml").read_text())
    (tmp_path / "datasets.yaml").write_text((DEMO / "datasets.yaml").read_text())
    environment = {
        **os.environ,
        "TROTH_SECRET_KEY": "worker-command-test-" + "k" * 30,
        "TROTH_BROKER_URL": "",
    }
    settings = Settings.for_declaration(config, secret_key=environment["TROTH_SECRET_KEY"])
    sessions = open_store(settings)
    ctx = RequestContext(
        settings, read(config).declaration
    )  # no dispatcher: the worker's sweep finds the step
    with sessions.begin() as session:
        submission = submit(session, ctx, kind="objection", email="ana@example.com", jurisdiction="gdpr")
        check_code(session, ctx, submission.request, purpose="subject", code=submission.codes["subject"])
        approve(session, ctx, submission.request, actor="agent:sam")
    worker = subprocess.Popen(
        [sys.executable, "-c", RUN, "--config", str(config), "--concurrency", "1"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with sessions() as session:
                state = session.scalar(select(DsrRequest.state).where(DsrRequest.id == submission.request.id))
            if state == State.RUNNING:  # an objection waits on the staff task the worker opened
                break
            assert time.monotonic() < deadline, f"the worker never ran the request (still {state})"
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=20)
        sessions.kw["bind"].dispose()
    assert worker.returncode == 0, output
    assert "in-process, 1 at once (set TROTH_BROKER_URL for Celery)" in output
