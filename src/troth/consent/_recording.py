"""Recording one decision: from a validated submission and its request to a committed ledger event.

Shared by the `POST /api/v1/consent` route and its ASGI fast path, so both
store exactly the same event and answer exactly the same fields.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from typing import Any

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import IntegrityError

from troth.consent._banner import BannerConfig
from troth.consent._events import ConsentSubmission, PreparedEvent, Visit, prepare_event
from troth.consent._ledger import check_texts, ensure_texts
from troth.consent._signals import RequestSignals, jurisdiction_for, reduce_user_agent, truncate_ip
from troth.consent._writer import writer_for
from troth.web._runtime import Runtime

__all__ = ["commit", "prepare", "visit_of"]

#: per store, the banner texts already kept for receipts (by the hash of the first language's texts)
_texts_stored: weakref.WeakKeyDictionary[object, set[str]] = weakref.WeakKeyDictionary()
_texts_lock = threading.Lock()


def visit_of(runtime: Runtime, config: BannerConfig, client_host: str, headers: Mapping[str, str]) -> Visit:
    """What may be stored of where a submission came from (`headers` by lower-case name)."""
    signals = RequestSignals.from_headers(headers)
    return Visit(
        ip=truncate_ip(client_host),
        user_agent=reduce_user_agent(headers.get("user-agent", "")),
        jurisdiction=jurisdiction_for(runtime.loaded.declaration, signals.country),
        signal=signals.opts_out(config),
    )


def _store_texts(runtime: Runtime, config: BannerConfig, texts_hash: str) -> None:
    key = config.hashes[config.languages[0]]
    with _texts_lock:
        stored = _texts_stored.setdefault(runtime.sessions, set())
        if key not in stored:
            try:
                with runtime.sessions.begin() as session:
                    ensure_texts(session, config)
            except IntegrityError:
                pass  # another troth process stored the same texts at the same moment
            stored.add(key)
    with runtime.sessions() as session:
        check_texts(session, config, texts_hash)


def prepare(
    runtime: Runtime,
    config: BannerConfig,
    submission: ConsentSubmission,
    *,
    client_host: str,
    headers: Mapping[str, str],
) -> PreparedEvent:
    """Check one decision against the banner and reduce it to what the ledger keeps."""
    return prepare_event(
        config, submission, visit_of(runtime, config, client_host, headers), secret=runtime.secret
    )


async def commit(runtime: Runtime, config: BannerConfig, event: PreparedEvent) -> dict[str, Any]:
    """Commit a prepared decision; the API's answer once it is in the ledger."""
    stored = _texts_stored.get(runtime.sessions, set())
    # The banner's own texts are known once stored; any other hash is checked against the store.
    if config.hashes[config.languages[0]] not in stored or event.texts_hash not in config.hashes.values():
        await run_in_threadpool(_store_texts, runtime, config, event.texts_hash)
    recorded = await writer_for(runtime.sessions.kw["bind"], secret=runtime.secret).record(event)
    return {
        "consent_id": recorded.consent_id,
        "seq": recorded.seq,
        "hash": recorded.hash,
        "recorded_at": recorded.created_at.isoformat(),
        "expires_at": recorded.expires_at.isoformat(),
        "categories": event.decisions["categories"],
        "services": event.decisions["services"],
        "signal": "gpc" if event.gpc else "dnt" if event.dnt else "",
    }
