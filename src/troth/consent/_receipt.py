"""A consent receipt: every event of one consent id, with the texts shown and the chain's verdict."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from troth.consent._ledger import events_of, verify_chain
from troth.consent._models import ConsentText

__all__ = ["receipt"]


def receipt(session: Session, consent_id: str, *, secret: str) -> dict[str, Any]:
    """The receipt as JSON-ready data; raises NotFoundError for an unknown id."""
    events = events_of(session, consent_id)
    hashes = {e.texts_hash for e in events}
    texts = {
        row.hash: {"language": row.language, "policy_version": row.policy_version, **row.texts}
        for row in session.scalars(select(ConsentText).where(ConsentText.hash.in_(hashes)))
    }
    report = verify_chain(session, secret=secret, consent_id=consent_id)
    return {
        "consent_id": consent_id,
        "chain_ok": report.ok,
        "broken": [{"seq": seq, "problem": problem} for _, seq, problem in report.broken],
        "events": [
            {
                "seq": e.seq,
                "action": e.action,
                "categories": e.decisions.get("categories", {}),
                "services": e.decisions.get("services", {}),
                "policy_version": e.policy_version,
                "texts_hash": e.texts_hash,
                "language": e.language,
                "jurisdiction": e.jurisdiction,
                "page_url": e.page_url,
                "ip": e.ip,
                "user_agent": e.user_agent,
                "gpc": e.gpc,
                "dnt": e.dnt,
                "created_at": e.created_at.isoformat(),
                "expires_at": e.expires_at.isoformat(),
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in events
        ],
        "texts": texts,
    }
