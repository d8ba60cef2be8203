"""The consent ledger: append, read back, prove.

Every event is hash-linked to the previous event of the same consent id under
a key derived from the secret key, so a row edited, removed or reordered in
the database no longer verifies, and nobody without the key can forge a
replacement chain. Functions take an explicit session; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import psycopg
from sqlalchemy import Table, func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from troth._crypto import derive_key
from troth._errors import NotFoundError
from troth.consent._banner import BannerConfig
from troth.consent._events import InvalidConsentError, PreparedEvent
from troth.consent._models import ConsentEvent, ConsentText

__all__ = [
    "GENESIS",
    "ChainReport",
    "ConsentState",
    "RecordedEvent",
    "append_events",
    "check_texts",
    "consent_state",
    "ensure_texts",
    "events_of",
    "verify_chain",
]

GENESIS = "0" * 64
_EVENTS = cast(Table, ConsentEvent.__table__)
_CHAIN_PURPOSE = "consent.chain"


@dataclass(frozen=True)
class RecordedEvent:
    consent_id: str
    seq: int
    hash: str
    created_at: dt.datetime
    expires_at: dt.datetime


def _utc_text(moment: dt.datetime) -> str:
    """A timestamp as the chain hashes it: UTC, naive, microseconds (SQLite drops the zone)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


_HASHED = (
    "consent_id", "seq", "action", "decisions", "user_hash", "policy_version", "texts_hash", "language",
    "jurisdiction", "page_url", "ip", "user_agent", "gpc", "dnt", "prev_hash",
)  # fmt: skip


def chain_hash(secret: str, row: dict[str, Any]) -> str:
    """The keyed hash of one event's content and the hash of the event before it."""
    payload = {name: row[name] for name in _HASHED}
    payload["created_at"] = _utc_text(row["created_at"])
    payload["expires_at"] = _utc_text(row["expires_at"])
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(_chain_key(secret), text.encode(), hashlib.sha256).hexdigest()


@functools.lru_cache(maxsize=8)
def _chain_key(secret: str) -> bytes:
    """The chain's sub-key, derived once per secret rather than once per event."""
    return derive_key(secret, _CHAIN_PURPOSE)


def _heads(session: Session, consent_ids: Iterable[str]) -> dict[str, tuple[int, str]]:
    ids = sorted(set(consent_ids))
    latest = (
        select(ConsentEvent.consent_id, func.max(ConsentEvent.seq).label("seq"))
        .where(ConsentEvent.consent_id.in_(ids))
        .group_by(ConsentEvent.consent_id)
        .subquery()
    )
    rows = session.execute(
        select(ConsentEvent.consent_id, ConsentEvent.seq, ConsentEvent.hash).join(
            latest, (ConsentEvent.consent_id == latest.c.consent_id) & (ConsentEvent.seq == latest.c.seq)
        )
    )
    return {consent_id: (seq, digest) for consent_id, seq, digest in rows}


def append_events(
    session: Session,
    events: Sequence[PreparedEvent],
    *,
    secret: str,
    known_heads: Mapping[str, tuple[int, str]] | None = None,
) -> list[RecordedEvent]:
    """Chain `events` after each consent id's latest event and insert them in one statement.

    `known_heads` (a writer's memory of the chains it extended) saves the
    lookup: ids missing from it are taken to be new. A wrong guess, like a
    concurrent writer of the same consent id, makes the insert fail on the
    (consent_id, seq) unique constraint, never forks a chain; the caller rolls
    back and retries without guessing.
    """
    if known_heads is None:
        heads = _heads(session, (e.consent_id for e in events))
    else:
        heads = {e.consent_id: known_heads[e.consent_id] for e in events if e.consent_id in known_heads}
    rows: list[dict[str, Any]] = []
    recorded: list[RecordedEvent] = []
    for event in events:
        seq, prev = heads.get(event.consent_id, (0, GENESIS))
        row = {**event.__dict__, "seq": seq + 1, "prev_hash": prev}
        row["hash"] = chain_hash(secret, row)
        heads[event.consent_id] = (seq + 1, row["hash"])
        rows.append(row)
        recorded.append(
            RecordedEvent(event.consent_id, seq + 1, row["hash"], event.created_at, event.expires_at)
        )
    if rows and session.get_bind().dialect.name == "postgresql":
        _copy_rows(session, rows)
    elif rows:
        # A Core insert: executemany without the ORM bulk machinery.
        session.execute(insert(_EVENTS), rows)
    return recorded


_COPIED = tuple(column.name for column in _EVENTS.columns if column.name != "id")
_DECISIONS = _COPIED.index("decisions")
_MOMENTS = tuple(_COPIED.index(name) for name in ("created_at", "expires_at"))


def _copy_rows(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` on PostgreSQL with one COPY in the session's transaction.

    COPY costs both sides a fraction of one INSERT per row. It checks the same
    constraints, so a raced (consent_id, seq) still fails the batch; its errors
    are raised as SQLAlchemy's, like any statement's, for the caller to retry.
    """
    connection = session.connection()
    preparer = connection.dialect.identifier_preparer
    statement = (
        f"COPY {preparer.format_table(_EVENTS)} ({', '.join(preparer.quote(name) for name in _COPIED)}) "
        "FROM STDIN"
    )
    driver = connection.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                values = [row[name] for name in _COPIED]
                values[_DECISIONS] = json.dumps(values[_DECISIONS])
                for index in _MOMENTS:  # naive UTC, as UTCDateTime stores them
                    values[index] = values[index].astimezone(dt.UTC).replace(tzinfo=None)
                copy.write_row(values)
    except psycopg.IntegrityError as exc:
        raise IntegrityError(statement, None, exc) from None
    except psycopg.Error as exc:
        if driver.closed:  # type: ignore[union-attr]
            connection.invalidate(exc)
        raise OperationalError(statement, None, exc) from None


def ensure_texts(session: Session, config: BannerConfig, *, now: dt.datetime | None = None) -> None:
    """Keep the exact texts of the current banner, once per hash, for receipts."""
    stored = set(
        session.scalars(select(ConsentText.hash).where(ConsentText.hash.in_(list(config.hashes.values()))))
    )
    moment = now or dt.datetime.now(dt.UTC)
    for language, digest in config.hashes.items():
        if digest not in stored:
            session.add(
                ConsentText(
                    hash=digest,
                    language=language,
                    policy_version=config.policy_version,
                    texts=config.texts[language],
                    first_shown_at=moment,
                )
            )
    session.flush()


def check_texts(session: Session, config: BannerConfig, texts_hash: str) -> None:
    """Refuse a decision made on texts troth never served (current or archived)."""
    if texts_hash in config.hashes.values():
        return
    if session.get(ConsentText, texts_hash) is None:
        raise InvalidConsentError(
            "texts_hash does not match any banner this site has shown; reload the page and choose again"
        )


def events_of(session: Session, consent_id: str) -> list[ConsentEvent]:
    events = list(
        session.scalars(
            select(ConsentEvent).where(ConsentEvent.consent_id == consent_id).order_by(ConsentEvent.seq)
        )
    )
    if not events:
        raise NotFoundError(f"no consent recorded under id {consent_id!r}")
    return events


@dataclass(frozen=True)
class ConsentState:
    """A visitor's current choice: the latest decision for each category and service."""

    consent_id: str
    categories: dict[str, bool]
    services: dict[str, bool]
    #: category → fingerprint of what it covered when the visitor decided
    fingerprints: dict[str, str]
    action: str
    policy_version: str
    updated_at: dt.datetime
    expires_at: dt.datetime
    gpc: bool
    dnt: bool
    events: int

    def as_json(self) -> dict[str, Any]:
        return {
            "consent_id": self.consent_id,
            "categories": self.categories,
            "services": self.services,
            "last_action": self.action,
            "policy_version": self.policy_version,
            "updated_at": _as_utc(self.updated_at).isoformat(),
            "expires_at": _as_utc(self.expires_at).isoformat(),
            "gpc": self.gpc,
            "dnt": self.dnt,
            "events": self.events,
        }


def _as_utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def consent_state(session: Session, consent_id: str) -> ConsentState:
    events = events_of(session, consent_id)
    categories: dict[str, bool] = {}
    services: dict[str, bool] = {}
    fingerprints: dict[str, str] = {}
    for event in events:
        categories.update(event.decisions.get("categories", {}))
        services.update(event.decisions.get("services", {}))
        fingerprints.update(event.decisions.get("fingerprints", {}))
    last = events[-1]
    return ConsentState(
        consent_id=consent_id,
        categories=categories,
        services=services,
        fingerprints=fingerprints,
        action=last.action,
        policy_version=last.policy_version,
        updated_at=_as_utc(last.created_at),
        expires_at=_as_utc(last.expires_at),
        gpc=any(e.gpc for e in events),
        dnt=any(e.dnt for e in events),
        events=len(events),
    )


@dataclass
class ChainReport:
    checked: int = 0
    chains: int = 0
    #: (consent id, seq, what is wrong) of each broken link
    broken: list[tuple[str, int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken


def _rows(session: Session, consent_id: str | None) -> Iterator[ConsentEvent]:
    query = select(ConsentEvent).order_by(ConsentEvent.consent_id, ConsentEvent.seq)
    if consent_id is not None:
        query = query.where(ConsentEvent.consent_id == consent_id)
    yield from session.scalars(query.execution_options(yield_per=1000))


def verify_chain(session: Session, *, secret: str, consent_id: str | None = None) -> ChainReport:
    """Recompute every link (of one consent id, or of the whole ledger) and report each break."""
    report = ChainReport()
    current, expected_seq, prev = "", 1, GENESIS
    for event in _rows(session, consent_id):
        if event.consent_id != current:
            current, expected_seq, prev = event.consent_id, 1, GENESIS
            report.chains += 1
        report.checked += 1
        row = {name: getattr(event, name) for name in (*_HASHED, "created_at", "expires_at")}
        if event.seq != expected_seq:
            report.broken.append((current, event.seq, f"expected event #{expected_seq}: events are missing"))
        elif event.prev_hash != prev:
            report.broken.append((current, event.seq, "does not link to the event before it"))
        elif chain_hash(secret, row) != event.hash:
            report.broken.append((current, event.seq, "content was altered after it was recorded"))
        expected_seq, prev = event.seq + 1, event.hash
    return report
